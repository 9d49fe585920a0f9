#!/usr/bin/env bash
# A clean clone with no environment at all boots with `npm start` (embedded
# PostgreSQL, in-process bus, sandbox providers) and serves /health/ready.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
# mktemp makes a private (700) folder; as root the embedded PostgreSQL runs as the
# postgres user, who must be able to enter it, like any ordinary checkout.
chmod 755 "$dir"
git clone -q . "$dir/paygrid"
cp -r node_modules "$dir/paygrid/node_modules"   # same lock file; npm ci already ran once in this job
cd "$dir/paygrid"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
pgport=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log="$dir/boot.log"
# Its own process group (setsid), so the stop below reaches npm, node and the embedded PostgreSQL together:
# killing npm alone left the server and its database running after CI.
setsid env -i PATH="$PATH" HOME="$HOME" PORT="$port" EMBEDDED_POSTGRES_PORT="$pgport" npm start >"$log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM -- "-$pid" 2>/dev/null || true
# A graceful stop drains and stops the embedded PostgreSQL; give it 30 s, then make sure nothing is left.
for _ in $(seq 1 60); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
left=0
kill -0 -- "-$pid" 2>/dev/null && left=1
kill -KILL -- "-$pid" 2>/dev/null || true
pkill -KILL -f "$dir/paygrid/.data/pg" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ "$ok" != 1 ]; then cat "$log"; echo "npm start did not become ready"; exit 1; fi
if [ "$left" = 1 ]; then tail -20 "$log"; echo "npm start did not stop within 30 s of SIGTERM"; exit 1; fi
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && { echo "the server still answers after its stop"; exit 1; }
echo "zero-install boot passed (and stopped: nothing left running)"
