#!/usr/bin/env bash
# Runs every fuzz target in turn (cargo-fuzz / libFuzzer), each for
# FUZZ_SECONDS (default 600), one process at a time, and prints the
# executions per target. Seeds come from fuzz/seeds/; the growing corpus
# stays in fuzz/corpus/ and crashes in fuzz/artifacts/ (both ignored by git).
#
#   scripts/fuzz.sh                     # every target, 10 minutes each
#   FUZZ_SECONDS=20 scripts/fuzz.sh     # a smoke pass
#   scripts/fuzz.sh decode_token        # some targets only
#
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets a stable
# toolchain build them. A crash stops the run with libFuzzer's report.
# Leak detection is off: the targets build their application once and keep
# it for the whole run.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
seconds="${FUZZ_SECONDS:-600}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build -O
mkdir -p logs
summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "== $target (${seconds}s)"
    log="logs/$target.log"
    status=0
    cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -jobs=1 -workers=1 -detect_leaks=0 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1 || status=$?
    # With -jobs, libFuzzer writes the worker's output to fuzz-0.log.
    if [ -f fuzz-0.log ]; then
        cat fuzz-0.log >>"$log"
        rm -f fuzz-0.log
    fi
    if [ "$status" -ne 0 ] || grep -q -E "^==[0-9]+== ERROR|panicked at|Test unit written" "$log"; then
        tail -n 40 "$log"
        echo "$target: FAILED (log: fuzz/$log)" >&2
        exit 1
    fi
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -n 1)
    summary+=("$target: ${runs:-?} executions in ${seconds}s")
done
echo "== executions"
printf '%s\n' "${summary[@]}"
