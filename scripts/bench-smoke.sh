#!/usr/bin/env bash
# `npm run bench` works on this clone: a short run (2 s per scenario, create and
# GET only, the build from the CI step before) must print the table with the
# ceilings and ratios and write bench/results/latest.json. No figure is judged
# here: speed is measured, never asserted (bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp)"
BENCH_SECONDS=2 BENCH_CONNECTIONS=8 BENCH_ONLY=create,get BENCH_BUILD=0 npm run -s bench >"$out" 2>&1 || { cat "$out"; echo "npm run bench failed"; exit 1; }
for row in 'ceiling A: raw SQL create rows' 'ceiling B: NestJS echo route' 'signed create-payment' 'signed GET payment' 'peak RSS, API process'; do
  grep -q "^| ${row}" "$out" || { cat "$out"; echo "bench table lacks the row '${row}'"; exit 1; }
done
# The create and GET rows carry their ceiling and a ratio, e.g. "| A 823 | 9 % |".
grep -Eq '^\| signed create-payment.*\| A [0-9,]+ +\| [0-9]+ % ' "$out" || { cat "$out"; echo "create row has no ratio to ceiling A"; exit 1; }
grep -Eq '^\| signed GET payment.*\| B [0-9,]+ +\| [0-9]+ % ' "$out" || { cat "$out"; echo "GET row has no ratio to ceiling B"; exit 1; }
node -e "const j=require('./bench/results/latest.json'); if(!Array.isArray(j.rows)||j.rows.length<5) process.exit(1)" || { echo "bench/results/latest.json is missing or incomplete"; exit 1; }
# The chart beside it: an SVG that parses and draws the create row against its ceiling.
python3 - <<'PY' || { echo "bench/results/latest.svg is missing, malformed or lacks the create bar"; exit 1; }
import xml.etree.ElementTree as E
texts = [t.text or '' for t in E.parse('bench/results/latest.svg').iter('{http://www.w3.org/2000/svg}text')]
assert any(t.startswith('signed create-payment') for t in texts), texts
assert any(t.endswith('req/s)') and ' of ' in t for t in texts), texts
PY
grep -E '^\| (signed|ceiling)' "$out"
echo "bench smoke test passed"
