#!/usr/bin/env bash
# The chaos suite at large sizes, with a release build: the figures the docs publish.
#
#   examples/chaos.sh catalog      # 10,000 products, killed after 50, 1,000 and 5,000 writes
#   examples/chaos.sh later        # the same with a clean run of 6,000 first, then all, changed
#   examples/chaos.sh fulfillment  # 1,000 requests, killed after 5, 100 and 500 writes
#   examples/chaos.sh regressions  # the three cases of a defect the suite found (fixed), kept as checks
#   examples/chaos.sh all          # catalog, later and fulfillment
#
# Each case prints the chaos example's JSON line and keeps it in target/chaos/<case>.json
# (CHAOS_OUT changes the folder); the data, the state and, when a check fails, the
# emulator's dump are kept in target/chaos/<case>/. Extra arguments go to the chaos command
# (`examples/chaos.sh catalog --seed 2`). Exits non-zero when a case does.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet -p lightspeed-examples --example chaos
chaos=target/release/examples/chaos
out=${CHAOS_OUT:-target/chaos}
mkdir -p "$out"

run() {
    local name=$1
    shift
    rm -rf "${out:?}/$name"
    echo "==> chaos $*" >&2
    local status=0
    "$chaos" "$@" --work "$out/$name" | tee "$out/$name.json" || status=$?
    echo "==> $name: exit $status" >&2
    return "$status"
}

case=${1:-all}
shift || true
status=0
case $case in
    catalog)
        run catalog run --products 10000 --kills 50,1000,5000 --seed 1 "$@" || status=$?
        ;;
    later)
        run later run --products 10000 --kills 50,1000,5000 --seed 1 --later "$@" || status=$?
        ;;
    fulfillment)
        run fulfillment fulfillment --requests 1000 --kills 5,100,500 --seed 1 "$@" || status=$?
        ;;
    regressions)
        run regression-delete run --products 40 --kills 22 --later --concurrency 1 "$@" || status=$?
        run regression-post run --products 40 --seed 2 --kills 21 --later --concurrency 1 "$@" ||
            status=$?
        run regression-cut run --products 100 --seed 4 --kills --later --concurrency 1 \
            --faults truncate=0.3 "$@" || status=$?
        ;;
    all)
        for c in catalog later fulfillment; do
            "$0" "$c" "$@" || status=$?
        done
        ;;
    *)
        echo "usage: $0 [catalog|later|fulfillment|regressions|all] [chaos arguments...]" >&2
        exit 2
        ;;
esac
exit "$status"
