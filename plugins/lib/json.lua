-- lib/json.lua - a small JSON reader (RFC 8259) and a field lookup, enough
-- for health endpoints; it does not write JSON.
--
--   local json = require "lib.json"
--   local doc, err = json.decode('{"db": {"ok": true}, "n": [1, 2]}')
--   json.get(doc, "db.ok")      --> true
--   json.get(doc, "n.2")        --> 2   (arrays count from 1, as in Lua)
--   json.null                   -- what a JSON null decodes to

local M = {}

M.null = setmetatable({}, { __tostring = function() return "null" end })

local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b",
    f = "\f", n = "\n", r = "\r", t = "\t" }

local value

local function fail(pos, what)
	error({ json = ("%s at byte %d"):format(what, pos) })
end

local function skip(s, pos)
	return s:find("[^ \t\r\n]", pos) or #s + 1
end

local function str(s, pos)
	local out = {}
	pos = pos + 1				-- the opening quote
	while true do
		local a, b = s:find('^[^"\\%c]+', pos)
		if a then
			out[#out + 1] = s:sub(a, b)
			pos = b + 1
		end
		local c = s:sub(pos, pos)
		if c == '"' then
			return table.concat(out), pos + 1
		elseif c == "\\" then
			local e = s:sub(pos + 1, pos + 1)
			if ESC[e] then
				out[#out + 1] = ESC[e]
				pos = pos + 2
			elseif e == "u" then
				local hex = s:match("^%x%x%x%x", pos + 2)
				if not hex then
					fail(pos, "bad \\u escape")
				end
				local cp = tonumber(hex, 16)
				pos = pos + 6
				local lo = s:match("^\\u(%x%x%x%x)", pos)
				if cp >= 0xd800 and cp < 0xdc00 and lo then
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (tonumber(lo, 16) - 0xdc00)
					pos = pos + 6
				end
				out[#out + 1] = utf8.char(cp)
			else
				fail(pos, "bad escape")
			end
		else
			fail(pos, "unterminated string")
		end
	end
end

local function container(s, pos, depth, close, is_object)
	local out = {}
	pos = skip(s, pos + 1)
	if s:sub(pos, pos) == close then
		return out, pos + 1
	end
	while true do
		if is_object then
			if s:sub(pos, pos) ~= '"' then
				fail(pos, "expected a key")
			end
			local k
			k, pos = str(s, pos)
			pos = skip(s, pos)
			if s:sub(pos, pos) ~= ":" then
				fail(pos, "expected ':'")
			end
			out[k], pos = value(s, skip(s, pos + 1), depth + 1)
		else
			out[#out + 1], pos = value(s, pos, depth + 1)
		end
		pos = skip(s, pos)
		local c = s:sub(pos, pos)
		if c == close then
			return out, pos + 1
		elseif c ~= "," then
			fail(pos, "expected ',' or '" .. close .. "'")
		end
		pos = skip(s, pos + 1)
	end
end

value = function(s, pos, depth)
	if depth > 32 then
		fail(pos, "too deep")
	end
	pos = skip(s, pos)
	local c = s:sub(pos, pos)
	if c == "{" then
		return container(s, pos, depth, "}", true)
	elseif c == "[" then
		return container(s, pos, depth, "]", false)
	elseif c == '"' then
		return str(s, pos)
	end
	local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
	if num and #num > 0 then
		local n = tonumber(num)
		if not n then
			fail(pos, "bad number")
		end
		return n, pos + #num
	end
	for word, v in pairs({ ["true"] = true, ["false"] = false,
	    ["null"] = M.null }) do
		if s:sub(pos, pos + #word - 1) == word then
			return v, pos + #word
		end
	end
	fail(pos, "unexpected " .. (c == "" and "end" or ("'%s'"):format(c)))
end

-- The value of a JSON text, or nil and why ("expected ':' at byte 12").
function M.decode(s)
	local ok, v, pos = pcall(value, s, 1, 0)
	if not ok then
		if type(v) == "table" and v.json then
			return nil, v.json
		end
		error(v, 0)			-- not ours: memory, limits
	end
	pos = skip(s, pos)
	if pos <= #s then
		return nil, ("trailing data at byte %d"):format(pos)
	end
	return v
end

-- The value at a dotted path ("a.b.2.c"), or nil when a step is missing.
function M.get(doc, path)
	local v = doc
	for step in tostring(path):gmatch("[^.]+") do
		if type(v) ~= "table" or v == M.null then
			return nil
		end
		local i = math.tointeger(tonumber(step))
		if i and v[i] ~= nil then
			v = v[i]
		else
			v = v[step]
		end
		if v == nil then
			return nil
		end
	end
	return v
end

-- A value as text for messages and comparisons: "ok", "true", "3", "null".
function M.text(v)
	if type(v) == "number" and math.type(v) == "float" and
	    v == math.floor(v) and math.abs(v) < 2 ^ 53 then
		return ("%d"):format(v)
	end
	return tostring(v)
end

return M
