-- dns.lua - a DNS server answers a query over UDP with NOERROR and, when
-- expect is given, an answer record equal to it (an address, a name, a
-- TXT string).  Names are compared without case and the trailing dot.
--
-- params:
--   name     the name to ask for (required), e.g. "www.example.org"
--   type     "A" (default), "AAAA", "CNAME", "MX", "NS", "PTR", "TXT",
--            "SOA", "SRV"
--   expect   a value one answer must have: "192.0.2.80",
--            "2001:db8::80", "web.example.org", "10 mx.example.org"
--   rcode    the response code wanted (default "NOERROR"; "NXDOMAIN"
--            checks that a name does not exist)
--   recurse  false: RD bit off, for an authoritative server (default on)
--
-- check = { type = "lua"; script = "dns.lua";
--           params = { name = "www.example.org"; expect = "192.0.2.80"; };
--         };

local net = require "lib.net"

local TYPES = { A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15,
    TXT = 16, AAAA = 28, SRV = 33 }
local RCODES = { [0] = "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
    "NOTIMP", "REFUSED" }

local function encode_name(name)
	local out = {}
	for label in name:gmatch("[^.]+") do
		out[#out + 1] = string.pack("s1", label)
	end
	return table.concat(out) .. "\0"
end

-- A name at pos, following compression pointers: "www.example.org", and
-- the position after it in the record (not after the pointer's target).
local function decode_name(pkt, pos)
	local labels, after = {}, nil
	for _ = 1, 64 do
		local len = pkt:byte(pos)
		if not len then
			error("name cut short")
		elseif len == 0 then
			return table.concat(labels, "."), after or pos + 1
		elseif len >= 0xc0 then
			after = after or pos + 2
			pos = (string.unpack(">I2", pkt, pos) & 0x3fff) + 1
		else
			labels[#labels + 1] = pkt:sub(pos + 1, pos + len)
			pos = pos + 1 + len
		end
	end
	error("name loops")
end

-- RFC 5952 text of 16 bytes: lower case, the longest run of zero groups
-- (two or more) as "::".
local function ipv6_text(b)
	local g = { string.unpack(">I2I2I2I2I2I2I2I2", b) }
	g[9] = nil
	local best, blen, i = 0, 0, 1
	while i <= 8 do
		if g[i] == 0 then
			local j = i
			while j <= 8 and g[j] == 0 do j = j + 1 end
			if j - i > blen then best, blen = i, j - i end
			i = j
		else
			i = i + 1
		end
	end
	local parts = {}
	for k = 1, 8 do parts[k] = ("%x"):format(g[k]) end
	if blen < 2 then
		return table.concat(parts, ":")
	end
	return table.concat(parts, ":", 1, best - 1) .. "::" ..
	    table.concat(parts, ":", best + blen, 8)
end

-- The text of one record's data.
local function rdata_text(pkt, rtype, pos, len)
	local data = pkt:sub(pos, pos + len - 1)
	if rtype == 1 and len == 4 then
		return ("%d.%d.%d.%d"):format(data:byte(1, 4))
	elseif rtype == 28 and len == 16 then
		return ipv6_text(data)
	elseif rtype == 2 or rtype == 5 or rtype == 12 then
		return (decode_name(pkt, pos))
	elseif rtype == 15 then
		return ("%d %s"):format(string.unpack(">I2", pkt, pos),
		    (decode_name(pkt, pos + 2)))
	elseif rtype == 33 then
		local prio, weight, port = string.unpack(">I2I2I2", pkt, pos)
		return ("%d %d %d %s"):format(prio, weight, port,
		    (decode_name(pkt, pos + 6)))
	elseif rtype == 16 then
		local out, p = {}, 1
		while p <= #data do
			local s
			s, p = string.unpack("s1", data, p)
			out[#out + 1] = s
		end
		return table.concat(out)
	elseif rtype == 6 then
		local mname, p = decode_name(pkt, pos)
		local _, p2 = decode_name(pkt, p)
		return ("%s %d"):format(mname, string.unpack(">I4", pkt, p2))
	end
	return ("\\# %d"):format(len)
end

-- Header fields and the answers of a reply: { rcode, id, flags, answers =
-- { { type = 1, text = "192.0.2.80" }, ... } }.  Raises when malformed.
local function parse(pkt)
	local id, flags, qd, an, pos = string.unpack(">I2I2I2I2", pkt)
	pos = pos + 4					-- NSCOUNT, ARCOUNT
	for _ = 1, qd do
		local _, after = decode_name(pkt, pos)
		pos = after + 4
	end
	local answers = {}
	for _ = 1, an do
		local _, after = decode_name(pkt, pos)
		local rtype, _, _, len, p = string.unpack(">I2I2I4I2", pkt,
		    after)
		if p + len - 1 > #pkt then
			error("record cut short")
		end
		answers[#answers + 1] = { type = rtype,
		    text = rdata_text(pkt, rtype, p, len) }
		pos = p + len
	end
	return { id = id, flags = flags, rcode = flags & 0xf,
	    answers = answers }
end

local function norm(s)
	return tostring(s):lower():gsub("%.$", "")
end

function check(t)
	local p = t.params
	if not p.name then
		return false, nil, "dns: params.name is not set"
	end
	local qtype = TYPES[(p.type or "A"):upper()]
	if not qtype then
		return false, nil, "dns: unknown type " .. net.clip(p.type, 10)
	end
	local s, err = net.udp(t, "dns")
	if not s then
		return false, nil, err
	end
	local id = math.random(0, 0xffff)
	local query = string.pack(">I2I2I2I2I2I2", id,
	    p.recurse == false and 0 or 0x0100, 1, 0, 0, 0) ..
	    encode_name(p.name) .. string.pack(">I2I2", qtype, 1)
	local ok, err2 = s:send(query)
	if not ok then
		return net.fail(s, "dns: send: " .. err2)
	end

	local what = ("dns: %s %s"):format(net.clip(p.name, 60),
	    (p.type or "A"):upper())
	local r
	for _ = 1, 10 do			-- skip stray datagrams
		local pkt, err3 = s:receive()
		if not pkt then
			return net.fail(s, what .. ": " .. err3)
		end
		local parsed, res = pcall(parse, pkt)
		if parsed and res.id == id and res.flags & 0x8000 ~= 0 then
			r = res
			break
		end
	end
	s:close()
	if not r then
		return false, nil, what .. ": no matching reply"
	end
	local rcode = RCODES[r.rcode] or "RCODE" .. r.rcode
	if rcode ~= (p.rcode or "NOERROR"):upper() then
		return false, nil, what .. ": " .. rcode
	end
	local got = {}
	for _, a in ipairs(r.answers) do
		if a.type == qtype then
			if p.expect and norm(a.text) == norm(p.expect) then
				return true, nil, what .. " " ..
				    net.clip(a.text, 60)
			end
			got[#got + 1] = a.text
		end
	end
	local shown = #got > 0 and table.concat(got, " ") or "no answer"
	if p.expect then
		return false, nil, net.clip(("%s: %s, want %s"):format(what,
		    shown, p.expect), 150)
	end
	return true, nil, net.clip(what .. " " .. shown, 150)
end
