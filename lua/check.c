/*
 * lua/check.c - the "lua" check type: a script defining check(target),
 * run as a coroutine of the daemon's one Lua state (lua/rt.c).
 *
 * Keys (rows in lua_directives; lua/README.md documents them for users):
 *   script            file defining check(target); or
 *   code              the same, inline
 *   params            a libconfig group, becomes target.params
 *   lua_path          directories for require and a relative script
 *   max_instructions  VM instructions per run
 *
 * configure() compiles the script (cached by text in the state) and runs
 * its top level once in the check's own environment, under the
 * instruction budget: a syntax error, an error at the top, or no check()
 * is a config error naming the file and line.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lua/lua_rt.h"
#include "monitor/model.h"
#include "monitor/probe.h"

#define LUA_DEFAULT_PATH \
	"/etc/lvsmon/checks:/usr/share/lvsmon/plugins:$EXE/../plugins"
#define LUA_PARAMS_DEPTH	16

/* The directive fields (owner: the monitor). */
struct lua_conf {
	char	*script;
	char	*code;
	char	*lua_path;
	int	 max_instructions;
};

static const struct mon_directive lua_directives[] = {
	{ .key = "script", .type = MON_D_STRING,
	  .offset = offsetof(struct lua_conf, script) },
	{ .key = "code", .type = MON_D_STRING,
	  .offset = offsetof(struct lua_conf, code) },
	{ .key = "params", .type = MON_D_OTHER },
	{ .key = "lua_path", .type = MON_D_STRING,
	  .offset = offsetof(struct lua_conf, lua_path),
	  .sdef = LUA_DEFAULT_PATH },
	{ .key = "max_instructions", .type = MON_D_INT,
	  .offset = offsetof(struct lua_conf, max_instructions),
	  .min = 10000, .max = 2000000000, .ndef = LUA_RT_DEFAULT_INSTR },
	{ .key = NULL }
};

/* What the protected loader needs and gives back. */
struct load_args {
	struct probe		*p;
	struct lua_check	*ck;
	const char		*text;
	size_t			 len;
	const char		*chunkname;
	const char		*dirs;
	const config_setting_t	*params;
	char			 msg[400];
};

