#!/usr/bin/env python3
"""t/tools/promparse.py - a strict reader of the Prometheus text format 0.0.4.

    promparse.py [FILE]          (stdin without FILE)

Reads an exposition and either prints one canonical line per sample,

    name{label="value",...} VALUE          (labels sorted by name)

and exits 0, or prints "promparse: line N: what is wrong" on stderr and
exits 1.  Stricter than Prometheus itself where lvsmon should be: every
family has HELP and TYPE before its samples, a family's samples are
together, no series twice, names and label names follow the naming rules,
label values use only the three escapes, values are numbers; counters end
in _total; a histogram has cumulative buckets with le="+Inf" equal to its
_count, and a _sum.
"""
import math
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*\Z')
LNAME = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*\Z')
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')


class Bad(Exception):
    pass


def parse_labels(s, i, n):
    """s[i] == '{'; returns (labels dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*').match(s, i)
        if not m:
            raise Bad('line %d: bad label name at column %d' % (n, i + 1))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad('line %d: label %s: expected ="' % (n, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Bad('line %d: label %s: unterminated value'
                          % (n, name))
            c = s[i]
            if c == '\\':
                e = s[i + 1:i + 2]
                if e not in ('\\', '"', 'n'):
                    raise Bad('line %d: label %s: bad escape \\%s'
                              % (n, name, e))
                val.append('\n' if e == 'n' else e)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == '\n':
                raise Bad('line %d: raw newline in a label value' % n)
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise Bad('line %d: label %s twice' % (n, name))
        if name.startswith('__'):
            raise Bad('line %d: label %s is reserved' % (n, name))
        labels[name] = ''.join(val)
        if s[i:i + 1] == ',':
            i += 1
        elif s[i:i + 1] != '}':
            raise Bad('line %d: expected , or } after label %s' % (n, name))


def value(s, n):
    if s in ('+Inf', '-Inf', 'NaN'):
        return float(s.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.match(r'-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z', s):
        raise Bad('line %d: bad value %r' % (n, s))
    return float(s)


def family_of(name, types):
    for suffix in ('_bucket', '_sum', '_count'):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == 'histogram':
            return base
    return name


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else \
        sys.stdin.read()
    if text and not text.endswith('\n'):
        raise Bad('the last line has no newline')
    helps, types, done, series = {}, {}, set(), {}
    current = None
    out = []
    hist = {}
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line == '':
            raise Bad('line %d: empty line' % n)
        if line.startswith('#'):
            m = re.match(r'# (HELP|TYPE) (\S+) (.*)\Z', line)
            if not m:
                if line.startswith('# HELP') or line.startswith('# TYPE'):
                    raise Bad('line %d: malformed %s' % (n, line[:6]))
                continue
            kind, name, rest = m.groups()
            if not NAME.match(name):
                raise Bad('line %d: bad metric name %r' % (n, name))
            if name in done or (kind == 'HELP' and name in helps) or \
                    (kind == 'TYPE' and name in types):
                raise Bad('line %d: %s of %s again' % (n, kind, name))
            if current is not None and current != name:
                done.add(current)
            current = name
            if kind == 'HELP':
                if rest == '':
                    raise Bad('line %d: empty HELP' % n)
                helps[name] = rest
            else:
                if rest not in TYPES:
                    raise Bad('line %d: unknown type %r' % (n, rest))
                types[name] = rest
            continue
        m = re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*', line)
        if not m:
            raise Bad('line %d: bad metric name' % n)
        name, i = m.group(0), m.end()
        labels = {}
        if line[i:i + 1] == '{':
            labels, i = parse_labels(line, i, n)
        if line[i:i + 1] != ' ':
            raise Bad('line %d: expected a space before the value' % n)
        parts = line[i + 1:].split(' ')
        if len(parts) not in (1, 2):
            raise Bad('line %d: expected VALUE [TIMESTAMP]' % n)
        v = value(parts[0], n)
        fam = family_of(name, types)
        if fam not in types or fam not in helps:
            raise Bad('line %d: %s has no HELP and TYPE before it' % (n, fam))
        if fam != current:
            raise Bad('line %d: %s is not with the rest of its family'
                      % (n, name))
        t = types[fam]
        if t == 'counter':
            if not name.endswith('_total'):
                raise Bad('line %d: counter %s does not end in _total'
                          % (n, name))
            if v < 0 or math.isnan(v):
                raise Bad('line %d: counter %s is %s' % (n, name, v))
        if t == 'histogram':
            key = tuple(sorted((k, x) for k, x in labels.items()
                               if k != 'le'))
            h = hist.setdefault((fam, key), {'b': [], 'sum': None,
                                             'count': None})
            if name.endswith('_bucket'):
                if 'le' not in labels:
                    raise Bad('line %d: bucket without le' % n)
                h['b'].append((value(labels['le'], n), v))
            elif name.endswith('_sum'):
                h['sum'] = v
            elif name.endswith('_count'):
                h['count'] = v
            else:
                raise Bad('line %d: histogram sample %s' % (n, name))
        canon = name + '{' + ','.join(
            '%s="%s"' % (k, labels[k].replace('\\', '\\\\')
                         .replace('"', '\\"').replace('\n', '\\n'))
            for k in sorted(labels)) + '}'
        if canon in series:
            raise Bad('line %d: series %s again (line %d)'
                      % (n, canon, series[canon]))
        series[canon] = n
        out.append('%s %s' % (canon, parts[0]))
    for (fam, key), h in hist.items():
        les = [le for le, _ in h['b']]
        if les != sorted(les) or not les or les[-1] != math.inf:
            raise Bad('%s%s: buckets not ascending to +Inf' % (fam, key))
        counts = [c for _, c in h['b']]
        if counts != sorted(counts):
            raise Bad('%s%s: buckets not cumulative' % (fam, key))
        if h['count'] is None or h['sum'] is None:
            raise Bad('%s%s: no _count or _sum' % (fam, key))
        if h['count'] != counts[-1]:
            raise Bad('%s%s: le="+Inf" %s != _count %s'
                      % (fam, key, counts[-1], h['count']))
    print('\n'.join(out))


if __name__ == '__main__':
    try:
        main()
    except Bad as e:
        print('promparse: %s' % e, file=sys.stderr)
        sys.exit(1)
