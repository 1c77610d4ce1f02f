-- mysql.lua - MySQL or MariaDB sends its greeting (protocol 10), not an
-- error packet ("Too many connections", "Host ... is blocked"); with a
-- user, the login succeeds too and the server answers COM_PING.
--
-- params (all optional):
--   user      log in as this user (default: greeting only)
--   password  its password (mysql_native_password; empty: none)
--   database  the schema to open at login
--
-- The login speaks mysql_native_password (MariaDB's default; on MySQL 8
-- create the check user WITH mysql_native_password, or leave user unset:
-- caching_sha2_password needs TLS or RSA, which this check does not do).
--
-- check = { type = "lua"; script = "mysql.lua";
--           params = { user = "lvsmon"; password = "s3cret"; }; };

local net = require "lib.net"
local sha1 = require "lib.sha1"

local CLIENT_LONG_PASSWORD	= 0x00000001
local CLIENT_CONNECT_WITH_DB	= 0x00000008
local CLIENT_PROTOCOL_41	= 0x00000200
local CLIENT_SECURE_CONNECTION	= 0x00008000
local CLIENT_PLUGIN_AUTH	= 0x00080000
local NATIVE = "mysql_native_password"

-- One packet: 3-byte little-endian length, sequence number, payload.
local function read_packet(s, step)
	local hdr, err = s:receive(4)
	if not hdr then
		return nil, ("mysql: %s: %s"):format(step, err)
	end
	local len, seq = string.unpack("<I3B", hdr)
	local payload, err2 = s:receive(len)
	if not payload then
		return nil, ("mysql: %s: %s"):format(step, err2)
	end
	return payload, seq
end

local function send_packet(s, seq, payload)
	return s:send(string.pack("<I3B", #payload, seq & 0xff) .. payload)
end

-- An ERR packet: 0xff, error code, "#" and a SQL state, the message.
local function error_text(payload)
	if #payload < 3 then
		return "error packet cut short"
	end
	local code, pos = string.unpack("<I2", payload, 2)
	if payload:sub(pos, pos) == "#" then
		pos = pos + 6
	end
	return ("error %d: %s"):format(code, net.clip(payload:sub(pos), 80))
end

-- SHA1(password) XOR SHA1(scramble .. SHA1(SHA1(password)))
local function native_token(password, scramble)
	if password == "" then
		return ""
	end
	local h1 = sha1.digest(password)
	local h3 = sha1.digest(scramble .. sha1.digest(h1))
	local out = {}
	for i = 1, 20 do
		out[i] = string.char(h1:byte(i) ~ h3:byte(i))
	end
	return table.concat(out)
end

-- The greeting (string.unpack raises on a short packet: called by pcall).
local function parse_greeting(g)
	if g:byte(1) == 0xff then
		return nil, "mysql: " .. error_text(g)
	end
	if g:byte(1) ~= 10 then
		return nil, ("mysql: protocol %d, want 10"):format(g:byte(1))
	end
	local version, pos = string.unpack("z", g, 2)
	-- id, scramble part 1, filler, capabilities (low), charset,
	-- status, capabilities (high), length of the auth data
	local id, part1, caplo, caphi, alen
	id, part1, caplo, caphi, alen, pos =
	    string.unpack("<I4c8xI2xxxI2B", g, pos)
	pos = pos + 10				-- reserved
	local n2 = math.max(13, alen - 8)
	local part2 = g:sub(pos, pos + n2 - 1):gsub("%z$", "")
	local plugin = g:sub(pos + n2):match("^[^%z]*") or ""
	return { version = version, id = id, scramble = part1 .. part2,
	    caps = caplo | (caphi << 16), plugin = plugin }
end

local function login(s, p, g)
	local caps = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 |
	    CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH
	if p.database then
		caps = caps | CLIENT_CONNECT_WITH_DB
	end
	local password = p.password or ""
	local token = native_token(password, g.scramble)
	local resp = string.pack("<I4I4B", caps, 1 << 24, 33) ..
	    string.rep("\0", 23) .. string.pack("zs1", p.user, token) ..
	    (p.database and string.pack("z", p.database) or "") ..
	    string.pack("z", NATIVE)
	local ok, err = send_packet(s, 1, resp)
	if not ok then
		return nil, "mysql: login: " .. err
	end
	for _ = 1, 3 do
		local r, seq = read_packet(s, "login")
		if not r then
			return nil, seq
		end
		local kind = r:byte(1)
		if kind == 0x00 then
			return true
		elseif kind == 0xff then
			return nil, "mysql: login: " .. error_text(r)
		elseif kind == 0xfe then
			-- AuthSwitchRequest: plugin name, new scramble
			local plugin, scramble = r:match("^.([^%z]*)%z(.-)%z?$")
			if plugin ~= NATIVE then
				return nil, ("mysql: login: server wants %s")
				    :format(net.clip(plugin or "?", 30))
			end
			ok, err = send_packet(s, seq + 1,
			    native_token(password, scramble))
			if not ok then
				return nil, "mysql: login: " .. err
			end
		else
			return nil, ("mysql: login: packet 0x%02x"):format(kind)
		end
	end
	return nil, "mysql: login: too many round trips"
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "mysql")
	if not s then
		return false, nil, err
	end
	local payload, err2 = read_packet(s, "greeting")
	if not payload then
		return net.fail(s, err2)
	end
	local parsed, g, err3 = pcall(parse_greeting, payload)
	if not parsed then
		return net.fail(s, "mysql: greeting cut short")
	elseif not g then
		return net.fail(s, err3)
	end
	if not p.user then
		s:close()
		return true, nil, "mysql " .. net.clip(g.version, 40)
	end

	local ok, err4 = login(s, p, g)
	if not ok then
		return net.fail(s, err4)
	end
	send_packet(s, 0, "\x0e")		-- COM_PING
	local r, err5 = read_packet(s, "ping")
	if not r then
		return net.fail(s, err5)
	end
	if r:byte(1) ~= 0x00 then
		return net.fail(s, "mysql: ping: " .. (r:byte(1) == 0xff and
		    error_text(r) or "unexpected reply"))
	end
	send_packet(s, 0, "\x01")		-- COM_QUIT
	s:close()
	return true, nil, ("mysql %s, login %s ok"):format(
	    net.clip(g.version, 40), net.clip(p.user, 20))
end
