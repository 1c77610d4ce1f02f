/*
 * t/unit/lua_api.c - the lua check's contract and its API against real
 * loopback sockets: verdicts, weights and messages as check() returns
 * them; tcp connect/send/receive in every mode, timeouts and refusals;
 * udp; sleep and now; resolve; http_get; TLS against `openssl s_server`;
 * params; cancel() closes the run's sockets.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t/unit/lua_test.h"

#define T(f)	cmocka_unit_test_setup_teardown(f, lt_setup, lt_teardown)

static void
returns_true_is_up(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t) return true end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
	assert_int_equal(c->res.weight_hint, -1);
}

static void
returns_false_with_message_is_down(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t) "
	    "return false, nil, 'bad banner' end", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN, "bad banner");
	assert_string_equal(c->res.msg, "bad banner");
}

static void
strings_up_down_warning(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t) return 'up' end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
	lt_configure_code(c, "function check(t) return 'down' end", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN, "lua: down");
	lt_configure_code(c, "function check(t) "
	    "return 'warning', nil, 'disk 91%' end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "warning: disk 91%");
	lt_configure_code(c, "function check(t) return nil end", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN, "lua: down");
	lt_configure_code(c, "function check(t) return 'maybe' end", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "check() returned string \"maybe\"");
}

static void
weight_is_the_weight_hint(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t) "
	    "return true, 50, 'replica' end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "replica");
	assert_int_equal(c->res.weight_hint, 50);
	lt_configure_code(c, "function check(t) return true, 70000 end",
	    NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "weight 70000: expected an integer 0..65535");
	/* the message names the value without running its metamethods:
	   a __tostring that raises once panicked the daemon (t/fuzz/lua) */
	lt_configure_code(c, "function check(t) return 'up', setmetatable("
	    "{}, { __tostring = function() error('boom') end }) end", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "weight table: expected an integer 0..65535");
}

static void
target_has_address_port_and_params(void **state)
{
	struct lt_ctx	*c = *state;
	struct err	 e = { "" };
	char		 text[1024];

	snprintf(text, sizeof(text), "check = { type = \"lua\"; "
	    "params = { role = \"master\"; n = 3; f = 0.5; on = true; "
	    "list = [ \"a\", \"b\" ]; sub = { x = 1; }; }; "
	    "code = \"function check(t) return t.address == '127.0.0.1' and "
	    "t.port == %d and t.name == '127.0.0.1:%d' and "
	    "t.params.role == 'master' and math.type(t.params.n) == "
	    "'integer' and t.params.n == 3 and t.params.f == 0.5 and "
	    "t.params.on == true and #t.params.list == 2 and "
	    "t.params.list[2] == 'b' and t.params.sub.x == 1 end\"; };",
	    c->port, c->port);
	assert_int_equal(lt_configure(c, text, &e), 0);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
}

