#!/usr/bin/env bash
# Builds the fuzz targets and runs each one in turn for SECONDS_PER_TARGET (default 60), with
# the corpora seeded from the repository (seed.sh) on first use. Prints the executions of each
# target and the total; exits non-zero when a target crashed, panicked or hung (the input is
# in fuzz/artifacts/<target>/, the output in fuzz/logs/<target>.log).
#
#   fuzz/run.sh                      # every target, 60 s each
#   fuzz/run.sh 600 mapping_apply    # one target, 10 minutes
#   FUZZ_SANITIZER=address fuzz/run.sh 30   # with AddressSanitizer (slower; the code is safe Rust)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on the stable toolchain through
# RUSTC_BOOTSTRAP=1. Extra libFuzzer flags can be given in FUZZ_ARGS.
set -uo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1

seconds="${1:-60}"
shift || true
case "$seconds" in
'' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
sanitizer="${FUZZ_SANITIZER:-none}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

if [ ! -d corpus ]; then
    ./seed.sh || echo "warning: no seed corpus (seed.sh failed); the fuzzers start from nothing" >&2
fi

mkdir -p logs
echo "==> building ${#targets[@]} fuzz target(s) (sanitizer: $sanitizer)"
# `cargo fuzz build` builds one target, or all of them.
build=()
[ "${#targets[@]}" -eq 1 ] && build=("${targets[0]}")
if ! cargo fuzz build -s "$sanitizer" "${build[@]}" >logs/build.log 2>&1; then
    tail -40 logs/build.log >&2
    exit 2
fi

total=0
failed=()
for target in "${targets[@]}"; do
    dict=()
    case "$target" in
    mapping_*) [ -f dicts/mapping.dict ] && dict=(-dict=dicts/mapping.dict) ;;
    esac
    log="logs/$target.log"
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
    cargo fuzz run -s "$sanitizer" "$target" -- \
        -max_total_time="$seconds" -timeout=10 -max_len=4096 -print_final_stats=1 "${dict[@]}" ${FUZZ_ARGS:-} \
        >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    runs="${runs:-0}"
    total=$((total + runs))
    if [ "$status" -eq 0 ]; then
        printf '%-18s %12s executions\n' "$target" "$runs"
    else
        printf '%-18s %12s executions  FAILED (exit %s, see fuzz/%s)\n' "$target" "$runs" "$status" "$log"
        grep -m1 -E "panicked at|ERROR: libFuzzer|==ERROR" "$log" | sed 's/^/    /'
        grep -m1 -E "Test unit written to" "$log" | sed 's/^/    /'
        failed+=("$target")
    fi
done
printf '%-18s %12s executions\n' "total" "$total"

if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashed: ${failed[*]}" >&2
    exit 1
fi
