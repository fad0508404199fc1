-- wrk script: bench/post-comment.lua's comments, each thread stopping after
-- BURST_PER_THREAD answers (a burst of a fixed size, not a duration).
-- Used by bench/load.sh; see docs/BENCHMARKS.md.
dofile("bench/post-comment.lua")

local answered = 0
local limit = tonumber(os.getenv("BURST_PER_THREAD") or "50000")
local refused = 0

response = function(status, headers, body)
  answered = answered + 1
  if status ~= 201 then refused = refused + 1 end
  if answered >= limit then wrk.thread:stop() end
end
