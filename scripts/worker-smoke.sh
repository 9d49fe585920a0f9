#!/usr/bin/env bash
# The worker entrypoint boots with no HTTP server against the configured
# PostgreSQL and RabbitMQ, reports started, and stops cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
db="paygrid_worker_smoke_$$"
psql "${DATABASE_URL}" -qc "CREATE DATABASE ${db}" >/dev/null
url="$(node -e "const u=new URL(process.env.DATABASE_URL);u.pathname='/${db}';console.log(u.toString())")"
log="$(mktemp)"
DATABASE_URL="$url" PAYGRID_DATA_DIR="$(mktemp -d)" LOG_LEVEL=warn node -r @swc-node/register src/worker.ts >"$log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 120); do
  if grep -q "Paygrid worker started" "$log"; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
psql "${DATABASE_URL}" -qc "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null
if [ "$ok" != 1 ]; then cat "$log"; echo "worker did not start"; exit 1; fi
if ss -ltnp 2>/dev/null | grep -q "pid=$pid,"; then echo "worker opened a listening socket"; exit 1; fi
echo "worker smoke test passed"
