-- SPDX-License-Identifier: Apache-2.0
-- wrk script for pavise's webhook benchmark: POSTs AdmissionReviews read from
-- the files named in BODIES (colon-separated), alternating between them, with
-- an optional per-connection pause (PAUSE_MS) to hold a target rate, and
-- prints the latency percentiles as one JSON line.
local bodies = {}
local idx = 0
local pause = tonumber(os.getenv("PAUSE_MS") or "0")

for path in string.gmatch(os.getenv("BODIES") or "", "[^:]+") do
	local f = assert(io.open(path, "rb"))
	bodies[#bodies + 1] = f:read("*a")
	f:close()
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
	idx = idx % #bodies + 1
	return wrk.format(nil, nil, nil, bodies[idx])
end

-- A paced connection waits a random time, uniform in [0, 2 * PAUSE_MS], between
-- requests: arrivals spread out instead of all connections firing together.
if pause > 0 then
	math.randomseed(os.time())
	function delay()
		return math.random() * 2 * pause
	end
end

function done(summary, latency, requests)
	local secs = summary.duration / 1e6
	io.write(string.format(
		'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"errors":%d,"non2xx":%d,' ..
		'"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f}\n',
		summary.requests, secs, summary.requests / secs,
		summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
		summary.errors.status,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency:percentile(99.9) / 1000, latency.max / 1000))
end
