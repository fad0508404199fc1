-- wrk script: POST ~2 KB JSON comments, each slightly different.
-- Used by bench/intake.sh; see docs/BENCHMARKS.md.
local bodies = {}
-- RECEIPTS=0 asks for no emailed receipt (to measure intake without the outbox).
local receipt = os.getenv("RECEIPTS") == "0" and "false" or "true"
local words = { "priority", "regions", "Malaysia", "Thailand", "Vietnam", "standards", "consortium",
  "financing", "insurance", "advocacy", "export", "controls", "critical", "minerals", "compute",
  "models", "applications", "infrastructure", "security", "partners" }

local function paragraph(seed, length)
  local out, i = {}, seed
  local n = 0
  while n < length do
    i = (i * 1103515245 + 12345) % 2147483648
    local w = words[(i % #words) + 1]
    out[#out + 1] = w
    n = n + #w + 1
  end
  return table.concat(out, " ")
end

for k = 1, 200 do
  bodies[k] = string.format(
    '{"submitter":{"type":"organization","first_name":"Ada","last_name":"Byron",' ..
    '"organization":"Example AI %d","organization_type":"company","category":"ai-developer",' ..
    '"country":"US","state_province":"VA","email":"bench%d@example.com"},' ..
    '"answers":{"regions":"%s","federal-support":"%s","standards":"%s"},' ..
    '"comment":"%s","business_confidential":false,"send_receipt":' .. receipt .. '}',
    k, k, paragraph(k, 600), paragraph(k + 1, 500), paragraph(k + 2, 400), paragraph(k + 3, 300))
end

local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end
