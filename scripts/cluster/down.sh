#!/usr/bin/env bash
# npm run cluster:down — stops exactly the processes cluster:up recorded (and the PostgreSQL servers their
# Patroni agents started, found through their data folders' postmaster.pid), then removes the data unless
# CLUSTER_KEEP_DATA=1.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
set +e
stop_pid() { # name pid — TERM, then KILL after 15 s
  local name=$1 pid=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "$name (pid $pid) did not stop; SIGKILL"
  kill -KILL "$pid" 2>/dev/null
}
postmaster_pid() { head -1 "$CLUSTER_DIR/pg$1/data/postmaster.pid" 2>/dev/null; }
# Paygrid first (so nothing reconnects), then the front, then the engines; epmd last.
order=(api1 api2 worker1 worker2 sandbox haproxy patroni1 patroni2 patroni3 etcd rabbit1 rabbit2 rabbit3 epmd)
for name in "${order[@]}"; do
  f="$RUN/$name.pid"
  [ -f "$f" ] || continue
  case $name in
    patroni*)
      i=${name#patroni}
      pm=$(postmaster_pid "$i")
      stop_pid "$name" "$(cat "$f")"
      # Patroni stops its PostgreSQL on TERM; a postmaster left behind (agent killed by a drill) is stopped here.
      [ -n "$pm" ] && [ -f "$CLUSTER_DIR/pg$i/data/postmaster.pid" ] && stop_pid "postgres$i" "$pm"
      ;;
    rabbit*)
      i=${name#rabbit}
      # rabbitmq-server's script runs the Erlang VM as its child: stop the node through its own pid file.
      vm=$(cat "$CLUSTER_DIR/rabbit$i/rabbit.pid" 2>/dev/null)
      stop_pid "$name" "$(cat "$f")"
      [ -n "$vm" ] && stop_pid "rabbit$i VM" "$vm"
      ;;
    *) stop_pid "$name" "$(cat "$f")" ;;
  esac
  rm -f "$f"
done
# A PostgreSQL that a drill-restarted Patroni launched and outlived it.
for i in 1 2 3; do
  pm=$(postmaster_pid "$i")
  [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null && grep -q "$CLUSTER_DIR/pg$i/data" "/proc/$pm/cmdline" 2>/dev/null && stop_pid "postgres$i" "$pm"
done
if [ "${CLUSTER_KEEP_DATA:-0}" != 1 ] && [ -d "$CLUSTER_DIR" ]; then
  find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name 'cluster-drill.json' ! -name log -exec rm -rf {} +
fi
log "down"
