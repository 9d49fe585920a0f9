# Shared by up.sh, down.sh and the drill: where the local cluster lives and which ports it uses.
# Every port is in CLUSTER_PORT_BASE … +99 (default 43000-43099) and binds to 127.0.0.1 only.
set -Eeuo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="${CLUSTER_DIR:-$REPO_ROOT/.data/cluster}"
B="${CLUSTER_PORT_BASE:-43000}"
EPMD_PORT=$((B + 0))
RABBIT_AMQP_PORT() { echo $((B + 10 + $1)); }  # 43011-43013
RABBIT_DIST_PORT() { echo $((B + 20 + $1)); }  # 43021-43023
RABBIT_MGMT_PORT() { echo $((B + 30 + $1)); }  # 43031-43033
RABBIT_CTL_DIST_MIN=$((B + 25))
RABBIT_CTL_DIST_MAX=$((B + 29))
ETCD_CLIENT_PORT=$((B + 40))
ETCD_PEER_PORT=$((B + 41))
PATRONI_PORT() { echo $((B + 50 + $1)); }      # 43051-43053
PG_PORT() { echo $((B + 60 + $1)); }           # 43061-43063
HAPROXY_PG_PRIMARY_PORT=$((B + 70))
HAPROXY_PG_REPLICA_PORT=$((B + 71))
HAPROXY_STATS_PORT=$((B + 79))
HAPROXY_API_PORT=$((B + 80))
API_PORT() { echo $((B + 80 + $1)); }          # 43081-43082
SANDBOX_PORT=$((B + 90))
RABBIT_NODE() { echo "paygrid-rabbit-$1@localhost"; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
RUN="$CLUSTER_DIR/run"
LOGS="$CLUSTER_DIR/log"
EPMD_BIN="$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1 || true)"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Runs "$@" with the environment of RabbitMQ node $1: own name, ports, folders, cookie (HOME) and epmd.
with_rabbit_env() {
  local i=$1 d="$CLUSTER_DIR/rabbit$1"
  shift
  (
    export HOME="$CLUSTER_DIR/rabbit-home" ERL_EPMD_PORT="$EPMD_PORT" \
      RABBITMQ_NODENAME="$(RABBIT_NODE "$i")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT="$(RABBIT_AMQP_PORT "$i")" RABBITMQ_DIST_PORT="$(RABBIT_DIST_PORT "$i")" \
      RABBITMQ_CTL_DIST_PORT_MIN="$RABBIT_CTL_DIST_MIN" RABBITMQ_CTL_DIST_PORT_MAX="$RABBIT_CTL_DIST_MAX" \
      RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_CONFIG_FILE="$d/rabbitmq" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" RABBITMQ_PID_FILE="$d/rabbit.pid" \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    exec "$@"
  )
}
rabbitctl() {
  local i=$1
  shift
  with_rabbit_env "$i" /usr/lib/rabbitmq/bin/rabbitmqctl -n "$(RABBIT_NODE "$i")" "$@"
}
patronictl_() { patronictl -c "$CLUSTER_DIR/pg1/patroni.yml" "$@"; }

# Records a started process: down.sh stops exactly these pids.
record() { echo "$2" >"$RUN/$1.pid"; }
alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
wait_for() {
  local what=$1 deadline=$(($(date +%s) + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out waiting for $what"
      return 1
    fi
    sleep 0.5
  done
}
