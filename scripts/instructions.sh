#!/usr/bin/env bash
# The deterministic companion of scripts/load_bench.sh (see BENCHMARKS.md):
# runs examples/bench_server.rs under valgrind's callgrind and counts the
# user-space instructions the server executes per request on each endpoint.
# Instruction counts do not depend on what else the machine is doing, so
# they show the cost of the protection on a host too noisy for wall-clock
# ratios. Kernel work (the loopback TCP stack, about half of the server's
# CPU time in a profile) is not counted, so the ratios here overstate the
# share of the protection in a whole request.
#
#   scripts/instructions.sh                  # 2000 requests per endpoint
#   REQUESTS=500 ENDPOINTS="plain@hs256 hs256-cache" scripts/instructions.sh
#   BREAKDOWN=1 ENDPOINTS="hs256 hs256-cache" scripts/instructions.sh
#
# BREAKDOWN=1 adds, for each endpoint, where the protection's instructions
# go: callgrind's inclusive count per request of this crate's functions and
# of the crypto, base64 and JSON work under them (the profile that
# BENCHMARKS.md cites).
#
# Needs valgrind and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS="${REQUESTS:-2000}"
PORT="${PORT:-8093}"
ENDPOINTS="${ENDPOINTS:-plain@hs256 handwritten/hs256 hs256 hs256-cache hs256-cache-unchecked plain@rs256 handwritten/rs256 rs256 rs256-cache rs256-cache-unchecked es256 es256-cache eddsa eddsa-cache}"

for tool in valgrind callgrind_control callgrind_annotate curl; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install valgrind curl)" >&2; exit 1; }
done

cargo build --release --example bench_server
server="${CARGO_TARGET_DIR:-target}/release/examples/bench_server"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"

# urls <path> <count>: the same URL <count> times, for one curl process that
# sends them one after another over one keep-alive connection.
urls() {
    local i
    for ((i = 0; i < $2; i++)); do printf '%s/%s\n' "$base" "$1"; done
}

# measure <endpoint>: instructions per request, measured on a fresh server.
measure() {
    local endpoint="$1" path source token pid out
    path="${endpoint%@*}"
    source="${endpoint#*@}"
    [ "$source" = "plain" ] && source=""
    out="$work/callgrind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$server" "$PORT" \
        >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        curl -fs "$base/plain" >/dev/null 2>&1 && break
        sleep 0.2
    done
    token=""
    [ -n "$source" ] && token="$(curl -fs "$base/token/$source")"
    local header=(-H "Authorization: Bearer $token")
    [ -n "$token" ] || header=()
    # Warm up (first-use allocations, the cache entry), then count from zero.
    urls "$path" 50 | xargs curl -fs "${header[@]}" >/dev/null
    callgrind_control -z "$pid" >/dev/null 2>&1
    urls "$path" "$REQUESTS" | xargs curl -fs "${header[@]}" >/dev/null
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    local total dump
    dump="$(ls -t "$out".* | head -1)"
    total="$(callgrind_annotate "$dump" 2>/dev/null |
        awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')"
    if [ -n "${BREAKDOWN:-}" ]; then
        breakdown "$dump" >"$(breakdown_file "$endpoint")"
    fi
    rm -f "$out"*
    echo $((total / REQUESTS))
}

# breakdown_file <endpoint>: where measure leaves the endpoint's breakdown.
breakdown_file() { echo "$work/breakdown.$(echo "$1" | tr '/@' '__')"; }

# breakdown <callgrind dump>: inclusive instructions per request of the
# functions that make up the protection (at least 100 per request), the
# largest first. Inclusive counts nest: a caller's line contains its callees.
breakdown() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v n="$REQUESTS" '
            /actix_jwt_extended::|aws_lc_rs::(hmac|signature)|base64::engine::Engine::decode|TupleFromRequest1/ {
                count = $1; gsub(",", "", count)
                name = $0; sub(/^ *[0-9,]+ +\([ 0-9.]+%\) +/, "", name)
                sub(/ \[[^]]*\]$/, "", name); sub(/^[^:]*:/, "", name)
                if (count / n >= 100 && !(name in seen)) {
                    seen[name] = 1
                    printf "    %8d  %s\n", count / n, substr(name, 1, 110)
                }
            }' | head -n 25
}

declare -A per
echo "user-space instructions per request ($REQUESTS requests per endpoint, one keep-alive connection)"
for endpoint in $ENDPOINTS; do
    per[$endpoint]="$(measure "$endpoint")"
    printf '  %-24s %10d\n' "$endpoint" "${per[$endpoint]}"
    if [ -f "$(breakdown_file "$endpoint")" ]; then
        cat "$(breakdown_file "$endpoint")"
    fi
done

ratio() {
    [ -n "${per[$1]:-}" ] && [ -n "${per[$2]:-}" ] || return 0
    awk -v a="${per[$1]}" -v b="${per[$2]}" -v na="$1" -v nb="$2" -v w="$3" \
        'BEGIN { printf "  %-22s / %-22s %7.3f  %+8d   %s\n", na, nb, a / b, a - b, w }'
}
echo
echo "ratios of instructions per request (higher costs more), and the difference"
ratio hs256-cache plain@hs256 "HS256 default (cache on) vs unprotected"
ratio hs256 plain@hs256 "HS256 cache off vs unprotected"
ratio handwritten/hs256 plain@hs256 "hand-written HS256 vs unprotected"
ratio hs256 handwritten/hs256 "HS256 cache off vs hand-written"
ratio hs256-cache hs256-cache-unchecked "revocation check (HS256, cache on)"
ratio rs256-cache plain@rs256 "RS256 cache on vs unprotected"
ratio rs256 rs256-cache "RS256 cache off vs on"
ratio rs256-cache rs256-cache-unchecked "revocation check (RS256, cache on)"
ratio es256 es256-cache "ES256 cache off vs on"
ratio eddsa eddsa-cache "EdDSA cache off vs on"
