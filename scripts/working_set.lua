-- wrk script of the working-set benchmark (scripts/load_bench.sh working-set):
-- each request carries the next of the first N tokens of the file TOKENS (one
-- a line), cycling, starting after the first OFFSET (where the previous run
-- on the endpoint stopped, so that runs continue the cycle). With ONCE=1 the run is one pass over the working set: it
-- prints its own "Requests/sec:" (wall clock from the thread's start to the
-- N-th answer) and ends wrk there, since wrk would otherwise wait out -d.
local n = tonumber(os.getenv("N") or "1")
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
    if #tokens >= n then break end
    tokens[#tokens + 1] = "Bearer " .. line
end
local next_token = tonumber(os.getenv("OFFSET") or "0") % #tokens

function request()
    next_token = next_token % #tokens + 1
    return wrk.format("GET", wrk.path, { ["Authorization"] = tokens[next_token] })
end

if os.getenv("ONCE") == "1" then
    local function wall_clock()
        local date = io.popen("date +%s.%N")
        local now = tonumber(date:read("*l"))
        date:close()
        return now
    end
    local started, answered, refused = nil, 0, 0

    function init()
        started = wall_clock()
    end

    function response(status)
        answered = answered + 1
        if status >= 300 then refused = refused + 1 end
        if answered == #tokens then
            local seconds = wall_clock() - started
            if refused > 0 then
                print(string.format("Non-2xx or 3xx responses: %d", refused))
            end
            print(string.format("Requests/sec: %.2f", answered / seconds))
            io.stdout:flush()
            os.exit(0)
        end
    end
end
