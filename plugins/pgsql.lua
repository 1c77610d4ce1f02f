-- pgsql.lua - PostgreSQL accepts a startup message for the user and
-- database: it asks for a password, or (trust) becomes ready for a query,
-- rather than refusing ("the database system is starting up", "too many
-- clients", "database ... does not exist").  With trust, an optional
-- query's first value can be compared, e.g. to tell a primary from a
-- standby.
--
-- params (all optional):
--   user      the role in the startup message (default "lvsmon")
--   database  the database (default: the user's name)
--   ssl       "require": SSLRequest first and down if refused;
--             "prefer": TLS if the server offers it (default: no TLS);
--             sni, verify as for s:starttls()
--   query     a query to run once ready (needs trust for this client)
--   expect    the first column of its first row, as text ("f", "1")
--
-- check = { type = "lua"; script = "pgsql.lua";
--           params = { user = "monitor"; database = "app";
--                      query = "SELECT pg_is_in_recovery()";
--                      expect = "f"; }; };

local net = require "lib.net"

local AUTH = { [2] = "Kerberos", [3] = "password", [5] = "md5",
    [7] = "GSS", [9] = "SSPI", [10] = "SASL" }

-- One backend message: type byte, length (itself included), body.
local function read_msg(s, step)
	local hdr, err = s:receive(5)
	if not hdr then
		return nil, ("pgsql: %s: %s"):format(step, err)
	end
	local kind, len = string.unpack(">c1I4", hdr)
	if len < 4 or len > 1 << 20 then
		return nil, ("pgsql: %s: bad message length %d"):format(step,
		    len)
	end
	local body, err2 = s:receive(len - 4)
	if not body then
		return nil, ("pgsql: %s: %s"):format(step, err2)
	end
	return kind, body
end

-- An ErrorResponse: fields "S" severity, "C" SQLSTATE, "M" message...
local function error_text(body)
	local f = {}
	for code, value in body:gmatch("(%a)([^%z]*)%z") do
		f[code] = value
	end
	return ("%s %s %s"):format(f.S or "ERROR", f.C or "?",
	    net.clip(f.M or "", 80))
end

local function startup(p)
	local user = p.user or "lvsmon"
	local body = string.pack(">I4zzzzzz", 196608, "user", user,
	    "database", p.database or user,
	    "application_name", "lvsmon") .. "\0"
	return string.pack(">I4", #body + 4) .. body
end

-- SSLRequest: 'S' and the TLS handshake, or 'N'.
local function ssl(s, p)
	local ok, err = s:send(string.pack(">I4I4", 8, 80877103))
	if not ok then
		return nil, "pgsql: SSLRequest: " .. err
	end
	local answer, err2 = s:receive(1)
	if not answer then
		return nil, "pgsql: SSLRequest: " .. err2
	end
	if answer == "S" then
		local tls, err3 = s:starttls({ sni = p.sni, verify = p.verify })
		if not tls then
			return nil, "pgsql: " .. err3
		end
		return true
	end
	if answer == "N" and p.ssl ~= "require" then
		return true
	end
	return nil, "pgsql: server refuses SSL"
end

-- After AuthenticationOk: run the query, compare its first value.
local function query(s, p)
	local ok, err = s:send("Q" .. string.pack(">I4z", #p.query + 5,
	    p.query))
	if not ok then
		return nil, "pgsql: query: " .. err
	end
	local first, failure
	for _ = 1, 1000 do
		local kind, body = read_msg(s, "query")
		if not kind then
			return nil, body
		end
		if kind == "D" and first == nil and #body >= 6 then
			local n, len, pos = string.unpack(">I2i4", body)
			first = (n > 0 and len >= 0) and body:sub(pos,
			    pos + len - 1) or false
		elseif kind == "E" then
			failure = "pgsql: query: " .. error_text(body)
		elseif kind == "Z" then
			break
		end
	end
	if failure then
		return nil, failure
	end
	if p.expect ~= nil and first ~= tostring(p.expect) then
		return nil, ("pgsql: query gave %s, want %s"):format(
		    first and net.clip(first, 30) or "no value",
		    net.clip(tostring(p.expect), 30))
	end
	return first
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "pgsql")
	if not s then
		return false, nil, err
	end
	if p.ssl == "require" or p.ssl == "prefer" then
		local ok, err2 = ssl(s, p)
		if not ok then
			return net.fail(s, err2)
		end
	end
	local tls = s:info().tls
	tls = tls and ", " .. tls or ""
	local ok, err3 = s:send(startup(p))
	if not ok then
		return net.fail(s, "pgsql: startup: " .. err3)
	end

	local version, auth = "", nil
	for _ = 1, 100 do
		local kind, body = read_msg(s, "startup")
		if not kind then
			return net.fail(s, body)
		end
		if kind == "E" then
			return net.fail(s, "pgsql: " .. error_text(body))
		elseif kind == "R" then
			local code = #body >= 4 and string.unpack(">I4", body)
			if code ~= 0 then
				auth = AUTH[code] or "method " .. tostring(code)
				break
			end
		elseif kind == "S" then
			local name, value = body:match("^([^%z]*)%z([^%z]*)")
			if name == "server_version" then
				version = " " .. net.clip(value, 30)
			end
		elseif kind == "Z" then
			break
		end
	end
	if auth then
		-- alive and accepting this user: the password is not ours
		s:close()
		return true, nil, ("pgsql: asks for %s authentication%s")
		    :format(auth, tls)
	end
	if p.query then
		local value, err4 = query(s, p)
		if not value and err4 then
			return net.fail(s, err4)
		end
		s:send("X\0\0\0\4")			-- Terminate
		s:close()
		return true, nil, ("pgsql%s: ready%s, query gave %s"):format(
		    version, tls, value == nil and "no row" or
		    value == false and "NULL" or net.clip(value, 30))
	end
	s:send("X\0\0\0\4")
	s:close()
	return true, nil, ("pgsql%s: ready%s"):format(version, tls)
end
