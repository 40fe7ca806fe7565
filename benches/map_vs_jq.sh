#!/usr/bin/env bash
# The `map` example against jq running the same mapping (the integration guide's: copy the
# name, strip HTML from the description, format the price with a thousands separator, nest the
# image), end to end on the same NDJSON file. Prints records per second and the ratio.
#
#   benches/map_vs_jq.sh [RECORDS]     (default 100000; installs jq if it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-100000}"

if ! command -v jq >/dev/null; then
    echo "jq is missing; installing it" >&2
    if command -v apt-get >/dev/null; then
        (sudo apt-get install -y jq || apt-get install -y jq) >/dev/null
    elif command -v brew >/dev/null; then
        brew install jq >/dev/null
    else
        echo "install jq (https://jqlang.org) and run this again" >&2
        exit 1
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p lightspeed-benches --example gen_records
cargo build -q --release -p lightspeed-mapping --example map
target/release/examples/gen_records "$records" > "$work/records.ndjson"

cat > "$work/guide.jq" <<'JQ'
def strip_html:
  gsub("<[^>]*>"; "") | gsub("&amp;"; "&") | gsub("&lt;"; "<") | gsub("&gt;"; ">")
  | gsub("\\s+"; " ") | sub("^ "; "") | sub(" $"; "");
def group3:
  tostring | explode | reverse | [range(0; length; 3) as $i | .[$i:$i + 3] | reverse | implode]
  | reverse | join(",");
def format_price:
  (tonumber * 100 | round) as $cents
  | (($cents / 100) | floor) as $units
  | ($cents - $units * 100 | tostring | if length < 2 then "0" + . else . end) as $frac
  | "\($units | group3).\($frac)";
{key: .sku, fields: {title: .name, description: (.description | strip_html), price: (.price | format_price), images: [{src: .image_url}]}}
JQ

seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc -l; }

ours=$(seconds sh -c "target/release/examples/map benches/data/guide-mapping.json < '$work/records.ndjson'")
theirs=$(seconds sh -c "jq -c -f '$work/guide.jq' < '$work/records.ndjson'")

# Both produce the same records (compared on the first line).
head -1 "$work/records.ndjson" | target/release/examples/map benches/data/guide-mapping.json
head -1 "$work/records.ndjson" | jq -c -f "$work/guide.jq"

printf 'map example: %.0f records/s (%.2f s)\n' "$(echo "$records / $ours" | bc -l)" "$ours"
printf 'jq:          %.0f records/s (%.2f s)\n' "$(echo "$records / $theirs" | bc -l)" "$theirs"
printf 'ratio:       %.1fx\n' "$(echo "$theirs / $ours" | bc -l)"
