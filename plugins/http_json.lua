-- http_json.lua - an HTTP endpoint answers a JSON document whose field
-- (a dotted path) equals a value, e.g. {"status": "ok"}; another field
-- may give the real server's weight (a capacity the server reports).
--
-- params:
--   path           the URL path (default "/health")
--   field          the dotted path of the field to test: "status",
--                  "checks.db.status", "items.1.ok" (arrays count from 1)
--   equals         the value it must have (a string, number or boolean);
--                  without it the field must exist and not be false/null
--   weight_field   a numeric field used as the weight (0..65535)
--   expect_status  good HTTP statuses (default "200-299")
--   tls, host, sni, verify   https, the Host header, TLS options
--
-- check = { type = "lua"; script = "http_json.lua";
--           params = { path = "/status"; field = "db.state";
--                      equals = "ok"; weight_field = "capacity"; }; };

local net = require "lib.net"
local json = require "lib.json"

-- Does the JSON value v match the configured value want?
local function matches(v, want)
	if want == nil then
		return v ~= nil and v ~= false and v ~= json.null
	elseif type(want) == "number" then
		return type(v) == "number" and v == want
	elseif type(want) == "boolean" then
		return v == want
	end
	return v ~= nil and json.text(v) == tostring(want)
end

local function shown(v)
	if type(v) == "string" then
		return '"' .. net.clip(v, 40) .. '"'
	end
	return net.clip(json.text(v), 40)
end

function check(t)
	local p = t.params
	local host = t.address:find(":") and "[" .. t.address .. "]" or
	    t.address
	local url = ("%s://%s:%d%s"):format(p.tls and "https" or "http", host,
	    t.port, p.path or "/health")
	local status, body = lvsmon.http_get(url, { host = p.host,
	    sni = p.sni, verify = p.verify or false,
	    headers = { Accept = "application/json" } })
	if not status then
		return false, nil, "http_json: " .. body
	end
	if not net.in_ranges(status, p.expect_status or "200-299") then
		return false, nil, "http_json: status " .. status
	end
	local doc, err = json.decode(body)
	if doc == nil then
		return false, nil, "http_json: bad JSON: " .. err
	end

	local weight
	if p.weight_field then
		local w = json.get(doc, p.weight_field)
		if type(w) ~= "number" then
			return false, nil, ("http_json: %s is %s, not a number")
			    :format(net.clip(p.weight_field, 40),
			    w == nil and "missing" or shown(w))
		end
		weight = math.max(0, math.min(65535, math.floor(w)))
	end
	local msg = "http_json: status " .. status
	if p.field then
		local v = json.get(doc, p.field)
		local name = net.clip(p.field, 40)
		if v == nil then
			return false, nil, "http_json: no field " .. name
		end
		if not matches(v, p.equals) then
			if p.equals == nil then
				return false, nil, ("http_json: %s is %s")
				    :format(name, shown(v))
			end
			return false, nil, ("http_json: %s is %s, want %s")
			    :format(name, shown(v), shown(p.equals))
		end
		msg = ("http_json: %s = %s"):format(name, shown(v))
	end
	if weight then
		msg = msg .. ", weight " .. weight
	end
	return true, weight, msg
end
