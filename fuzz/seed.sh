#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/) and dictionaries (fuzz/dicts/) from the
# repository's own files: fixtures/, examples/mappings, examples/data, benches/data, the small
# hand-made seeds in fuzz/seeds/<target>/. Idempotent: seed files are named by content, so a
# rerun adds nothing twice and keeps what the fuzzers found. Needs python3.
set -euo pipefail
cd "$(dirname "$0")"
command -v python3 >/dev/null || { echo "seed.sh needs python3" >&2; exit 1; }

python3 - <<'PY'
import csv, glob, hashlib, hmac, io, json, os, re, urllib.parse

ROOT = ".."
seeded = {}

def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(f"corpus/{target}", exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(data)
    seeded[target] = seeded.get(target, 0) + 1

def read(path):
    with open(path, "rb") as f:
        return f.read()

def files(*patterns):
    return sorted(p for pat in patterns for p in glob.glob(os.path.join(ROOT, pat), recursive=True))

# Hand-made seeds, committed beside this script.
for target_dir in sorted(glob.glob("seeds/*")):
    for path in sorted(glob.glob(target_dir + "/*")):
        seed(os.path.basename(target_dir), read(path))

# Mapping documents: the repository's mappings, and the JSON blocks of the mapping guide that
# are mapping documents.
mappings = [read(p) for p in files("examples/mappings/*.json", "benches/data/*mapping*.json")]
for doc in ["docs/mapping.md", "docs/MAPPING.md"]:
    path = os.path.join(ROOT, doc)
    if os.path.exists(path):
        text = read(path).decode()
        for block in re.findall(r"```json\n(.*?)```", text, re.S):
            try:
                value = json.loads(block)
            except ValueError:
                continue
            if isinstance(value, dict) and any(k.endswith("mappings") for k in value):
                mappings.append(block.encode())
for m in mappings:
    seed("mapping_json", m)

# The same documents in TOML (top-level keys, every nested value written inline).
def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items() if x is not None) + " }"
    raise ValueError(v)

def to_toml(doc):
    lines = []
    for key, value in doc.items():
        if value is None:
            continue
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            continue
        lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    for key, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for item in value:
                lines.append(f"\n[[{json.dumps(key)}]]")
                for k, x in item.items():
                    if x is not None:
                        lines.append(f"{json.dumps(k)} = {toml_value(x)}")
    return "\n".join(lines) + "\n"

for m in mappings:
    seed("mapping_toml", to_toml(json.loads(m)))

# Records: the PIM export's rows as JSON objects (the separator its header uses), and the
# fulfillment requests.
catalogs = files("examples/data/*.csv")
records = []
for path in catalogs:
    text = read(path).decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    for row in csv.DictReader(io.StringIO(text), delimiter=delimiter):
        records.append({k: v for k, v in row.items() if k is not None and v})
for path in files("examples/data/*.json"):
    value = json.loads(read(path))
    records.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict))
for r in records:
    seed("mapping_apply", json.dumps(r, ensure_ascii=False))

# Sources: the CSV export whole, its first rows, and its rows as NDJSON; fixtures as NDJSON.
for path in catalogs:
    data = read(path)
    seed("csv_source", data)
    seed("csv_source", b"\n".join(data.split(b"\n")[:6]))
lines = [json.dumps(r, ensure_ascii=False) for r in records]
seed("ndjson_source", "\n".join(lines[:20]) + "\n")
seed("ndjson_source", "\n".join(lines[20:40]) + "\n")
for path in files("fixtures/**/webhook_payload/*.json"):
    seed("ndjson_source", json.dumps(json.loads(read(path))) + "\n" + json.dumps(records[0]) + "\n")

# eCom webhooks: the fixtures' webhook bodies with the headers eCom sends, signed with the
# target's secret ("app-secret").
for path in files("fixtures/ecom/**/webhook-*.json", "fixtures/ecom/product/*.json"):
    body = read(path)
    value = json.loads(body)
    key = next(iter(value)) if isinstance(value, dict) and value else "product"
    record_id = value.get(key, {}).get("id", 1) if isinstance(value.get(key), dict) else 1
    group = key + "s"
    m = re.search(r"webhook-(\w+)-(\w+)\.json$", path)
    action = m.group(2) if m else "updated"
    signature = hashlib.md5(body + b"app-secret").hexdigest()
    headers = (
        f"x-event: {group}/{action}\nx-shop-id: 356891\nx-cluster-id: eu1\nx-language: nl\n"
        f"x-{key}-id: {record_id}\nx-signature: {signature}\n\n"
    )
    seed("ecom_webhook", headers.encode() + body)

# X-Series webhooks: each fixture payload as the form X-Series posts, signed with the target's
# client secret ("client-secret") over the raw body, hex.
for path in files("fixtures/xseries/webhook_payload/*.json"):
    kind = os.path.basename(path)[: -len(".json")]
    payload = json.dumps(json.loads(read(path)), separators=(",", ":"))
    body = urllib.parse.urlencode(
        [("type", kind), ("payload", payload), ("domain_prefix", "mystore"), ("environment", "prod")]
    ).encode()
    digest = hmac.new(b"client-secret", body, hashlib.sha256).hexdigest()
    headers = f"x-signature: signature={digest},algorithm=HMAC-SHA256\ntype: {kind}\n\n"
    seed("xseries_webhook", headers.encode() + body)

# Dictionaries: the mappings' keys and words, for the JSON and TOML readers and the records.
os.makedirs("dicts", exist_ok=True)
words = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            words.add(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
    elif isinstance(v, str):
        words.add(v)
for m in mappings:
    walk(json.loads(m))
words = sorted(w for w in words if 0 < len(w) <= 40)
def quoted(s):
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "".join(f"\\x{b:02x}" for b in c.encode()) for c in s) + '"'
with open("dicts/mapping.dict", "w") as f:
    for w in words:
        f.write(quoted(w) + "\n")
        f.write(quoted('"' + w + '"') + "\n")
    for token in ["{", "}", "[", "]", ":", ",", "=", "[[", "]]", "\n", "true", "false", "null",
                  "\ufeff", "\\u0000", "1e999", "-0", "0.5", '"""']:
        f.write(quoted(token) + "\n")

for target in sorted(seeded):
    print(f"{target}: {seeded[target]} seeds")
PY
