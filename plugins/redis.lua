-- redis.lua - Redis (or Valkey, KeyDB) answers PING, after AUTH when a
-- password is given, and is in the replication role the check wants.
--
-- params (all optional):
--   password  AUTH with it (down on a wrong password: WRONGPASS)
--   user      ACL user for AUTH user password (Redis 6 and later)
--   role      "master" or "replica" ("slave" too): down when ROLE says
--             otherwise, or when a replica's link to its master is not
--             "connected"
--   tls       true: TLS from the first byte (redis-server --tls-port)
--
-- check = { type = "lua"; script = "redis.lua";
--           params = { password = "s3cret"; role = "master"; }; };

local net = require "lib.net"

-- A command as a RESP array of bulk strings: any byte is safe in it.
local function command(...)
	local args = { ... }
	local out = { "*" .. #args .. "\r\n" }
	for _, a in ipairs(args) do
		a = tostring(a)
		out[#out + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
	end
	return table.concat(out)
end

-- One RESP value: a string, an integer, a list, or { err = "..." } for an
-- error reply; nil, err when the connection fails.
local function read(s, depth)
	local line, err = s:receive("*l")
	if not line then
		return nil, err
	end
	local kind, rest = line:sub(1, 1), line:sub(2)
	if kind == "+" then
		return rest
	elseif kind == "-" then
		return { err = rest }
	elseif kind == ":" then
		return math.tointeger(tonumber(rest))
	elseif kind == "$" then
		local n = tonumber(rest)
		if not n or n < 0 then
			return false		-- the null bulk string
		end
		local data, err2 = s:receive(n + 2)
		if not data then
			return nil, err2
		end
		return data:sub(1, n)
	elseif kind == "*" then
		local n = tonumber(rest) or -1
		if depth > 3 or n > 64 then
			return nil, "reply too deep"
		end
		local list = {}
		for i = 1, n do
			local v, err2 = read(s, depth + 1)
			if v == nil then
				return nil, err2
			end
			list[i] = v
		end
		return list
	end
	return nil, "not RESP: " .. net.clip(line)
end

-- Send a command, read its reply; nil and a message on any failure,
-- including an error reply.
local function call(s, name, ...)
	local ok, err = s:send(command(...))
	if not ok then
		return nil, ("redis: %s: %s"):format(name, err)
	end
	local v, err2 = read(s, 0)
	if v == nil then
		return nil, ("redis: %s: %s"):format(name, err2)
	end
	if type(v) == "table" and v.err then
		return nil, ("redis: %s: %s"):format(name, net.clip(v.err))
	end
	return v
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "redis")
	if not s then
		return false, nil, err
	end
	if p.password then
		local ok, err2
		if p.user then
			ok, err2 = call(s, "AUTH", "AUTH", p.user, p.password)
		else
			ok, err2 = call(s, "AUTH", "AUTH", p.password)
		end
		if not ok then
			return net.fail(s, err2)
		end
	end
	local pong, err3 = call(s, "PING", "PING")
	if pong ~= "PONG" then
		return net.fail(s, err3 or "redis: PING: " .. net.clip(pong))
	end
	if not p.role then
		s:close()
		return true, nil, "redis: PONG"
	end

	local want = p.role == "slave" and "replica" or p.role
	local role, err4 = call(s, "ROLE", "ROLE")
	s:close()
	if type(role) ~= "table" or type(role[1]) ~= "string" then
		return false, nil, err4 or "redis: ROLE: unexpected reply"
	end
	local is = role[1] == "slave" and "replica" or role[1]
	if is ~= want then
		return false, nil, ("redis: role %s, want %s"):format(is, want)
	end
	if is == "replica" then
		-- "slave", master host, master port, link state, offset
		local link = tostring(role[4])
		if link ~= "connected" then
			return false, nil, ("redis: replica of %s:%s, link %s")
			    :format(role[2], role[3], net.clip(link, 20))
		end
		return true, nil, ("redis: replica of %s:%s"):format(role[2],
		    role[3])
	end
	return true, nil, ("redis: %s, %d replicas"):format(is,
	    type(role[3]) == "table" and #role[3] or 0)
end
