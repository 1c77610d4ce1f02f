-- pop3.lua - a POP3 server greets with "+OK", not "-ERR"; optionally
-- after STLS, and with a user, USER and PASS are accepted.
--
-- params (all optional):
--   user, password  USER and PASS, then QUIT
--   tls        true: TLS from the first byte (pop3s, port 995)
--   starttls   true: STLS before USER; down if it fails
--
-- check = { type = "lua"; script = "pop3.lua";
--           params = { user = "probe"; password = "s3cret"; }; };

local net = require "lib.net"

-- Send a command, read the "+OK" / "-ERR" status line.
local function command(s, line, step)
	local ok, err = s:send(line .. "\r\n")
	if not ok then
		return nil, "pop3: " .. step .. ": " .. err
	end
	local reply, err2 = net.line(s, "pop3", step)
	if not reply then
		return nil, err2
	end
	if not reply:find("^%+OK") then
		return nil, "pop3: " .. step .. ": " .. net.clip(reply)
	end
	return reply
end

function check(t)
	local p = t.params
	local s, err = net.connect(t, "pop3")
	if not s then
		return false, nil, err
	end
	local greeting, err2 = net.line(s, "pop3", "greeting")
	if not greeting then
		return net.fail(s, err2)
	end
	if not greeting:find("^%+OK") then
		return net.fail(s, "pop3: greeting: " .. net.clip(greeting))
	end
	local done = "pop3: " .. net.clip(greeting)

	if p.starttls then
		local ok, err3 = command(s, "STLS", "STLS")
		if not ok then
			return net.fail(s, err3)
		end
		ok, err3 = s:starttls({ sni = p.sni, verify = p.verify })
		if not ok then
			return net.fail(s, "pop3: STLS: " .. err3)
		end
		done = done .. ", STLS"
	end
	if p.user then
		local ok, err4 = command(s, "USER " .. p.user, "USER")
		if ok then
			ok, err4 = command(s, "PASS " .. (p.password or ""),
			    "PASS")
		end
		if not ok then
			return net.fail(s, err4)
		end
		done = done .. ", login ok"
	end
	command(s, "QUIT", "QUIT")
	s:close()
	return true, nil, net.clip(done, 140)
end
