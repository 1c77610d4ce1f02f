/*
 * t/fuzz/lua.c - Lua values returned to C: a lua check's check() returns
 * any values (nil, booleans, integers at the edges, floats, NaN and
 * infinities, strings with any bytes, tables, functions, coroutines,
 * tables whose __tostring or __name misbehave), and lua/rt.c turns them
 * into a verdict, a weight and a message (run_returned()).  The check runs
 * as lvsmond runs it: configured from libconfig text (code = "..."),
 * started as a coroutine of the one state, the loop turned until
 * probe_done().
 *
 * Input, first byte even: values encoded as tagged bytes (the harness
 * writes them as Lua literals: the fuzzer explores values, not syntax);
 * odd: the rest is the text after "return " itself (any Lua expression
 * list, under a 100,000 instruction budget).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <libconfig.h>

#include "lua/lua_rt.h"
#include "monitor/directive.h"
#include "monitor/log.h"
#include "monitor/probe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

extern const struct probe_type chk_lua;

#define DEADLINE_S	5

static struct event_base	*base;
static struct probe		 p;
static int			 done;
static struct probe_result	 res;
static unsigned long		 inputs;

struct out {
	char	*s;
	size_t	 len, cap;
};

static void
put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		abort();	/* the harness sized it wrong */
	o->len += (size_t)n;
}

/* One value from the tagged bytes at *d; depth bounds tables. */
static void
value(struct out *o, const uint8_t **d, size_t *n, int depth)
{
	uint8_t		tag;
	int64_t		i;
	double		f;
	size_t		len;

	if (*n == 0) {
		put(o, "nil");
		return;
	}
	tag = **d;
	(*d)++;
	(*n)--;
	switch (tag % 13) {
	case 0: put(o, "nil"); break;
	case 1: put(o, "true"); break;
	case 2: put(o, "false"); break;
	case 3:
		i = 0;
		len = *n < 8 ? *n : 8;
		memcpy(&i, *d, len);
		*d += len;
		*n -= len;
		put(o, "math.tointeger(%lld)", (long long)i);
		/* LLONG_MIN's literal is a float: the call gives nil */
		break;
	case 4:
		f = 0;
		len = *n < 8 ? *n : 8;
		memcpy(&f, *d, len);
		*d += len;
		*n -= len;
		if (isnan(f))
			put(o, "(0/0)");
		else if (isinf(f))
			put(o, f > 0 ? "(1/0)" : "(-1/0)");
		else
			put(o, "%.17g", f);
		break;
	case 5:
		len = *n > 0 ? **d : 0;
		if (*n > 0) {
			(*d)++;
			(*n)--;
		}
		if (len > *n)
			len = *n;
		put(o, "\"");
		for (size_t k = 0; k < len; k++)
			put(o, "\\%u", (*d)[k]);
		put(o, "\"");
		*d += len;
		*n -= len;
		break;
	case 6: put(o, "\"up\""); break;
	case 7: put(o, "\"down\""); break;
	case 8: put(o, "\"warning\""); break;
	case 9:
		put(o, "{");
		for (int k = 0; k < 3 && depth < 4; k++) {
			value(o, d, n, depth + 1);
			put(o, ",");
		}
		put(o, "}");
		break;
	case 10: put(o, "function() end"); break;
	case 11: put(o, "coroutine.create(function() end)"); break;
	case 12:
		/* a value whose string form raises, or is not a string */
		put(o, "setmetatable({}, { __tostring = function() "
		    "error(\"tostring\") end, __name = %s })",
		    depth % 2 ? "{}" : "\"n\"");
		break;
	}
}

