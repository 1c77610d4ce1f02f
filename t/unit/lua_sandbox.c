/*
 * t/unit/lua_sandbox.c - what a bad script can do to the daemon: nothing
 * but end its own check as down, with the reason and file:line.  Runaway
 * loops, memory bombs, forbidden libraries, errors, yields across C
 * calls; globals that would leak between checks; the shared libraries
 * being read-only; configure-time errors naming the line.
 */
#include <signal.h>

#include "t/unit/lua_test.h"

/* The runtime's own figures (lua/lua_rt.h). */
void	lua_rt_stats(size_t *used, size_t *limit, unsigned *running);

#define T(f)	cmocka_unit_test_setup_teardown(f, lt_setup, lt_teardown)

static void
runaway_loop_hits_the_instruction_limit(void **state)
{
	struct lt_ctx	*c = *state;
	unsigned	 ticks0 = c->ticks;

	lt_configure_code(c, "function check(t)\n"
	    "  local n = 0\n"
	    "  while true do n = n + 1 end\n"
	    "end\n", "max_instructions = 50000000;");
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_LIMIT,
	    "code:3: instruction limit (50000000) reached");
	/* The loop was sliced: the 10 ms tick kept firing meanwhile
	   (50M instructions take far more than 10 ms). */
	assert_true(c->ticks - ticks0 >= 2);
}

static void
pcall_cannot_swallow_the_limit(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  for i = 1, 1000 do\n"
	    "    pcall(function() while true do end end)\n"
	    "  end\n"
	    "  return true\n"
	    "end\n", "max_instructions = 100000;");
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_LIMIT, "instruction limit");
}

