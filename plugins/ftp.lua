-- ftp.lua - an FTP server's banner is a 220 reply (not 421 "too many
-- users" or 120 "not ready yet"); with a user, USER and PASS log in.
--
-- params (all optional):
--   user, password  log in (user "anonymous" with any password for an
--                   anonymous server), then QUIT
--   tls        true: TLS from the first byte (implicit FTPS, port 990)
--
-- check = { type = "lua"; script = "ftp.lua";
--           params = { user = "anonymous"; password = "lvsmon@"; }; };

local net = require "lib.net"

function check(t)
	local p = t.params
	local s, err = net.connect(t, "ftp")
	if not s then
		return false, nil, err
	end
	local code, text = net.reply(s, "ftp", "banner")
	if not code then
		return net.fail(s, text)
	end
	if code ~= 220 then
		return net.fail(s, ("ftp: banner: %d %s"):format(code,
		    net.clip(text)))
	end
	local done = "ftp: 220 " .. net.clip(text)

	if p.user then
		code, text = net.command(s, "ftp", "USER " .. p.user, "USER")
		if code == 331 or code == 332 then
			code, text = net.command(s, "ftp", "PASS " ..
			    (p.password or ""), "PASS")
		end
		if code ~= 230 then
			return net.fail(s, code and ("ftp: login: %d %s")
			    :format(code, net.clip(text)) or text)
		end
		done = done .. ", login ok"
	end
	net.command(s, "ftp", "QUIT", "QUIT")
	s:close()
	return true, nil, net.clip(done, 140)
end
