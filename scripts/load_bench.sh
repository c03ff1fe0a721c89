#!/usr/bin/env bash
# The load benchmark of BENCHMARKS.md: one actix worker pinned to one core,
# wrk pinned to another, every endpoint of examples/bench_server.rs measured
# in alternating rounds; prints each endpoint's median requests/second and
# the ratios the performance targets are stated in, as the median of each
# round's ratio (the two sides of a ratio run seconds apart, so a slow
# drift of the machine cancels out).
#
#   scripts/load_bench.sh                 # 11 rounds of 2 s per endpoint, ~7 min
#   ROUNDS=21 DURATION=1 scripts/load_bench.sh
#   ENDPOINTS="plain@hs256 hs256 hs256-cache" scripts/load_bench.sh
#   scripts/load_bench.sh working-set     # N distinct users' tokens, see below
#
# Needs wrk (apt-get install wrk), curl and taskset, and two free cores.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-11}"
DURATION="${DURATION:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-8089}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
# An endpoint is a path of examples/bench_server.rs, optionally followed by
# @<endpoint> to send the token of another endpoint: `plain@rs256-cache` is
# the unprotected handler receiving exactly the request rs256-cache gets.
ENDPOINTS="${ENDPOINTS:-plain@hs256 handwritten/hs256 hs256 hs256-cache hs256-cache-unchecked plain@rs256 handwritten/rs256 rs256 rs256-cache rs256-cache-unchecked plain@es256 es256 es256-cache plain@eddsa eddsa eddsa-cache}"

for tool in wrk curl taskset; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done

cargo build --release --example bench_server
server="${CARGO_TARGET_DIR:-target}/release/examples/bench_server"
taskset -c "$SERVER_CPU" "$server" "$PORT" >/dev/null &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
    curl -fs "$base/plain" >/dev/null && break
    sleep 0.1
done

