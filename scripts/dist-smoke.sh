#!/usr/bin/env bash
# The compiled build (what the Docker image runs): `node dist/src/main.js`
# boots against the configured PostgreSQL and answers /health/ready.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/src/main.js ] || npm run build
db="paygrid_dist_smoke_$$"
psql "${DATABASE_URL}" -qc "CREATE DATABASE ${db}" >/dev/null
url="$(node -e "const u=new URL(process.env.DATABASE_URL);u.pathname='/${db}';console.log(u.toString())")"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log="$(mktemp)"
DATABASE_URL="$url" PORT="$port" HOST=127.0.0.1 PAYGRID_DATA_DIR="$(mktemp -d)" LOG_LEVEL=warn PAYGRID_DEMO_SEED=false node dist/src/main.js >"$log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
psql "${DATABASE_URL}" -qc "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null
if [ "$ok" != 1 ]; then cat "$log"; echo "dist build did not become ready"; exit 1; fi
echo "dist smoke test passed"
