-- sip.lua - a SIP server answers OPTIONS over UDP with a final status in
-- the expected ranges (RFC 3261 section 11; provisional 1xx replies are
-- skipped).
--
-- params (all optional):
--   uri            the Request-URI (default "sip:ADDRESS:PORT")
--   expect_status  ranges of good final statuses (default "200-299"; many
--                  proxies answer 404 or 483 to OPTIONS: "200-299,404")
--
-- check = { type = "lua"; script = "sip.lua";
--           params = { expect_status = "200-299,404"; }; };

local net = require "lib.net"

local function token()
	return ("%08x%08x"):format(math.random(0, 0x7fffffff),
	    math.random(0, 0x7fffffff))
end

function check(t)
	local p = t.params
	local s, err = net.udp(t, "sip")
	if not s then
		return false, nil, err
	end
	local host = t.address:find(":") and "[" .. t.address .. "]" or
	    t.address
	local uri = p.uri or ("sip:%s:%d"):format(host, t.port)
	local here = s:info()["local"] or "lvsmon.invalid"
	local call_id = token() .. "@lvsmon"
	local request = table.concat({
	    ("OPTIONS %s SIP/2.0"):format(uri),
	    ("Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport"):format(here,
	        token()),
	    "Max-Forwards: 70",
	    ("From: <sip:lvsmon@%s>;tag=%s"):format(here, token()),
	    ("To: <%s>"):format(uri),
	    "Call-ID: " .. call_id,
	    "CSeq: 1 OPTIONS",
	    ("Contact: <sip:lvsmon@%s>"):format(here),
	    "Accept: application/sdp",
	    "User-Agent: lvsmon",
	    "Content-Length: 0",
	    "", "" }, "\r\n")
	local ok, err2 = s:send(request)
	if not ok then
		return net.fail(s, "sip: send: " .. err2)
	end

	for _ = 1, 10 do
		local pkt, err3 = s:receive()
		if not pkt then
			return net.fail(s, "sip: OPTIONS: " .. err3)
		end
		local code, reason = pkt:match("^SIP/2%.0 (%d%d%d) ([^\r\n]*)")
		local cid = pkt:match("\n[Cc]all%-[Ii][Dd]%s*:%s*([^\r\n]+)") or
		    pkt:match("\ni%s*:%s*([^\r\n]+)")	-- compact form
		code = tonumber(code)
		if code and cid == call_id and code >= 200 then
			s:close()
			local good = net.in_ranges(code,
			    p.expect_status or "200-299")
			return good, nil, ("sip: %d %s"):format(code,
			    net.clip(reason))
		end
	end
	return net.fail(s, "sip: OPTIONS: no final reply")
end