static void
on_done(struct probe *pr, const struct probe_result *r)
{
	(void)pr;
	done++;
	res = *r;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&p.addr;
	struct err		 e = { "" };

	mon_log_level(LOG_ERR);
	if ((base = event_base_new()) == NULL)
		abort();
	/* one state for all inputs, as in a daemon with other lua checks */
	if (lua_rt_acquire(&e) == NULL)
		abort();
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(9);	/* discard: nothing listens */
	p.addrlen = sizeof(*sin);
	snprintf(p.host, sizeof(p.host), "127.0.0.1");
	snprintf(p.name, sizeof(p.name), "127.0.0.1:9");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out		 code = { NULL, 0, 0 }, text = { NULL, 0, 0 };
	struct err		 e = { "" };
	config_t		 cfg;
	const config_setting_t	*cs;
	double			 end;
	size_t			 n;

	if (size < 1 || size > 4096)
		return -1;
	/* the state keeps every chunk compiled while it lives (lua/rt.c's
	   cache, by text): start a fresh one now and then, or the memory
	   limit ends a long run */
	if (++inputs % 500 == 0) {
		lua_rt_release();
		if (lua_rt_acquire(&e) == NULL)
			abort();
	}
	/* a byte becomes at most ~110 characters (tag 12), a string's
	   byte 4 ("\\ddd") */
	code.cap = 256 + size * 128;
	if ((code.s = malloc(code.cap)) == NULL)
		return 0;
	put(&code, "function check(t) return ");
	if (data[0] % 2) {
		memcpy(code.s + code.len, data + 1, size - 1);
		code.len += size - 1;
		code.s[code.len] = '\0';
	} else {
		const uint8_t	*d = data + 1;

		n = size - 1;
		for (int k = 0; k < 4 && n > 0; k++) {
			if (k > 0)
				put(&code, ", ");
			value(&code, &d, &n, 0);
		}
	}
	put(&code, "\nend\n");

	/* the check block, code as a libconfig string */
	text.cap = code.len * 4 + 256;
	if ((text.s = malloc(text.cap)) == NULL)
		goto out;
	put(&text, "check = { type = \"lua\"; max_instructions = 100000; "
	    "code = \"");
	for (size_t k = 0; k < code.len; k++) {
		unsigned char	c = (unsigned char)code.s[k];

		if (c == '"' || c == '\\')
			put(&text, "\\%c", c);
		else if (c < ' ' || c >= 0x7f)
			put(&text, "\\x%02x", c);
		else
			put(&text, "%c", c);
	}
	put(&text, "\"; };");

	config_init(&cfg);
	if (config_read_string(&cfg, text.s) != CONFIG_TRUE ||
	    (cs = config_lookup(&cfg, "check")) == NULL)
		goto cfg_out;	/* a NUL in raw text: not the point here */
	p.type = &chk_lua;
	p.conf = calloc(1, chk_lua.conf_size);
	p.base = base;
	p.on_done = on_done;
	if (p.conf == NULL ||
	    mon_directives_apply(mon_probe_common_directives, &p, cs, NULL,
	    chk_lua.directives, "fuzz", &e) < 0 ||
	    mon_directives_apply(chk_lua.directives, p.conf, cs, NULL,
	    mon_probe_common_directives, "fuzz", &e) < 0)
		abort();	/* the harness's own block is good */
	p.timeout_ms = 2000;
	if (chk_lua.configure(cs, &p, &e) == 0) {
		done = 0;
		if (chk_lua.start(&p) < 0)
			abort();
		end = now() + DEADLINE_S;
		while (!done && now() < end)
			event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (!done)
			chk_lua.cancel(&p);	/* the scheduler's timeout */
		else if (p.run != NULL || done != 1 ||
		    memchr(res.msg, '\0', sizeof(res.msg)) == NULL)
			abort();
	} else if (data[0] % 2 == 0) {
		/* literals always compile and run */
		fprintf(stderr, "lua harness: %s\n%s\n", e.msg, code.s);
		abort();
	}
	if (chk_lua.release != NULL)
		chk_lua.release(&p);
	mon_directives_release(chk_lua.directives, p.conf);
	mon_directives_release(mon_probe_common_directives, &p);
	free(p.conf);
	p.conf = NULL;
	p.priv = NULL;
cfg_out:
	config_destroy(&cfg);
out:
	free(text.s);
	free(code.s);
	return 0;
}
