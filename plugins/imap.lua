-- imap.lua - an IMAP server greets with "* OK" (or "* PREAUTH"), not
-- "* BYE"; optionally after STARTTLS, and with a user, LOGIN succeeds.
--
-- params (all optional):
--   user, password  LOGIN with them, then LOGOUT
--   tls        true: TLS from the first byte (imaps, port 993)
--   starttls   true: STARTTLS before LOGIN; down if it fails
--
-- check = { type = "lua"; script = "imap.lua";
--           params = { user = "probe"; password = "s3cret";
--                      starttls = true; }; };

local net = require "lib.net"

-- A quoted string: backslash and double quote escaped.
local function quote(s)
	return '"' .. tostring(s):gsub('[\\"]', "\\%0") .. '"'
end

-- Send "TAG command", skip untagged lines, return the tagged status
-- ("OK", "NO", "BAD") and its text.
local function tagged(s, tag, cmd, step)
	local ok, err = s:send(tag .. " " .. cmd .. "\r\n")
	if not ok then
		return nil, "imap: " .. step .. ": " .. err
	end
	for _ = 1, 100 do
		local line, err2 = net.line(s, "imap", step)
		if not line then
			return nil, err2
		end
		local status, text = line:match("^" .. tag .. " (%a+) ?(.*)$")
		if status then
			return status:upper(), text
		end
	end
	return nil, "imap: " .. step .. ": no tagged reply"
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "imap")
	if not s then
		return false, nil, err
	end
	local greeting, err2 = net.line(s, "imap", "greeting")
	if not greeting then
		return net.fail(s, err2)
	end
	local status = greeting:match("^%* (%a+)")
	status = status and status:upper()
	if status ~= "OK" and status ~= "PREAUTH" then
		return net.fail(s, "imap: greeting: " .. net.clip(greeting))
	end
	local done = "imap: " .. net.clip(greeting)

	if p.starttls then
		local st, text = tagged(s, "a0", "STARTTLS", "STARTTLS")
		if st ~= "OK" then
			return net.fail(s, st and "imap: STARTTLS: " .. st ..
			    " " .. net.clip(text) or text)
		end
		local ok, err3 = s:starttls({ sni = p.sni, verify = p.verify })
		if not ok then
			return net.fail(s, "imap: STARTTLS: " .. err3)
		end
		done = done .. ", STARTTLS"
	end
	if p.user and status ~= "PREAUTH" then
		local st, text = tagged(s, "a1", "LOGIN " .. quote(p.user) ..
		    " " .. quote(p.password or ""), "LOGIN")
		if st ~= "OK" then
			return net.fail(s, st and "imap: LOGIN: " .. st ..
			    " " .. net.clip(text) or text)
		end
		done = done .. ", LOGIN ok"
	end
	tagged(s, "a2", "LOGOUT", "LOGOUT")
	s:close()
	return true, nil, net.clip(done, 140)
end