/* Push a libconfig setting as a Lua value. */
static void
push_setting(lua_State *L, const config_setting_t *s, int depth)
{
	int	n;

	luaL_checkstack(L, 4, "params");
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		lua_pushinteger(L, config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		lua_pushinteger(L, (lua_Integer)config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		lua_pushnumber(L, config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		lua_pushboolean(L, config_setting_get_bool(s));
		break;
	case CONFIG_TYPE_STRING:
		lua_pushstring(L, config_setting_get_string(s));
		break;
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		n = config_setting_length(s);
		lua_createtable(L, 0, n);
		if (depth >= LUA_PARAMS_DEPTH)
			break;
		for (int i = 0; i < n; i++) {
			const config_setting_t *c = config_setting_get_elem(s,
			    (unsigned)i);

			push_setting(L, c, depth + 1);
			if (config_setting_type(s) == CONFIG_TYPE_GROUP)
				lua_setfield(L, -2, config_setting_name(c));
			else
				lua_rawseti(L, -2, i + 1);
		}
		break;
	default:
		lua_pushnil(L);
	}
}

/* The target table of p (on top of the stack). */
static void
push_target(lua_State *L, struct probe *p, const config_setting_t *params)
{
	const struct mon_service	*svc = p->rs != NULL ? p->rs->svc :
					    NULL;
	char				 vip[INET6_ADDRSTRLEN];

	lua_createtable(L, 0, 8);
	lua_pushstring(L, p->host);
	lua_setfield(L, -2, "address");
	lua_pushinteger(L, ntohs(((struct sockaddr_in *)&p->addr)->sin_port));
	lua_setfield(L, -2, "port");
	lua_pushstring(L, p->name);
	lua_setfield(L, -2, "name");
	if (svc != NULL) {
		if (inet_ntop(svc->family, &svc->addr, vip, sizeof(vip)))
			lua_pushstring(L, vip);
		else
			lua_pushnil(L);
		lua_setfield(L, -2, "vip");
		lua_pushinteger(L, svc->port);
		lua_setfield(L, -2, "vport");
		lua_pushstring(L, svc->name);
		lua_setfield(L, -2, "service");
	}
	if (params != NULL)
		push_setting(L, params, 0);
	else
		lua_newtable(L);
	lua_setfield(L, -2, "params");
}

/* Compile, run the top level, keep env, check() and target (protected). */
static int
load_protected(lua_State *L)
{
	struct load_args	*a = lua_touserdata(L, 1);
	struct lua_check	*ck = a->ck;
	int			 env;

	lua_settop(L, 0);
	if (lua_rt_compile(L, a->text, a->len, a->chunkname) < 0) {
		snprintf(a->msg, sizeof(a->msg), "%s", lua_tostring(L, -1));
		return 0;
	}
	lua_rt_new_env(L, a->dirs);
	env = lua_gettop(L);
	lua_pushvalue(L, env - 1);	/* the chunk */
	lua_pushvalue(L, env);		/* its _ENV */
	if (lua_rt_pcall_budget(L, 1, 0, ck->max_instr) != LUA_OK) {
		snprintf(a->msg, sizeof(a->msg), "%s",
		    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
		    "error while loading the script");
		return 0;
	}
	if (lua_getfield(L, env, "check") != LUA_TFUNCTION) {
		snprintf(a->msg, sizeof(a->msg), "%s: defines no function "
		    "check(target)", ck->chunk);
		return 0;
	}
	ck->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, env);
	ck->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	push_target(L, a->p, a->params);
	ck->target_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/*
 * The params group: the check block's own, else (a real's check block
 * that inherits the rest) the service's check block's.
 */
static const config_setting_t *
find_params(const config_setting_t *cs)
{
	const config_setting_t	*s, *real, *list, *svc;

	if (cs == NULL)
		return NULL;
	if ((s = config_setting_get_member(cs, "params")) != NULL)
		return s;
	if ((real = config_setting_parent(cs)) == NULL ||
	    (list = config_setting_parent(real)) == NULL ||
	    config_setting_name(list) == NULL ||
	    strcmp(config_setting_name(list), "real_servers") != 0 ||
	    (svc = config_setting_parent(list)) == NULL ||
	    (s = config_setting_get_member(svc, "check")) == NULL)
		return NULL;
	return config_setting_get_member(s, "params");
}

/* lua_path with $EXE replaced by the directory of the running binary. */
static int
expand_path(const char *in, char *out, size_t len)
{
	char	exe[PATH_MAX], *dir = NULL;
	ssize_t	n;
	size_t	o = 0;

	if (strstr(in, "$EXE") != NULL) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
			exe[n] = '\0';
			dir = dirname(exe);
		}
	}
	while (*in != '\0') {
		if (strncmp(in, "$EXE", 4) == 0) {
			int w = snprintf(out + o, len - o, "%s",
			    dir != NULL ? dir : "/nonexistent");

			if (w < 0 || (size_t)w >= len - o)
				return -ENAMETOOLONG;
			o += (size_t)w;
			in += 4;
			continue;
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

static void
lua_release(struct probe *p)
{
	struct lua_check	*ck = p->priv;
	lua_State		*L;
	struct err		 e;

	if (ck == NULL)
		return;
	if (p->run != NULL)
		lua_rt_run_free(p->run);
	/* The state is alive while this check holds its reference. */
	if ((L = lua_rt_acquire(&e)) != NULL) {
		luaL_unref(L, LUA_REGISTRYINDEX, ck->fn_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, ck->env_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, ck->target_ref);
		lua_rt_release();
	}
	free(ck);
	p->priv = NULL;
	lua_rt_release();
}

static int
lua_configure(const config_setting_t *cs, struct probe *p, struct err *e)
{
	struct lua_conf		*cf = p->conf;
	struct lua_check	*ck;
	struct load_args	 a = { .p = p };
	char			 path[PATH_MAX], dirs[PATH_MAX * 2 + 2];
	char			 lpath[PATH_MAX], chunk[PATH_MAX + 1];
	char			*text = NULL, *tmp;
	lua_State		*L;
	int			 rc;

	lua_release(p);
	if ((cf->script == NULL) == (cf->code == NULL))
		return err_set(e, -EINVAL, "needs exactly one of script "
		    "(a file) and code (inline Lua)");
	if (expand_path(cf->lua_path != NULL ? cf->lua_path :
	    LUA_DEFAULT_PATH, lpath, sizeof(lpath)) < 0)
		return err_set(e, -EINVAL, "lua_path: too long");
	if ((ck = calloc(1, sizeof(*ck))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	ck->fn_ref = ck->env_ref = ck->target_ref = LUA_NOREF;
	ck->max_instr = cf->max_instructions > 0 ? cf->max_instructions :
	    LUA_RT_DEFAULT_INSTR;
	if (p->rs != NULL && p->rs->svc != NULL)
		snprintf(ck->label, sizeof(ck->label), "real %s/%s",
		    p->rs->svc->name, p->rs->key);
	else
		snprintf(ck->label, sizeof(ck->label), "real %s", p->name);
	if ((L = lua_rt_acquire(e)) == NULL) {
		free(ck);
		return -ENOMEM;
	}
	p->priv = ck;

	if (cf->script != NULL) {
		if (cf->script[0] == '/' || access(cf->script, R_OK) == 0) {
			if (realpath(cf->script, path) == NULL) {
				rc = err_set(e, -ENOENT, "script: %s: %s",
				    cf->script, strerror(errno));
				goto fail;
			}
		} else if (lua_rt_find(lpath, cf->script, path,
		    sizeof(path)) < 0) {
			rc = err_set(e, -ENOENT, "script: \"%s\" not found "
			    "(nor in lua_path %s)", cf->script, lpath);
			goto fail;
		}
		if ((text = lua_rt_read_file(path, &a.len, e)) == NULL) {
			rc = -EINVAL;
			goto fail;
		}
		/* Messages say "myapp.lua:7: ...": the name, not the path
		   (which would use up the message's 160 bytes). */
		tmp = strrchr(path, '/');
		snprintf(chunk, sizeof(chunk), "@%s",
		    tmp != NULL ? tmp + 1 : path);
		tmp = strdup(path);
		snprintf(dirs, sizeof(dirs), "%s:%s",
		    tmp != NULL ? dirname(tmp) : ".", lpath);
		free(tmp);
		tmp = strrchr(path, '/');
		snprintf(ck->chunk, sizeof(ck->chunk), "%.*s",
		    (int)sizeof(ck->chunk) - 1, tmp != NULL ? tmp + 1 : path);
		a.text = text;
		/* a reload keeps the running check only if the script's
		   text is the same too (not just its name) */
		probe_fingerprint_mix(p, text, a.len);
	} else {
		snprintf(chunk, sizeof(chunk), "=code");
		snprintf(dirs, sizeof(dirs), "%s", lpath);
		snprintf(ck->chunk, sizeof(ck->chunk), "code");
		a.text = cf->code;
		a.len = strlen(cf->code);
	}
	a.ck = ck;
	a.chunkname = chunk;
	a.dirs = dirs;
	a.params = find_params(cs);
	if (a.params != NULL &&
	    config_setting_type(a.params) != CONFIG_TYPE_GROUP) {
		rc = err_set(e, -EINVAL, "params: expected a group "
		    "{ key = value; ... }");
		goto fail;
	}
	lua_pushcfunction(L, load_protected);
	lua_pushlightuserdata(L, &a);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		snprintf(a.msg, sizeof(a.msg), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	free(text);
	text = NULL;
	if (a.msg[0] != '\0') {
		rc = err_set(e, -EINVAL, "%s", a.msg);
		goto fail;
	}
	return 0;
fail:
	free(text);
	lua_release(p);
	return rc;
}

static int
lua_start(struct probe *p)
{
	if (p->priv == NULL)
		return -EINVAL;
	return lua_rt_run_start(p, p->priv);
}

static void
lua_cancel(struct probe *p)
{
	lua_rt_run_free(p->run);
}

const struct probe_type chk_lua = {
	.name = "lua",
	.directives = lua_directives,
	.conf_size = sizeof(struct lua_conf),
	.configure = lua_configure,
	.start = lua_start,
	.cancel = lua_cancel,
	.release = lua_release,
};
