-- ntp.lua - an NTP server answers a mode 3 (client) request over UDP with
-- a mode 4 reply to that request, synchronized (leap indicator not 3) at
-- a stratum no higher than max_stratum; a kiss-o'-death (stratum 0:
-- RATE, DENY...) is down.
--
-- params (all optional):
--   max_stratum  highest good stratum (default 15; 16 is unsynchronized)
--   max_offset   seconds the server's clock may differ from ours (whole
--                seconds: a sanity bound, not a measurement)
--
-- check = { type = "lua"; script = "ntp.lua";
--           params = { max_stratum = 3; max_offset = 5; }; };

local net = require "lib.net"

local NTP_EPOCH = 2208988800	-- seconds from 1900 to 1970

function check(t)
	local p = t.params
	local s, err = net.udp(t, "ntp")
	if not s then
		return false, nil, err
	end
	-- LI 0, version 4, mode 3; our transmit time comes back as the
	-- reply's origin timestamp: a random fraction makes it unique
	local sec = (os.time() + NTP_EPOCH) & 0xffffffff
	local frac = math.random(0, 0xffffffff)
	local ok, err2 = s:send(string.pack(">B", 0x23) ..
	    string.rep("\0", 39) .. string.pack(">I4I4", sec, frac))
	if not ok then
		return net.fail(s, "ntp: send: " .. err2)
	end

	local pkt
	for _ = 1, 10 do
		local d, err3 = s:receive()
		if not d then
			return net.fail(s, "ntp: " .. err3)
		end
		if #d >= 48 and d:sub(25, 32) == string.pack(">I4I4", sec,
		    frac) then
			pkt = d
			break
		end
	end
	s:close()
	if not pkt then
		return false, nil, "ntp: no reply to our request"
	end
	local flags, stratum = string.unpack("BB", pkt)
	local leap, mode = flags >> 6, flags & 7
	local refid = pkt:sub(13, 16)
	if mode ~= 4 then
		return false, nil, ("ntp: mode %d reply, want 4"):format(mode)
	end
	if stratum == 0 then
		return false, nil, "ntp: kiss-o'-death " .. net.clip(refid, 4)
	end
	local max = p.max_stratum or 15
	if leap == 3 or stratum > 15 then
		return false, nil, ("ntp: not synchronized (stratum %d)")
		    :format(stratum)
	end
	if stratum > max then
		return false, nil, ("ntp: stratum %d, max %d"):format(stratum,
		    max)
	end
	local ref = stratum == 1 and net.clip((refid:gsub("%z+$", "")), 4) or
	    ("%d.%d.%d.%d"):format(refid:byte(1, 4))
	if p.max_offset then
		local tx = string.unpack(">I4", pkt, 41)
		-- era-safe difference of two 32-bit second counts
		local offset = ((tx - sec + (1 << 31)) & 0xffffffff) - (1 << 31)
		if math.abs(offset) > p.max_offset then
			return false, nil, ("ntp: clock off by %d s"):format(
			    offset)
		end
	end
	return true, nil, ("ntp: stratum %d, refid %s"):format(stratum, ref)
end
