#!/usr/bin/env python3
"""t/fuzz/seeds.py - write the netlink seeds of t/fuzz/corpus/ipvs and
t/fuzz/corpus/nft: well-formed kernel answers (record format: t/fuzz/feed.h),
so that the fuzzer starts inside the decoders rather than at the header
check.  Layouts: linux/ip_vs.h, linux/netfilter/nf_tables.h.  Run from
the top of the tree; the files are checked in, this only remakes them."""
import os
import struct

NLM_F_MULTI = 2


def attr(t, payload, nested=False):
    t |= 0x8000 if nested else 0
    a = struct.pack('<HH', 4 + len(payload), t) + payload
    return a + b'\0' * (-len(a) % 4)


def nest(t, *attrs):
    return attr(t, b''.join(attrs), nested=True)


def msg(mtype, body):
    n = 16 + len(body)
    return struct.pack('<IHHII', n, mtype, NLM_F_MULTI, 0, 0) + body


def rec(*msgs):
    b = b''.join(msgs)
    return struct.pack('<H', len(b)) + b


END = struct.pack('<H', 0)
u16 = lambda v: struct.pack('<H', v)
u32 = lambda v: struct.pack('<I', v)
u64 = lambda v: struct.pack('<Q', v)
be16 = lambda v: struct.pack('>H', v)
be32 = lambda v: struct.pack('>I', v)
be64 = lambda v: struct.pack('>Q', v)
v4 = lambda s: bytes(int(x) for x in s.split('.'))


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- IPVS: genlmsghdr (cmd, version, reserved) + attributes ----
FAM = 0x23


def genl(cmd, *attrs):
    return msg(FAM, struct.pack('<BBH', cmd, 1, 0) + b''.join(attrs))


def stats(t, wide):
    f = u64 if wide else u32
    return nest(t, attr(1, f(10)), attr(2, f(200)), attr(3, f(180)),
                attr(4, f(30000)), attr(5, f(90000)), attr(6, u32(1)))


def svc(af, proto, addr, port, sched=b'wrr\0', fwmark=None):
    a = [attr(1, u16(af))]
    if fwmark is not None:
        a.append(attr(5, u32(fwmark)))
    else:
        a += [attr(2, u16(proto)), attr(3, addr.ljust(16, b'\0')),
              attr(4, be16(port))]
    a += [attr(6, sched), attr(7, u32(2) + u32(0xffffffff)),
          attr(8, u32(300)), attr(9, be32(0xffffffff)), stats(10, False),
          stats(12, True)]
    return genl(1, nest(1, *a))


def dest(addr, port, w, af=None):
    a = [attr(1, addr.ljust(16, b'\0')), attr(2, be16(port)), attr(3, u32(0)),
         attr(4, u32(w)), attr(5, u32(0)), attr(6, u32(0)), attr(7, u32(3)),
         attr(8, u32(4)), attr(9, u32(0)), stats(10, False), stats(12, True)]
    if af is not None:
        a.append(attr(11, u16(af)))
    return genl(5, nest(2, *a))


ipvs = 't/fuzz/corpus/ipvs'
six = bytes.fromhex('20010db8000000000000000000000010')
write(ipvs, 'two-services',
      rec(svc(2, 6, v4('203.0.113.10'), 80), svc(10, 6, six, 443)) + END +
      rec(dest(v4('198.51.100.11'), 8080, 100),
          dest(v4('198.51.100.12'), 8080, 50, af=2)) + END +
      rec(dest(bytes.fromhex('20010db8000000000000000000000011'), 443, 1))
      + END +
      rec(genl(14, attr(4, u32(900)), attr(5, u32(120)), attr(6, u32(300))))
      + END +
      rec(genl(11, nest(3, attr(1, u32(1)), attr(2, b'eth0\0'),
                        attr(3, u32(7)), attr(4, u16(1472)),
                        attr(5, v4('224.0.0.81')), attr(7, be16(8848)),
                        attr(8, b'\x01'))),
          genl(11, nest(3, attr(1, u32(2)), attr(6, six)))) + END)
