-- One new order per request: PUT /api/v1/orders/{unique id}, the shape a shop's webhook sends.
-- thread_id is set by setup() as a global of each thread's Lua state (a `local` here would hide it
-- and give every thread the same ids); LOJAL_RUN keeps the warm-up's ids apart from the run's.
local counter = 0
local run = os.getenv("LOJAL_RUN") or "run"
local threads = {}
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(thread_id * 7919)
end

local body_template = [[{"customer": {"external_id": "c-%d", "email": "k%d@example.no"},
 "placed_at": "2026-03-14T18:22:05+01:00", "currency": "NOK", "status": "paid",
 "subtotal": 53880, "total": 58780, "shipping_total": 4900, "taxes_included": true, "tax_total": 11756,
 "lines": [{"external_id": "1", "sku": "KF-4-100", "quantity": 2, "unit_price": 3990, "total": 7980},
           {"external_id": "2", "sku": "TR-PRO", "quantity": 1, "unit_price": 45900, "total": 45900}]}]]

request = function()
  counter = counter + 1
  local customer = math.random(1, 20000)
  local path = string.format("/api/v1/orders/%s-%d-%d", run, thread_id, counter)
  local body = string.format(body_template, customer, customer)
  return wrk.format("PUT", path, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("LOJAL_KEY")}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors_status=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f duration_s=%.2f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.duration / 1e6))
end