static void
memory_bomb_hits_the_memory_limit_and_is_freed(void **state)
{
	struct lt_ctx	*c = *state;
	size_t		 before, after, limit;

	lt_configure_code(c, "function check(t)\n"
	    "  local s = 'x'\n"
	    "  for i = 1, 30 do s = s .. s end -- 1 GB\n"
	    "  return true\n"
	    "end\n", NULL);
	lua_rt_stats(&before, &limit, NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_LIMIT,
	    "code:3: not enough memory (lua memory limit");
	lua_rt_stats(&after, NULL, NULL);
	/* the run's garbage was collected at once */
	assert_true(after < before + (1u << 20));
	assert_true(limit < (1u << 30));
	lt_configure_code(c, "function check(t)\n"
	    "  return #string.rep('y', 1 << 30)\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_LIMIT, "not enough memory");
	/* and the state still works */
	lt_configure_code(c, "function check(t) return true end", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
}

static void
os_execute_is_not_there(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  os.execute('touch /tmp/lvsmon-pwned')\n"
	    "  return true\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "code:2: attempt to call a nil value (field 'execute')");
	assert_int_equal(access("/tmp/lvsmon-pwned", F_OK), -1);
}

static void
io_is_not_there(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  local f = io.open('/etc/passwd')\n"
	    "  return f ~= nil\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "code:2: attempt to index a nil value (global 'io')");
}

static void
forbidden_names_are_nil(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  local bad = {}\n"
	    "  for _, n in ipairs({ 'io', 'debug', 'package', 'dofile',\n"
	    "      'loadfile', 'collectgarbage', 'loadstring' }) do\n"
	    "    if _G[n] ~= nil then bad[#bad + 1] = n end\n"
	    "  end\n"
	    "  for _, n in ipairs({ 'execute', 'exit', 'getenv', 'remove',\n"
	    "      'rename', 'tmpname', 'setlocale' }) do\n"
	    "    if os[n] ~= nil then bad[#bad + 1] = 'os.' .. n end\n"
	    "  end\n"
	    "  if string.dump ~= nil then bad[#bad + 1] = 'string.dump' end\n"
	    "  if getmetatable('') ~= false then bad[#bad + 1] = 'strmt' end\n"
	    "  if getmetatable(_G) ~= false then bad[#bad + 1] = 'envmt' end\n"
	    "  return #bad == 0 and os.time() > 0, nil, table.concat(bad, ' ')\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "");
	assert_string_equal(c->res.msg, "");
}

static void
error_at_line_7_names_the_line(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "-- 1\n"
	    "-- 2\n"
	    "function check(t)\n"
	    "  local x = 1\n"
	    "  -- 5\n"
	    "  -- 6\n"
	    "  error('boom')\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT, "code:7: boom");
	lt_configure_code(c, "function check(t)\n"
	    "  error({})\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "code:2: error object is a table value");
}

static void
yield_across_a_c_call_is_an_error(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  local x = { 3, 1, 2 }\n"
	    "  table.sort(x, function(a, b) lvsmon.sleep(1) return a < b end)\n"
	    "  return true\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "attempt to yield across a C-call boundary");
	lt_configure_code(c, "function check(t)\n"
	    "  coroutine.yield()\n"
	    "  return true\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT, "coroutine.yield()");
	lt_configure_code(c, "function check(t)\n"
	    "  local co = coroutine.wrap(function() lvsmon.sleep(1) end)\n"
	    "  co()\n"
	    "  return true\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "must run in check()'s own coroutine");
	/* A coroutine of its own, without I/O, is fine. */
	lt_configure_code(c, "function check(t)\n"
	    "  local gen = coroutine.wrap(function()\n"
	    "    for i = 1, 3 do coroutine.yield(i) end end)\n"
	    "  return gen() + gen() + gen() == 6\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "lua: up");
}

static void
globals_do_not_leak_between_checks(void **state)
{
	struct lt_ctx	*c = *state;
	struct lt_ctx	 other;

	lt_configure_code(c, "secret = 'a'\n"
	    "function check(t)\n"
	    "  shared = (shared or 0) + 1\n"
	    "  return true, nil, tostring(shared)\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "1");
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "2");
	/* a second check in the same state sees none of it */
	memcpy(&other, c, sizeof(other));
	memset(&c->p, 0, sizeof(c->p));
	c->have_cfg = 0;
	lt_configure_code(c, "function check(t)\n"
	    "  return secret == nil and shared == nil, nil, "
	    "tostring(secret) .. ' ' .. tostring(shared)\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "nil nil");
	lt_probe_free(c);
	memcpy(&c->p, &other.p, sizeof(c->p));
	c->cfg = other.cfg;
	c->have_cfg = 1;
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "3");
}

static void
shared_libraries_are_read_only(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  string.upper = function() return 'pwned' end\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "code:2: string is read-only");
	lt_configure_code(c, "function check(t)\n"
	    "  rawset(lvsmon, 'tcp', 1)\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT, "lvsmon is read-only");
	lt_configure_code(c, "function check(t)\n"
	    "  setmetatable(math, {})\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_FAIL, CHK_R_SCRIPT,
	    "cannot change a protected metatable");
	/* pairs() over a library still works, and nothing changed */
	lt_configure_code(c, "function check(t)\n"
	    "  local n = 0\n"
	    "  for k in pairs(string) do n = n + 1 end\n"
	    "  return n > 10 and ('a'):upper() == 'A', nil, n\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "");
}

static void
load_takes_text_only_in_the_checks_env(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "mine = 5\n"
	    "function check(t)\n"
	    "  local f = load('return mine')\n"
	    "  local b, err = load('\\27Lua...')\n"
	    "  return f() == 5 and b == nil, nil, err\n"
	    "end\n", NULL);
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "binary");
}

static void
require_stays_in_its_directories(void **state)
{
	struct lt_ctx	*c = *state;

	lt_configure_code(c, "function check(t)\n"
	    "  local ok, err = pcall(require, '..etc.passwd')\n"
	    "  local ok2, err2 = pcall(require, 'no_such_module')\n"
	    "  return not ok and not ok2, nil, err .. ' / ' .. err2\n"
	    "end\n", "lua_path = \"/nonexistent\";");
	lt_expect(lt_run(c), CHK_V_OK, CHK_R_OK, "a module name is letters");
	assert_non_null(strstr(c->res.msg, "no no_such_module.lua in "
	    "/nonexistent"));
}

static void
configure_errors_name_the_line(void **state)
{
	struct lt_ctx	*c = *state;
	struct err	 e = { "" };

	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"function check(t)\\n  return (\\nend\"; };", &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "code:3:"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"local x = 1\\nerror('at load')\"; };", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "code:2: at load"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"function chekc(t) end\"; };", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "defines no function check(target)"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"x = 1\"; script = \"/x.lua\"; };", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "exactly one of script"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "script = \"no-such-check.lua\"; lua_path = \"/nonexistent\"; };",
	    &e), -ENOENT);
	assert_non_null(strstr(e.msg, "not found"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"while true do end\"; max_instructions = 10000; };",
	    &e), -EINVAL);
	assert_non_null(strstr(e.msg, "instruction limit (10000)"));
	assert_int_equal(lt_configure(c, "check = { type = \"lua\"; "
	    "code = \"lvsmon.sleep(1)\"; };", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "only inside check()"));
}

static void
the_state_is_freed_with_the_last_check(void **state)
{
	struct lt_ctx	*c = *state;
	size_t		 used, limit;
	unsigned	 running;

	lt_configure_code(c, "function check(t) lvsmon.sleep(10000) end",
	    NULL);
	c->done = 0;
	assert_int_equal(chk_lua.start(&c->p), 0);
	lua_rt_stats(&used, &limit, &running);
	assert_int_equal(running, 1);
	assert_true(used > 0);
	lt_probe_free(c);	/* cancels the run, releases the state */
	lua_rt_stats(&used, &limit, &running);
	assert_int_equal(running, 0);
	assert_int_equal(used, 0);
	assert_int_equal(c->done, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(runaway_loop_hits_the_instruction_limit),
		T(pcall_cannot_swallow_the_limit),
		T(memory_bomb_hits_the_memory_limit_and_is_freed),
		T(os_execute_is_not_there),
		T(io_is_not_there),
		T(forbidden_names_are_nil),
		T(error_at_line_7_names_the_line),
		T(yield_across_a_c_call_is_an_error),
		T(globals_do_not_leak_between_checks),
		T(shared_libraries_are_read_only),
		T(load_takes_text_only_in_the_checks_env),
		T(require_stays_in_its_directories),
		T(configure_errors_name_the_line),
		T(the_state_is_freed_with_the_last_check),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
