-- lib/net.lua - what the plugins share: open a connection as the check's
-- params say, read text replies, build short messages for operators.
--
--   local net = require "lib.net"
--   local s, err = net.connect(t, "ftp")    -- TCP (TLS if params.tls)
--   if not s then return false, nil, err end -- "ftp: connect: ECONNREFUSED"
--   local code, text = net.reply(s)         -- 220, "ftp.example.org ready"
--
-- Every function returns nil and a message ready for `return false, nil,
-- msg` when something fails, never raises.

local M = {}

-- A peer's text, made safe and short for a message: control bytes become
-- '?', at most n (default 60) characters.
function M.clip(text, n)
	n = n or 60
	text = tostring(text):gsub("[%c\128-\255]", "?")
	if #text > n then
		text = text:sub(1, n - 3) .. "..."
	end
	return text
end

-- Close s (if any) and give the three values of a failed check.
function M.fail(s, msg)
	if s then
		s:close()
	end
	return false, nil, msg
end

-- The TLS options of the check's params: tls = true for TLS from the first
-- byte; sni and verify as for s:connect().
function M.tls_opts(p)
	if not p.tls then
		return nil
	end
	return { tls = true, sni = p.sni, verify = p.verify or false }
end

-- A TCP connection to the real server (target.address, target.port).
function M.connect(t, what)
	local s = lvsmon.tcp()
	local ok, err = s:connect(t.address, t.port, M.tls_opts(t.params))
	if not ok then
		s:close()
		return nil, what .. ": connect: " .. err
	end
	return s
end

-- A connected UDP socket to the real server.
function M.udp(t, what)
	local s = lvsmon.udp()
	local ok, err = s:connect(t.address, t.port)
	if not ok then
		s:close()
		return nil, what .. ": connect: " .. err
	end
	return s
end

-- One line; on failure nil and "what: step: err".
function M.line(s, what, step)
	local line, err = s:receive("*l")
	if not line then
		return nil, ("%s: %s: %s"):format(what, step, err)
	end
	return line
end

-- One reply of a protocol with 3-digit codes (FTP, SMTP): lines
-- "250-first", "250-more", "250 last".  Returns the code (a number), the
-- text of the last line and the list of every line's text; or nil, err.
function M.reply(s, what, step)
	local lines = {}
	for _ = 1, 200 do
		local line, err = M.line(s, what, step)
		if not line then
			return nil, err
		end
		local code, sep, text = line:match("^(%d%d%d)([ -]?)(.*)$")
		if not code then
			return nil, ("%s: %s: not a reply: %s"):format(what,
			    step, M.clip(line))
		end
		lines[#lines + 1] = text
		if sep ~= "-" then
			return tonumber(code), text, lines
		end
	end
	return nil, what .. ": " .. step .. ": reply too long"
end

-- Send a command line (CRLF added) and read its 3-digit reply.
function M.command(s, what, line, step)
	local ok, err = s:send(line .. "\r\n")
	if not ok then
		return nil, ("%s: %s: %s"):format(what, step, err)
	end
	return M.reply(s, what, step)
end

-- Does "200-299,404" (a string, or a single number) contain code?
function M.in_ranges(code, ranges)
	for part in tostring(ranges):gmatch("[^,%s]+") do
		local lo, hi = part:match("^(%d+)%-(%d+)$")
		lo = tonumber(lo or part)
		hi = tonumber(hi or part)
		if lo and code >= lo and code <= hi then
			return true
		end
	end
	return false
end

return M
