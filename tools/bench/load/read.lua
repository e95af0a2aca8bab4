-- Reads: GET one incident by id, ids spread over the seeded range.
local max_id = tonumber(os.getenv("C5HUB_LOAD_MAX_ID") or "300")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("C5HUB_LOAD_TOKEN")
request = function()
  return wrk.format("GET", "/api/v1/incidents/" .. math.random(1, max_id))
end