static void
tcp_send_and_receive_modes(void **state)
{
	struct lt_ctx	*c = *state;

	c->mode = LT_ECHO;
	snprintf(c->greet, sizeof(c->greet), "220 hello there\r\n");
	lt_configure_code(c,
	    "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  s:settimeout(1000)\n"
	    "  assert(s:connect(t.address, t.port))\n"
	    "  local l = s:receive('*l')\n"
	    "  if l ~= '220 hello there' then return false, nil, 'l=' .. tostring(l) end\n"
	    "  assert(s:send('PING\\r\\n') == 6)\n"
	    "  if s:receive() ~= 'PING' then return false, nil, 'ping' end\n"
	    "  s:send('abcdef')\n"
	    "  if s:receive(3) ~= 'abc' then return false, nil, 'n' end\n"
	    "  if s:receive(3) ~= 'def' then return false, nil, 'n2' end\n"
	    "  s:send('x--END--y')\n"
	    "  if s:receiveuntil('--END--') ~= 'x' then return false, nil, 'until' end\n"
	    "  if s:receive(1) ~= 'y' then return false, nil, 'after' end\n"
	    "  local big = string.rep('z', 100000)\n"
	    "  s:send(big)\n"
	    "  if s:receive(#big) ~= big then return false, nil, 'big' end\n"
	    "  local i = s:info()\n"
	    "  s:close()\n"
	    "  return true, nil, i.peer\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "127.0.0.1:");
	assert_non_null(strstr(c->got, "PING\r\nabcdefx--END--y"));
}

static void
receive_all_until_close(void **state)
{
	struct lt_ctx	*c = *state;

	c->mode = LT_GREET_CLOSE;
	snprintf(c->greet, sizeof(c->greet), "a\nb\nc");
	lt_configure_code(c,
	    "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  assert(s:connect(t.address, t.port))\n"
	    "  local all = s:receive('*a')\n"
	    "  local again, err, part = s:receive('*l')\n"
	    "  return all == 'a\\nb\\nc' and again == nil and err == 'closed' "
	    "and part == '', nil, all\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "a\nb\nc");
}

static void
closed_mid_line_gives_partial(void **state)
{
	struct lt_ctx	*c = *state;

	c->mode = LT_GREET_CLOSE;
	snprintf(c->greet, sizeof(c->greet), "no newline");
	lt_configure_code(c,
	    "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  assert(s:connect(t.address, t.port))\n"
	    "  local l, err, part = s:receive('*l')\n"
	    "  return false, nil, tostring(l) .. '|' .. err .. '|' .. part\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN,
	    "nil|closed|no newline");
}

static void
receive_times_out_with_partial(void **state)
{
	struct lt_ctx	*c = *state;
	double		 t0;

	c->mode = LT_ECHO;
	snprintf(c->greet, sizeof(c->greet), "half a li");
	lt_configure_code(c,
	    "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  s:settimeout(200)\n"
	    "  assert(s:connect(t.address, t.port))\n"
	    "  local t0 = lvsmon.now()\n"
	    "  local l, err, part = s:receive('*l')\n"
	    "  return false, nil, err .. '|' .. part .. '|' .. "
	    "(lvsmon.now() - t0 >= 190 and 'waited' or 'early')\n"
	    "end\n", NULL);
	t0 = lt_now();
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN,
	    "timeout|half a li|waited");
	/* Generous bound: the run did not hang past its socket timeout. */
	assert_true(lt_now() - t0 < 3.0);
}

static void
connect_refused_is_returned(void **state)
{
	struct lt_ctx	*c = *state;
	int		 port, fd = lt_bind(SOCK_STREAM, &port);
	char		 code[256];

	close(fd);	/* nobody listens there now */
	snprintf(code, sizeof(code), "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  local ok, err = s:connect('127.0.0.1', %d)\n"
	    "  return ok, nil, err\n"
	    "end\n", port);
	lt_configure_code(c, code, NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN, "ECONNREFUSED");
}

static void
udp_round_trip(void **state)
{
	struct lt_ctx	*c = *state;
	char		 code[512];

	snprintf(code, sizeof(code), "function check(t)\n"
	    "  local s = lvsmon.udp()\n"
	    "  s:settimeout(1000)\n"
	    "  assert(s:connect('127.0.0.1', %d))\n"
	    "  s:send(string.pack('>I4s1', 0xdeadbeef, 'hi'))\n"
	    "  local d = assert(s:receive())\n"
	    "  local n, str = string.unpack('>I4s1', d)\n"
	    "  return n == 0xdeadbeef and str == 'hi', nil, #d\n"
	    "end\n", c->uport);
	lt_configure_code(c, code, NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "7");
}

static void
sleep_yields_to_the_loop(void **state)
{
	struct lt_ctx	*c = *state;
	unsigned	 ticks0 = c->ticks;

	lt_configure_code(c, "function check(t)\n"
	    "  local t0 = lvsmon.now()\n"
	    "  lvsmon.sleep(100)\n"
	    "  local d = lvsmon.now() - t0\n"
	    "  return d >= 99, nil, 'slept ' .. d\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "slept");
	/* the 10 ms tick ran while the script slept */
	assert_true(c->ticks - ticks0 >= 3);
}

static void
resolve_numeric_and_hosts(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  local a = assert(lvsmon.resolve('127.0.0.1'))\n"
	    "  local b = assert(lvsmon.resolve('localhost', 'inet'))\n"
	    "  local s = lvsmon.tcp()\n"
	    "  local ok, err = s:connect('localhost', t.port)\n"
	    "  s:close()\n"
	    "  return a[1] == '127.0.0.1' and b[1] == '127.0.0.1' and ok, "
	    "nil, tostring(err)\n"
	    "end\n", NULL);
	c->mode = LT_SILENT;
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "nil");
	assert_int_equal(c->accepted, 1);
}

