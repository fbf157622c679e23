-- wrk script: POST the same signed Shopify orders/create body with a unique X-Shopify-Event-Id per request
-- (Shopify signs only the body, so the signature stays valid while each delivery is a new event).
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Topic"] = "orders/create"
  wrk.headers["X-Shopify-Hmac-Sha256"] = os.getenv("BENCH_SIGNATURE")
  prefix = os.getenv("BENCH_RUN") .. "-" .. tid
end

function request()
  counter = counter + 1
  wrk.headers["X-Shopify-Event-Id"] = prefix .. "-" .. counter
  return wrk.format(nil, nil, nil, wrk.body)
end
