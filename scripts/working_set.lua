-- wrk script of the working-set benchmark (scripts/load_bench.sh working-set):
-- each request carries the next of the first N tokens of the file TOKENS (one
-- a line), cycling. With ONCE=1 the run stops after N answers: one pass over
-- the working set.
local n = tonumber(os.getenv("N") or "1")
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
    if #tokens >= n then break end
    tokens[#tokens + 1] = "Bearer " .. line
end
local next_token = 0

function request()
    next_token = next_token % #tokens + 1
    return wrk.format("GET", wrk.path, { ["Authorization"] = tokens[next_token] })
end

if os.getenv("ONCE") == "1" then
    local answered = 0
    function response()
        answered = answered + 1
        if answered >= #tokens then
            wrk.thread:stop()
        end
    end
end
