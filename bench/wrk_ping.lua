-- wrk script for bench/run.sh: POSTs the JSON body in the file $WRK_BODY to the URL wrk was given, with
-- `Authorization: Bearer $WRK_KEY`, counts the answers by status, and prints one JSON line at the end:
-- {"client":"wrk","requests":..,"seconds":..,"per_s":..,"p50_ms":..,"p99_ms":..,"max_ms":..,"statuses":{..},"errors":..}
local body_file = os.getenv("WRK_BODY")
if body_file and body_file ~= "" then
    local f = assert(io.open(body_file, "r"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end
local key = os.getenv("WRK_KEY")
if key and key ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. key
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local counts = {}
    for _, thread in ipairs(threads) do
        local seen = thread:get("statuses") or {}
        for status, n in pairs(seen) do
            counts[status] = (counts[status] or 0) + n
        end
    end
    local parts = {}
    for status, n in pairs(counts) do
        table.insert(parts, string.format('"%d":%d', status, n))
    end
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        '{"client":"wrk","requests":%d,"seconds":%.3f,"per_s":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
        '"statuses":{%s},"errors":%d}\n',
        summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, table.concat(parts, ","),
        e.connect + e.read + e.write + e.timeout))
end
