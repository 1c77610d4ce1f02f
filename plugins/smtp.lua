-- smtp.lua - an SMTP server's banner is 220 and it answers EHLO with 250;
-- with starttls, it offers STARTTLS and the TLS handshake and a second
-- EHLO succeed.  Ends with QUIT: no mail is sent.
--
-- params (all optional):
--   helo      the name given in EHLO (default "lvsmon.invalid")
--   starttls  true: STARTTLS must be offered and work
--   tls       true: TLS from the first byte (submissions, port 465)
--   sni, verify  for the TLS handshake, as for s:connect()
--
-- check = { type = "lua"; script = "smtp.lua";
--           params = { starttls = true; }; };

local net = require "lib.net"

local function ehlo(s, helo)
	local code, text, lines = net.command(s, "smtp", "EHLO " .. helo,
	    "EHLO")
	if not code then
		return nil, text
	end
	if code ~= 250 then
		return nil, ("smtp: EHLO: %d %s"):format(code, net.clip(text))
	end
	local ext = {}
	for i = 2, #lines do		-- the first line is the greeting
		local word = lines[i]:match("^(%S+)")
		if word then
			ext[word:upper()] = true
		end
	end
	return ext
end

function check(t)
	local p = t.params
	local helo = p.helo or "lvsmon.invalid"
	local s, err = net.connect(t, "smtp")
	if not s then
		return false, nil, err
	end
	local code, text = net.reply(s, "smtp", "banner")
	if not code then
		return net.fail(s, text)
	end
	if code ~= 220 then
		return net.fail(s, ("smtp: banner: %d %s"):format(code,
		    net.clip(text)))
	end
	local done = "smtp: 220 " .. net.clip(text)
	local ext, err2 = ehlo(s, helo)
	if not ext then
		return net.fail(s, err2)
	end

	if p.starttls then
		if not ext.STARTTLS then
			return net.fail(s, "smtp: STARTTLS not offered")
		end
		code, text = net.command(s, "smtp", "STARTTLS", "STARTTLS")
		if code ~= 220 then
			return net.fail(s, code and ("smtp: STARTTLS: %d %s")
			    :format(code, net.clip(text)) or text)
		end
		local ok, err3 = s:starttls({ sni = p.sni, verify = p.verify })
		if not ok then
			return net.fail(s, "smtp: STARTTLS: " .. err3)
		end
		ext, err2 = ehlo(s, helo)
		if not ext then
			return net.fail(s, err2)
		end
		done = done .. ", STARTTLS " .. (s:info().tls or "")
	end
	net.command(s, "smtp", "QUIT", "QUIT")
	s:close()
	return true, nil, net.clip(done, 140)
end
