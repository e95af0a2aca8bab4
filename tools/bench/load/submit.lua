-- Submissions: IODEF v2 XML, each with its own IncidentID and address.
local n = 0
local thread_id = 0
local counter = 0
function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("C5HUB_LOAD_TOKEN")
wrk.headers["Content-Type"] = "application/xml"
local template = [[<?xml version="1.0" encoding="UTF-8"?>
<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="green">
    <IncidentID name="csirt.load.test">LOAD-%d-%d-%d</IncidentID>
    <GenerationTime>2026-11-21T10:00:00Z</GenerationTime>
    <Contact role="creator" type="organization"><ContactName>Load test CSIRT</ContactName><Email><EmailTo>csirt@load.test</EmailTo></Email></Contact>
    <EventData>
      <Flow><System category="source"><Node><Address category="ipv4-addr">45.%d.%d.%d</Address></Node></System></Flow>
      <Record><RecordData><URL>http://phish-%d.load.test/login</URL></RecordData></Record>
    </EventData>
  </Incident>
</IODEF-Document>
]]
math.randomseed(os.time() + os.clock() * 1000000)
local run = math.random(1, 1000000000)
request = function()
  n = n + 1
  local body = string.format(template, run, thread_id, n, thread_id, math.floor(n / 256) % 256, n % 256, n % 5000)
  return wrk.format(nil, "/api/v1/incidents", nil, body)
end

-- C5HUB_LOAD_SUBMIT_DELAY_MS: each connection waits this long after a
-- response before its next submission, which holds the submission stream
-- near connections / (delay + latency) per second instead of saturating
-- the server (wrk has no fixed-rate mode; the rate reached is what wrk
-- reports).
local pause = tonumber(os.getenv("C5HUB_LOAD_SUBMIT_DELAY_MS") or "0")
if pause > 0 then
  delay = function()
    return pause
  end
end