static void
http_get_content_length_and_chunked(void **state)
{
	struct lt_ctx	*c = *state;

	c->mode = LT_HTTP;
	snprintf(c->greet, sizeof(c->greet), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 7\r\n\r\nload=42"
	    "ignored");
	lt_configure_code(c, "function check(t)\n"
	    "  local url = ('http://%s:%d/load'):format(t.address, t.port)\n"
	    "  local st, body, h = lvsmon.http_get(url, { timeout = 1000,\n"
	    "    headers = { ['X-Check'] = 'yes' } })\n"
	    "  if not st then return false, nil, body end\n"
	    "  local load = tonumber(body:match('load=(%d+)'))\n"
	    "  return st == 200 and h['content-type'] == 'text/plain', "
	    "100 - load, body\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "load=42");
	assert_string_equal(c->res.msg, "load=42");
	assert_int_equal(c->res.weight_hint, 58);
	assert_non_null(strstr(c->got, "GET /load HTTP/1.1\r\n"));
	assert_non_null(strstr(c->got, "X-Check: yes\r\n"));

	c->got_len = 0;
	c->got[0] = '\0';
	snprintf(c->greet, sizeof(c->greet), "HTTP/1.1 503 Busy\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n3\r\n!!!\r\n"
	    "0\r\n\r\n");
	lt_configure_code(c, "function check(t)\n"
	    "  local st, body = lvsmon.http_get('http://' .. t.name .. '/')\n"
	    "  return false, nil, tostring(st) .. ' ' .. tostring(body)\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT_DOWN, "503 busy!!!");
}

/* ---- TLS against openssl s_server ------------------------------------- */

static pid_t
tls_server(int *port, char *dir)
{
	char	cmd[512], p[16];
	int	fd = lt_bind(SOCK_STREAM, port);
	pid_t	pid;

	close(fd);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 "
	    "-nodes -days 1 -subj /CN=lvsmon.test -keyout %s/k.pem "
	    "-out %s/c.pem >/dev/null 2>&1", dir, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(p, sizeof(p), "%d", *port);
	if ((pid = fork()) == 0) {
		char	k[300], c[300];

		snprintf(k, sizeof(k), "%s/k.pem", dir);
		snprintf(c, sizeof(c), "%s/c.pem", dir);
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execlp("openssl", "openssl", "s_server", "-quiet", "-www",
		    "-accept", p, "-cert", c, "-key", k, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int
port_open(int port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)port) };
	int			fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static void
tls_connect_http_get_and_verify(void **state)
{
	struct lt_ctx	*c = *state;
	char		 dir[] = "/tmp/lua_api_tls.XXXXXX", code[1024];
	char		 rm[300];
	int		 port, up = 0;
	pid_t		 pid;

	if (mkdtemp(dir) == NULL || (pid = tls_server(&port, dir)) < 0) {
		skip();
		return;
	}
	for (int i = 0; i < 100 && !(up = port_open(port)); i++)
		usleep(50000);	/* waiting for s_server, bounded: 5 s */
	if (up) {
		snprintf(code, sizeof(code), "function check(t)\n"
		    "  local st, body = lvsmon.http_get("
		    "'https://127.0.0.1:%d/', { sni = 'lvsmon.test' })\n"
		    "  if st ~= 200 then return false, nil, tostring(body) end\n"
		    "  local s = lvsmon.tcp()\n"
		    "  local ok, err = s:connect('127.0.0.1', %d, "
		    "{ tls = true, verify = true, sni = 'lvsmon.test' })\n"
		    "  return not ok, nil, tostring(err)\n"
		    "end\n", port, port);
		lt_configure_code(c, code, NULL);
		/* self-signed: verify = true refuses it */
		lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "tls: certificate");
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	(void)!system(rm);
	assert_true(up);
}

/* ---- cancel ------------------------------------------------------------- */

static int
peer_gone(struct lt_ctx *c)
{
	return c->peer_gone;
}

static int
accepted(struct lt_ctx *c)
{
	return c->accepted > 0;
}

static void
cancel_closes_the_sockets(void **state)
{
	struct lt_ctx	*c = *state;

	c->mode = LT_SILENT;
	lt_configure_code(c, "function check(t)\n"
	    "  local s = lvsmon.tcp()\n"
	    "  s:settimeout(5000)\n"
	    "  assert(s:connect(t.address, t.port))\n"
	    "  s:receive('*l')\n"
	    "  return true\n"
	    "end\n", NULL);
	c->done = 0;
	assert_int_equal(chk_lua.start(&c->p), 0);
	assert_true(lt_wait(c, accepted));
	assert_non_null(c->p.run);
	chk_lua.cancel(&c->p);
	assert_null(c->p.run);
	assert_true(lt_wait(c, peer_gone));
	assert_int_equal(c->done, 0);
	/* and the check runs again normally afterwards */
	c->mode = LT_GREET_CLOSE;
	lt_configure_code(c, "function check(t) return 'up' end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
}

static void
script_file_and_require_from_lua_path(void **state)
{
	struct lt_ctx	*c = *state;
	char		 dir[] = "/tmp/lua_api_req.XXXXXX", path[300];
	char		 text[1024];
	struct err	 e = { "" };
	FILE		*f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lib", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/lib/greet.lua", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("local M = {}\nfunction M.hello(n) return 'hello ' .. n end\n"
	    "leaked = true\nreturn M\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/mycheck.lua", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("#!/usr/bin/env lua\nlocal g = require 'lib.greet'\n"
	    "function check(t)\n  return leaked == nil, nil, "
	    "g.hello(t.params.who)\nend\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "check = { type = \"lua\"; "
	    "script = \"mycheck.lua\"; lua_path = \"%s\"; "
	    "params = { who = \"world\"; }; };", dir);
	assert_int_equal(lt_configure(c, text, &e), 0);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "hello world");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	(void)!system(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(returns_true_is_up),
		T(returns_false_with_message_is_down),
		T(strings_up_down_warning),
		T(weight_is_the_weight_hint),
		T(target_has_address_port_and_params),
		T(tcp_send_and_receive_modes),
		T(receive_all_until_close),
		T(closed_mid_line_gives_partial),
		T(receive_times_out_with_partial),
		T(connect_refused_is_returned),
		T(udp_round_trip),
		T(sleep_yields_to_the_loop),
		T(resolve_numeric_and_hosts),
		T(http_get_content_length_and_chunked),
		T(tls_connect_http_get_and_verify),
		T(cancel_closes_the_sockets),
		T(script_file_and_require_from_lua_path),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
