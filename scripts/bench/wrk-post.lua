-- wrk's side of scripts/bench-generator.sh: replays one fixed protobuf body (BODY, a file) to
-- the collector's REST endpoint; DELAY_MS (0 for none) paces each connection's requests, so
-- that C connections offer about C * 1000 / DELAY_MS requests a second.
local file = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/proto"
local pause = tonumber(os.getenv("DELAY_MS") or "0")

function delay()
  return pause
end