write(ipvs, 'fwmark-and-error',
      rec(svc(2, 0, b'', 0, fwmark=7)) + END +
      rec(struct.pack('<IHHII', 36, 2, 0, 0, 0) + struct.pack('<i', -2) +
          b'\0' * 16) + END)
write(ipvs, 'short-attrs',
      rec(genl(1, nest(1, attr(1, b''), attr(2, b'\x06'), attr(4, b''))))
      + END)

# ---- nf_tables: nfgenmsg (family, version, res_id) + attributes ----
NFT_SUB = 10 << 8


def nfmsg(t, *attrs):
    return msg(NFT_SUB | t, struct.pack('<BBH', 1, 0, 0) + b''.join(attrs))


def nft_set(name, flags):
    return nfmsg(10, attr(1, b'lvsmon\0'), attr(2, name + b'\0'),
                 attr(3, be32(flags)), attr(5, be32(4)))


def chain(name):
    return nfmsg(4, attr(1, b'lvsmon\0'), attr(2, be64(5)),
                 attr(3, name + b'\0'))


def data_value(t, v):
    return nest(t, attr(1, v))


def verdict_goto(chain_name):
    return nest(2, nest(2, attr(1, be32(0xfffffffc)),
                        attr(2, chain_name + b'\0')))


def counter(pk, by):
    return nest(9, attr(1, b'counter\0'),
                nest(2, attr(1, be64(by)), attr(2, be64(pk))))


def elems(setname, *els):
    return nfmsg(13, attr(1, b'lvsmon\0'), attr(2, setname + b'\0'),
                 nest(3, *[nest(1, *e) for e in els]))


mark = lambda i: u32(0x4c000000 | i)
svckey = v4('203.0.113.10') + b'\x06\0\0\0' + be16(80) + b'\0\0'
nft = 't/fuzz/corpus/nft-raw'   # raw records: LVSMON_FUZZ_RAW (nft.c)
cur = (rec(nft_set(b'sched_1', 0), nft_set(b'be_conn', 8)) + END +
       rec(chain(b'svc_1'), chain(b'lvsmon_anchor')) + END +
       rec(elems(b'be_conn', [data_value(1, mark(1)), counter(3, 0)]))
       + END + END + END)
table = (rec(elems(b'svc4', [data_value(1, svckey), verdict_goto(b'svc_1')]))
         + END +
         rec(elems(b'svc6', [data_value(1, six + b'\x06\0\0\0' + be16(443) +
                                        b'\0\0'), verdict_goto(b'svc_2')]))
         + END +
         rec(elems(b'svc_sched', [data_value(1, u32(1)),
                                  data_value(2, u32(1))])) + END +
         rec(elems(b'be_svc', [data_value(1, mark(1)), data_value(2, u32(1))],
                   [data_value(1, mark(2)), data_value(2, u32(1))])) + END +
         rec(elems(b'be_addr4', [data_value(1, mark(1)),
                                 data_value(2, v4('198.51.100.11') +
                                            be16(8080) + b'\0\0')]))
         + END +
         rec(elems(b'be_addr6', [data_value(1, mark(2)),
                                 data_value(2, six + be16(80) + b'\0\0')]))
         + END +
         rec(elems(b'be_weight', [data_value(1, mark(1)),
                                  data_value(2, u32(100))])) + END +
         rec(elems(b'be_conn', [data_value(1, mark(1)), counter(7, 0)]))
         + END +
         rec(elems(b'be_in', [data_value(1, mark(1)), counter(70, 7000)]))
         + END +
         rec(elems(b'be_out', [data_value(1, mark(2)), counter(60, 9000)]))
         + END)
write(nft, 'cur-and-table', cur + table)
# no table: the set dump fails with ENOENT
write(nft, 'no-table', rec(struct.pack('<IHHII', 36, 2, 0, 0, 0) +
                           struct.pack('<i', -2) + b'\0' * 16))
