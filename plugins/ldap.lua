-- ldap.lua - an LDAP server answers a simple bind (LDAPv3) with success:
-- anonymous by default, or as bind_dn with password.  The BER is built and
-- read by hand (string.pack); the check ends with an unbind.
--
-- params (all optional):
--   bind_dn   the DN to bind as (default "": anonymous)
--   password  its password
--   tls       true: TLS from the first byte (ldaps, port 636)
--
-- check = { type = "lua"; script = "ldap.lua";
--           params = { bind_dn = "cn=monitor,dc=example,dc=org";
--                      password = "s3cret"; }; };

local net = require "lib.net"

local RESULT = { [0] = "success", [1] = "operationsError",
    [2] = "protocolError", [7] = "authMethodNotSupported",
    [8] = "strongerAuthRequired", [32] = "noSuchObject",
    [34] = "invalidDNSyntax", [48] = "inappropriateAuthentication",
    [49] = "invalidCredentials", [50] = "insufficientAccessRights",
    [51] = "busy", [52] = "unavailable", [53] = "unwillingToPerform",
    [80] = "other" }

-- tag, length (short form below 128, else 0x81/0x82 and the bytes), value
local function tlv(tag, value)
	local n = #value
	if n < 0x80 then
		return string.pack("BB", tag, n) .. value
	elseif n < 0x100 then
		return string.pack("BBB", tag, 0x81, n) .. value
	end
	return string.pack(">BBI2", tag, 0x82, n) .. value
end

local function bind_request(id, dn, password)
	return tlv(0x30, tlv(0x02, string.char(id)) ..	-- messageID
	    tlv(0x60,					-- [APPLICATION 0]
	        tlv(0x02, "\3") ..			-- version 3
	        tlv(0x04, dn) ..			-- name
	        tlv(0x80, password)))			-- [0] simple
end

-- One element at pos of a string: tag, value, position after it.
local function element(buf, pos)
	local tag, len
	tag, len, pos = string.unpack("BB", buf, pos)
	if len >= 0x80 then
		local n = len - 0x80
		if n < 1 or n > 3 then
			error("bad length")
		end
		len, pos = string.unpack(">I" .. n, buf, pos)
	end
	if pos + len - 1 > #buf then
		error("cut short")
	end
	return tag, buf:sub(pos, pos + len - 1), pos + len
end

-- Read one LDAPMessage from the socket: the SEQUENCE's content.
local function read_message(s)
	local hdr, err = s:receive(2)
	if not hdr then
		return nil, err
	end
	local tag, len = hdr:byte(1, 2)
	if tag ~= 0x30 then
		return nil, ("not a SEQUENCE (0x%02x)"):format(tag)
	end
	if len >= 0x80 then
		local n = len - 0x80
		if n < 1 or n > 3 then
			return nil, "bad length"
		end
		local more, err2 = s:receive(n)
		if not more then
			return nil, err2
		end
		len = string.unpack(">I" .. n, more)
	end
	if len > 1 << 20 then
		return nil, "message too long"
	end
	return s:receive(len)
end

-- messageID, protocolOp tag, resultCode, diagnosticMessage
local function parse_response(msg)
	local _, id, tag, op, pos
	_, id, pos = element(msg, 1)
	tag, op = element(msg, pos)
	local _, code, p2 = element(op, 1)
	local _, _, p3 = element(op, p2)		-- matchedDN
	local _, diag = element(op, p3)
	return string.unpack(">I" .. #id, id), tag, string.unpack(">I" ..
	    #code, code), diag
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "ldap")
	if not s then
		return false, nil, err
	end
	local dn = p.bind_dn or ""
	local ok, err2 = s:send(bind_request(1, dn, p.password or ""))
	if not ok then
		return net.fail(s, "ldap: bind: " .. err2)
	end
	local msg, err3 = read_message(s)
	if not msg then
		return net.fail(s, "ldap: bind: " .. err3)
	end
	local parsed, id, tag, code, diag = pcall(parse_response, msg)
	if not parsed then
		return net.fail(s, "ldap: bind: malformed response")
	end
	if tag ~= 0x61 or id ~= 1 then
		-- e.g. a Notice of Disconnection (messageID 0, [APPLICATION
		-- 24]) from a server shutting down or refusing us
		return net.fail(s, ("ldap: bind: unexpected answer " ..
		    "(message %d, tag 0x%02x): %s"):format(id, tag,
		    RESULT[code] or code))
	end
	s:send(tlv(0x30, tlv(0x02, "\2") .. tlv(0x42, "")))	-- unbind
	s:close()
	local who = dn == "" and "anonymous" or net.clip(dn, 60)
	if code ~= 0 then
		local text = ("ldap: bind as %s: %s (%d)"):format(who,
		    RESULT[code] or "error", code)
		if diag ~= "" then
			text = text .. ": " .. net.clip(diag)
		end
		return false, nil, net.clip(text, 150)
	end
	return true, nil, "ldap: bind as " .. who .. " ok"
end