# --- The working-set benchmark -------------------------------------------
#
#   scripts/load_bench.sh working-set
#   SIZES="1 1000 10000" ROUNDS=3 DURATION=1 scripts/load_bench.sh working-set
#
# Each endpoint gets N distinct users' tokens (`bench_server mint`), cycled
# by wrk (scripts/working_set.lua), for each N of SIZES. Steady state: one
# pass over the working set first (it fills the caches), then ROUNDS
# alternating rounds of DURATION seconds. Cold: the caches emptied, then one
# pass over the working set (N >= 1000). Prints, per N, each endpoint's
# median requests/second, its ratio to the unprotected endpoint receiving
# the same tokens (median of the rounds' ratios, [lowest-highest]), the
# steady-state hit ratio of its cache, and the server's RSS after the N
# round. Then the memory of the cache: a fresh server, 100 000 HS256 and
# RS256 tokens through the cache-off and the cache-on endpoints, RSS after
# each (bytes per cached token = RSS difference / entries).
working_set() {
    local sizes="${SIZES:-1 1000 10000 100000}"
    local endpoints="${WS_ENDPOINTS:-plain@hs256 handwritten/hs256@hs256 hs256@hs256 hs256-cache@hs256 plain@rs256 handwritten/rs256@rs256 rs256-cache@rs256 plain@es256 es256-cache@es256 plain@eddsa eddsa-cache@eddsa}"
    local largest=0 n
    for n in $sizes; do [ "$n" -gt "$largest" ] && largest="$n"; done
    local tokens_dir="${CARGO_TARGET_DIR:-target}/bench-tokens"
    mkdir -p "$tokens_dir"
    declare -A file
    local endpoint algorithm
    for endpoint in $endpoints; do
        algorithm="${endpoint#*@}"
        file[$algorithm]="$tokens_dir/$algorithm.txt"
        # Minted tokens are valid for a day: reuse them for 12 hours.
        if [ ! -s "${file[$algorithm]}" ] || [ "$(wc -l <"${file[$algorithm]}")" -lt "$largest" ] ||
            [ -n "$(find "${file[$algorithm]}" -mmin +720)" ]; then
            echo "minting $largest $algorithm tokens"
            "$server" mint "$algorithm" "$largest" >"${file[$algorithm]}"
        fi
    done

    # Where each endpoint's cycle over the working set stands.
    declare -A offset
    # wrk_ws <endpoint> <n> <seconds|once>: sets rps to the requests per
    # second; the next run on the endpoint continues the cycle where this
    # one stopped.
    wrk_ws() {
        local endpoint="$1" n="$2" how="$3" out args
        local path="${endpoint%@*}" algorithm="${endpoint#*@}"
        if [ "$how" = once ]; then
            args=(-t1 "-c$CONNECTIONS" -d600s)
        else
            args=(-t1 "-c$CONNECTIONS" "-d${how}s")
        fi
        out="$(ONCE="$([ "$how" = once ] && echo 1 || echo 0)" N="$n" TOKENS="${file[$algorithm]}" \
            OFFSET="${offset[$endpoint@$n]:-0}" \
            taskset -c "$CLIENT_CPU" wrk "${args[@]}" -s scripts/working_set.lua "$base/$path")"
        if grep -q "Non-2xx" <<<"$out"; then
            echo "error: $endpoint answered non-2xx:" >&2
            echo "$out" >&2
            exit 1
        fi
        local done
        done="$(awk '/^ +[0-9]+ requests in/ { print $1 }' <<<"$out")"
        [ "$how" = once ] && done="$n"
        offset[$endpoint@$n]=$(((${offset[$endpoint@$n]:-0} + ${done:-0}) % n))
        rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
    }
    # counters <endpoint>: "hits misses entries capacity" of its cache.
    counters() {
        curl -fs "$base/stats" | python3 -c '
import json, sys
stats = json.load(sys.stdin).get(sys.argv[1])
print(*(stats[k] for k in ("hits", "misses", "entries", "capacity")) if stats else "- - - -")' "${1%@*}"
    }
    rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }

    local ws_results
    ws_results="$(mktemp)"
    read -r -a list <<<"$endpoints"
    local count=${#list[@]} round i rps
    for n in $sizes; do
        echo "working set of $n tokens: one pass per endpoint"
        for endpoint in "${list[@]}"; do wrk_ws "$endpoint" "$n" once >/dev/null; done
        declare -A before=()
        for endpoint in "${list[@]}"; do before[$endpoint]="$(counters "$endpoint")"; done
        for round in $(seq "$ROUNDS"); do
            order=()
            for i in $(seq 0 $((count - 1))); do order+=("${list[$(((i + round) % count))]}"); done
            if [ $((round % 2)) -eq 0 ]; then
                reversed=()
                for ((i = count - 1; i >= 0; i--)); do reversed+=("${order[$i]}"); done
                order=("${reversed[@]}")
            fi
            for endpoint in "${order[@]}"; do
                wrk_ws "$endpoint" "$n" "$DURATION"
                echo "$n steady $round $endpoint $rps" >>"$ws_results"
                printf 'N=%-6s steady round %d/%d  %-24s %10.0f req/s\n' "$n" "$round" "$ROUNDS" "$endpoint" "$rps"
            done
        done
        for endpoint in "${list[@]}"; do
            read -r h0 m0 _ _ <<<"${before[$endpoint]}"
            read -r h1 m1 entries capacity <<<"$(counters "$endpoint")"
            [ "$h0" = - ] && continue
            echo "$n hits $endpoint $((h1 - h0)) $((m1 - m0)) $entries $capacity" >>"$ws_results"
        done
        echo "$n rss $(rss_kib)" >>"$ws_results"
        if [ "$n" -ge 1000 ]; then
            for round in $(seq "${COLD_ROUNDS:-1}"); do
                for endpoint in "${list[@]}"; do
                    curl -fs -X POST "$base/clear" >/dev/null
                    wrk_ws "$endpoint" "$n" once
                    echo "$n cold $round $endpoint $rps" >>"$ws_results"
                    printf 'N=%-6s cold round %d  %-24s %10.0f req/s\n' "$n" "$round" "$endpoint" "$rps"
                done
            done
        fi
    done

    echo
    echo "working sets: medians over $ROUNDS steady rounds of ${DURATION}s (cold: ${COLD_ROUNDS:-1} pass(es) after emptying the caches)"
    echo "ratio = median over the rounds of endpoint / plain@<same tokens> [lowest-highest round]"
    for n in $sizes; do
        printf '\nN = %s   (server RSS after the steady rounds: %s MiB)\n' "$n" \
            "$(awk -v n="$n" '$1 == n && $2 == "rss" { printf "%.0f", $3 / 1024 }' "$ws_results")"
        printf '  %-24s %10s %24s %10s %22s %9s\n' endpoint "steady/s" "steady ratio" "cold/s" "cold ratio" "hit ratio"
        for endpoint in "${list[@]}"; do
            awk -v n="$n" -v e="$endpoint" -v p="plain@${endpoint#*@}" '
                function median(a, k,   i, j, x) {
                    for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
                    return k == 0 ? 0 : (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2)
                }
                $1 == n && ($2 == "steady" || $2 == "cold") && $4 == e { v[$2, $3] = $5; list[$2, ++c[$2]] = $5 }
                $1 == n && ($2 == "steady" || $2 == "cold") && $4 == p { b[$2, $3] = $5 }
                $1 == n && $2 == "hits" && $3 == e { hr = ($4 + $5) ? sprintf("%.3f", $4 / ($4 + $5)) : "-" }
                END {
                    split("steady cold", phases, " ")
                    for (q = 1; q <= 2; q++) {
                        ph = phases[q]; k = 0; m = 0; delete r; delete s
                        for (i = 1; i <= c[ph]; i++) s[i] = list[ph, i]
                        med[ph] = median(s, c[ph])
                        for (key in v) { split(key, kk, SUBSEP); if (kk[1] == ph && ((ph, kk[2]) in b) && b[ph, kk[2]] > 0) r[++k] = v[key] / b[ph, kk[2]] }
                        lo[ph] = 1e9; hi[ph] = 0
                        for (i = 1; i <= k; i++) { if (r[i] < lo[ph]) lo[ph] = r[i]; if (r[i] > hi[ph]) hi[ph] = r[i] }
                        rat[ph] = k ? sprintf("%.3f [%.3f-%.3f]", median(r, k), lo[ph], hi[ph]) : "-"
                    }
                    printf "  %-24s %10.0f %24s %10s %22s %9s\n", e, med["steady"], rat["steady"], (c["cold"] ? sprintf("%.0f", med["cold"]) : "-"), rat["cold"], (hr == "" ? "-" : hr)
                }' "$ws_results"
        done
    done
    rm -f "$ws_results"

    # The memory of the cache, in a fresh server.
    if [ "$largest" -ge 100000 ] && [ -z "${SKIP_MEMORY:-}" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        taskset -c "$SERVER_CPU" "$server" "$PORT" >/dev/null &
        server_pid=$!
        for _ in $(seq 100); do curl -fs "$base/plain" >/dev/null && break; sleep 0.1; done
        echo
        echo "memory: a fresh server; RSS after two passes over 100 000 tokens per endpoint, in order"
        printf '  %-30s %10s %10s %10s\n' "after" "RSS MiB" entries capacity
        printf '  %-30s %10.1f\n' "start" "$(rss_kib | awk '{ print $1 / 1024 }')"
        for endpoint in hs256@hs256 hs256-cache@hs256 rs256-cache@rs256; do
            wrk_ws "$endpoint" 100000 once >/dev/null
            wrk_ws "$endpoint" 100000 once >/dev/null
            read -r _ _ entries capacity <<<"$(counters "$endpoint")"
            printf '  %-30s %10.1f %10s %10s\n' "$endpoint" "$(rss_kib | awk '{ print $1 / 1024 }')" "$entries" "$capacity"
        done
    fi
}

if [ "${1:-}" = working-set ]; then
    working_set
    exit 0
fi

declare -A token path
for endpoint in $ENDPOINTS; do
    path[$endpoint]="${endpoint%@*}"
    source="${endpoint#*@}"
    [ "$source" = "plain" ] && source=""
    token[$endpoint]=""
    if [ -n "$source" ]; then
        token[$endpoint]="$(curl -fs "$base/token/$source")" || {
            echo "error: no token for $source" >&2
            exit 1
        }
    fi
done

results="$(mktemp)"
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$results"' EXIT

# CPU time (user + system, in clock ticks) the server has used so far.
server_ticks() {
    awk '{ print $14 + $15 }' "/proc/$server_pid/stat"
}
ticks_per_second="$(getconf CLK_TCK)"

# One wrk run; prints requests per wall-clock second and requests per
# second of server CPU time (the second is immune to other programs taking
# the server's core). Any non-2xx answer is an error: a benchmark of
# rejections would be meaningless.
run() {
    local endpoint="$1" seconds="$2" out before after
    local args=(-t1 "-c$CONNECTIONS" "-d${seconds}s")
    [ -n "${token[$endpoint]}" ] && args+=(-H "Authorization: Bearer ${token[$endpoint]}")
    before="$(server_ticks)"
    out="$(taskset -c "$CLIENT_CPU" wrk "${args[@]}" "$base/${path[$endpoint]}")"
    after="$(server_ticks)"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "error: $endpoint answered non-2xx:" >&2
        echo "$out" >&2
        exit 1
    fi
    awk -v ticks="$((after - before))" -v hz="$ticks_per_second" '
        /^ +[0-9]+ requests in/ { requests = $1 }
        /^Requests\/sec:/ { rps = $2 }
        END { printf "%s %.0f\n", rps, (ticks > 0 ? requests / (ticks / hz) : 0) }' <<<"$out"
}

echo "warm-up (1 s per endpoint)"
for endpoint in $ENDPOINTS; do run "$endpoint" 1 >/dev/null; done

read -r -a list <<<"$ENDPOINTS"
count=${#list[@]}
for round in $(seq "$ROUNDS"); do
    # Alternate the order: each round starts one endpoint further on, and
    # even rounds run backwards.
    order=()
    for i in $(seq 0 $((count - 1))); do
        order+=("${list[$(((i + round) % count))]}")
    done
    if [ $((round % 2)) -eq 0 ]; then
        reversed=()
        for ((i = count - 1; i >= 0; i--)); do reversed+=("${order[$i]}"); done
        order=("${reversed[@]}")
    fi
    for endpoint in "${order[@]}"; do
        read -r rps cpu_rps <<<"$(run "$endpoint" "$DURATION")"
        echo "$round $endpoint $rps $cpu_rps" >>"$results"
        printf 'round %d/%d  %-24s %10.0f req/s %10.0f req/CPU-s\n' \
            "$round" "$ROUNDS" "$endpoint" "$rps" "$cpu_rps"
    done
done

# median <endpoint> <column>: column 3 is req/s, column 4 req/CPU-s.
median() {
    awk -v e="$1" -v c="$2" '$2 == e { print $c }' "$results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A med cpu
echo
echo "medians over $ROUNDS rounds of ${DURATION}s ($CONNECTIONS connections, server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"
printf '  %-24s %10s %12s\n' endpoint "req/s" "req/CPU-s"
for endpoint in $ENDPOINTS; do
    med[$endpoint]="$(median "$endpoint" 3)"
    cpu[$endpoint]="$(median "$endpoint" 4)"
    printf '  %-24s %10.0f %12.0f\n' "$endpoint" "${med[$endpoint]}" "${cpu[$endpoint]}"
done

# ratio <a> <b> <target> <label>: the median over the rounds of a/b, each
# round's pair measured seconds apart (the verdict is on this one), then the
# ratio of the two medians. A target "<x" means "a costs at most x": 1 - a/b <= x.
ratio() {
    local a="$1" b="$2" target="$3" what="$4"
    [ -n "${med[$a]:-}" ] && [ -n "${med[$b]:-}" ] || return 0
    awk -v a="$a" -v b="$b" -v t="$target" -v w="$what" '
        $2 == a { va[$1] = $3 }
        $2 == b { vb[$1] = $3 }
        END {
            n = 0
            for (r in va) if ((r in vb) && vb[r] > 0) r_[++n] = va[r] / vb[r]
            # insertion sort, then the median
            for (i = 2; i <= n; i++) { x = r_[i]; for (j = i - 1; j > 0 && r_[j] > x; j--) r_[j + 1] = r_[j]; r_[j + 1] = x }
            m = (n % 2) ? r_[(n + 1) / 2] : (r_[n / 2] + r_[n / 2 + 1]) / 2
            if (t == "") verdict = ""
            else if (substr(t, 1, 1) == "<") verdict = (1 - m <= substr(t, 2) + 0) ? "met" : "MISSED"
            else verdict = (m >= t + 0) ? "met" : "MISSED"
            printf "  %-22s / %-22s %7.3f [%5.3f-%5.3f]   %-32s %s\n", a, b, m, r_[1], r_[n], w, verdict
        }' "$results"
}
echo
echo "ratios: median over the rounds of each round's ratio [lowest-highest round]"
ratio hs256-cache plain@hs256 0.92 "HS256 default (cache on) >= 0.92"
ratio hs256-cache handwritten/hs256 1.15 "HS256 default (cache on) >= 1.15"
ratio hs256 plain@hs256 0.92 "HS256 cache off >= 0.92"
ratio hs256 handwritten/hs256 1.15 "HS256 cache off >= 1.15"
ratio hs256-cache hs256 "" "(cache gain, HS256)"
ratio handwritten/hs256 plain@hs256 "" "(hand-written HS256)"
ratio hs256-cache hs256-cache-unchecked "<0.03" "revocation check costs <= 3%"
ratio rs256-cache plain@rs256 0.85 "RS256 cache on >= 0.85"
ratio rs256-cache rs256 5 "RS256 cache gain >= 5"
ratio rs256 plain@rs256 "" "(RS256, cache off)"
ratio rs256 handwritten/rs256 "" "(RS256, cache off)"
ratio rs256-cache rs256-cache-unchecked "<0.03" "revocation check costs <= 3%"
ratio es256-cache plain@es256 0.85 "ES256 cache on >= 0.85"
ratio es256-cache es256 5 "ES256 cache gain >= 5"
ratio eddsa-cache plain@eddsa 0.85 "EdDSA cache on >= 0.85"
ratio eddsa-cache eddsa 5 "EdDSA cache gain >= 5"
