-- memcached.lua - memcached answers "version" and, from "stats", still
-- accepts connections (memcached stops accepting at its -c limit).
--
-- params (all optional):
--   stats            false: only "version" (default true)
--   max_connections  down when curr_connections is above this
--   tls              true: TLS from the first byte (memcached -Z)
--
-- check = { type = "lua"; script = "memcached.lua";
--           params = { max_connections = 900; }; };

local net = require "lib.net"

local function stats(s)
	local ok, err = s:send("stats\r\n")
	if not ok then
		return nil, "memcached: stats: " .. err
	end
	local st = {}
	for _ = 1, 500 do
		local line, err2 = net.line(s, "memcached", "stats")
		if not line then
			return nil, err2
		end
		if line == "END" then
			return st
		end
		local k, v = line:match("^STAT (%S+) (.*)$")
		if not k then
			return nil, "memcached: stats: " .. net.clip(line)
		end
		st[k] = v
	end
	return nil, "memcached: stats: no END"
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "memcached")
	if not s then
		return false, nil, err
	end
	local ok, err2 = s:send("version\r\n")
	if not ok then
		return net.fail(s, "memcached: version: " .. err2)
	end
	local line, err3 = net.line(s, "memcached", "version")
	if not line then
		return net.fail(s, err3)
	end
	local version = line:match("^VERSION (%S+)")
	if not version then
		return net.fail(s, "memcached: version: " .. net.clip(line))
	end
	if p.stats == false then
		s:close()
		return true, nil, "memcached " .. version
	end

	local st, err4 = stats(s)
	s:close()
	if not st then
		return false, nil, err4
	end
	local conns = tonumber(st.curr_connections) or -1
	if st.accepting_conns ~= "1" then
		return false, nil, ("memcached %s: not accepting " ..
		    "connections (%d open)"):format(version, conns)
	end
	if p.max_connections and conns > p.max_connections then
		return false, nil, ("memcached %s: %d connections, max %d")
		    :format(version, conns, p.max_connections)
	end
	return true, nil, ("memcached %s, %d connections"):format(version,
	    conns)
end
