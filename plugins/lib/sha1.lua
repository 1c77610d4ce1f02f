-- lib/sha1.lua - SHA-1 (FIPS 180-4) in plain Lua 5.4 integers, for the
-- mysql_native_password scramble.  Not for anything secret: the checks
-- only prove they know a password the server already stores as SHA-1.
--
--   local sha1 = require "lib.sha1"
--   sha1.digest("abc")   -- 20 bytes: a9 99 3e 36 ...

local M = {}

local function rol(x, n)
	return ((x << n) | (x >> (32 - n))) & 0xffffffff
end

local function block(h, chunk)
	local w = { string.unpack(">" .. string.rep("I4", 16), chunk) }
	for i = 17, 80 do
		w[i] = rol(w[i - 3] ~ w[i - 8] ~ w[i - 14] ~ w[i - 16], 1)
	end
	local a, b, c, d, e = h[1], h[2], h[3], h[4], h[5]
	for i = 1, 80 do
		local f, k
		if i <= 20 then
			f, k = (b & c) | (~b & d), 0x5a827999
		elseif i <= 40 then
			f, k = b ~ c ~ d, 0x6ed9eba1
		elseif i <= 60 then
			f, k = (b & c) | (b & d) | (c & d), 0x8f1bbcdc
		else
			f, k = b ~ c ~ d, 0xca62c1d6
		end
		local tmp = (rol(a, 5) + (f & 0xffffffff) + e + k + w[i])
		    & 0xffffffff
		a, b, c, d, e = tmp, a, rol(b, 30), c, d
	end
	h[1] = (h[1] + a) & 0xffffffff
	h[2] = (h[2] + b) & 0xffffffff
	h[3] = (h[3] + c) & 0xffffffff
	h[4] = (h[4] + d) & 0xffffffff
	h[5] = (h[5] + e) & 0xffffffff
end

-- The 20-byte digest of msg (a string).
function M.digest(msg)
	local h = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 }
	local len = #msg
	-- pad: 0x80, zeros to 56 mod 64, the length in bits (64-bit BE)
	msg = msg .. "\128" .. string.rep("\0", (55 - len) % 64) ..
	    string.pack(">I8", len * 8)
	for i = 1, #msg, 64 do
		block(h, msg:sub(i, i + 63))
	end
	return string.pack(">I4I4I4I4I4", h[1], h[2], h[3], h[4], h[5])
end

-- The digest as 40 lower-case hex digits.
function M.hex(msg)
	return (M.digest(msg):gsub(".", function(c)
		return ("%02x"):format(c:byte())
	end))
end

return M
