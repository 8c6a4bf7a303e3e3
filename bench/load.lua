-- wrk script of bench/load.sh: posts the same event on every connection and
-- checks every answer byte for byte.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"name":"greeting:say","version":1,"id":"load-id","flowId":"load-flow","payload":{"name":"wrk"}}'

local expected = '{"name":"greeting:say:response","version":1,"id":"load-id","flowId":"load-flow",'
    .. '"payload":{"greeting":"hello, wrk"},"identity":{},"auth":{},"metadata":{}}'

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    checked = 0
    invalid = 0
end

function response(status, headers, body)
    checked = checked + 1
    if status ~= 200 or body ~= expected then
        invalid = invalid + 1
    end
end

function done(summary, latency, requests)
    local total_checked, total_invalid = 0, 0
    for _, thread in ipairs(threads) do
        total_checked = total_checked + thread:get("checked")
        total_invalid = total_invalid + thread:get("invalid")
    end
    io.write(string.format("checked answers: %d\ninvalid answers: %d\n", total_checked, total_invalid))
    io.write(string.format("p50 latency: %.0f us\np99 latency: %.0f us\n",
        latency:percentile(50), latency:percentile(99)))
end
