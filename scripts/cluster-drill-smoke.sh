#!/usr/bin/env bash
# CI's short cluster drill: the scale-out topology of `npm run cluster:up` (3 RabbitMQ nodes, Patroni + etcd,
# HAProxy, 2 API processes, 2 workers; compiled build from `npm run build`) in a temporary folder on free ports,
# then three faults under a modest load: an API replica killed, the PostgreSQL primary lost (Patroni promotes
# the synchronous standby), the RabbitMQ node leading the webhooks queue killed. The drill exits 1 when any
# accepted payment is missing, a paid one did not succeed, a ledger posting is missing or doubled, the trial
# balance is not zero, an event stayed unpublished, a webhook was lost, or the API answered a 500 or a 503
# without Retry-After. Recovery times are printed, not judged (the machine is shared). The full drill, at the
# sustainable rate and with every scenario, is docs/scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# A base with all of base … base+99 free (the topology's ports, env.sh); chosen at random so two runs on one
# machine do not collide.
free_base() {
  local used
  used=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
  for _ in $(seq 1 50); do
    local b=$(((RANDOM % 200 + 200) * 100)) clash=0 # 20000 … 39900
    for p in $used; do
      if [ "$p" -ge "$b" ] && [ "$p" -le $((b + 99)) ]; then
        clash=1
        break
      fi
    done
    [ $clash = 0 ] && echo "$b" && return 0
  done
  return 1
}

work=$(mktemp -d)
chmod 755 "$work" # the Patroni agents run PostgreSQL as the postgres user, which must reach its folders
export CLUSTER_DIR="$work/cluster" CLUSTER_PORT_BASE
CLUSTER_PORT_BASE=$(free_base)
mkdir -p "$CLUSTER_DIR"
cleanup() {
  local rc=$?
  if [ $rc != 0 ]; then
    echo "cluster drill failed (rc $rc); the last lines of each log:"
    for f in "$CLUSTER_DIR"/log/*.log; do
      [ -f "$f" ] || continue
      echo "--- $f"
      tail -n 15 "$f"
    done
  fi
  bash scripts/cluster/down.sh || true
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

echo "cluster in $CLUSTER_DIR, ports $CLUSTER_PORT_BASE-$((CLUSTER_PORT_BASE + 99))"
CLUSTER_SKIP_BUILD=1 bash scripts/cluster/up.sh
CLUSTER_DRILL_RATE="${CLUSTER_DRILL_RATE:-10}" CLUSTER_DRILL_OUTAGE_S=8 CLUSTER_DRILL_REPLICA_DOWN_S=8 CLUSTER_DRILL_HOLD_S=6 \
  CLUSTER_DRILL_SCENARIOS=api-replica-kill,postgres-primary-loss,rabbitmq-node-kill \
  node -r @swc-node/register scripts/cluster/drill.ts
