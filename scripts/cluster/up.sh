#!/usr/bin/env bash
# npm run cluster:up — the scale-out topology as local processes (no Docker), under $CLUSTER_DIR:
#   RabbitMQ: 3 clustered nodes (own epmd, names, ports, cookie), Paygrid's quorum queues on all three
#   PostgreSQL: etcd + 3 Patroni agents (1 primary, 2 replicas, synchronous_mode, ttl 10)
#   HAProxy: PostgreSQL primary (Patroni REST /primary), replicas (/replica), the two APIs
#   Paygrid: 2 API processes, 2 workers, the simulators process (compiled build, dist/)
# Every pid is recorded in $CLUSTER_DIR/run; `npm run cluster:down` stops exactly those.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

install_packages() {
  local missing=()
  command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  command -v patroni >/dev/null || missing+=(patroni python3-etcd python3-psycopg2)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ -n "$PG_BIN" ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$LOGS/apt.log"
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  # Debian starts the packaged services on install where it can; this topology runs its own instances only.
}

start_bg() { # name logfile cmd… — starts in the background, records the pid
  local name=$1 logfile=$2
  shift 2
  nohup "$@" >>"$logfile" 2>&1 </dev/null &
  record "$name" $!
}

start_rabbit_node() {
  with_rabbit_env "$1" nohup /usr/lib/rabbitmq/bin/rabbitmq-server >>"$LOGS/rabbit$1.log" 2>&1 </dev/null &
  record "rabbit$1" $!
}

start_rabbit() {
  mkdir -p "$CLUSTER_DIR/rabbit-home"
  local cookie="$CLUSTER_DIR/rabbit-home/.erlang.cookie"
  [ -f "$cookie" ] || (head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9 >"$cookie")
  chmod 400 "$cookie"
  start_bg epmd "$LOGS/epmd.log" "$EPMD_BIN" -port "$EPMD_PORT" -address 127.0.0.1
  for i in 1 2 3; do
    local d="$CLUSTER_DIR/rabbit$i"
    mkdir -p "$d/mnesia" "$d/log"
    cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$(RABBIT_AMQP_PORT "$i")
# A node cut off from the majority stops serving instead of diverging (quorum queues need a majority anyway).
cluster_partition_handling = pause_minority
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = $(RABBIT_NODE 1)
cluster_formation.classic_config.nodes.2 = $(RABBIT_NODE 2)
cluster_formation.classic_config.nodes.3 = $(RABBIT_NODE 3)
log.console = false
log.file.level = warning
vm_memory_high_watermark.relative = 0.1
CONF
    echo "[]." >"$d/enabled_plugins"
    # CLUSTER_RABBIT_MANAGEMENT=1: the management UI on 43031-43033 (off by default: it costs each node CPU).
    if [ "${CLUSTER_RABBIT_MANAGEMENT:-0}" = 1 ]; then
      echo "[rabbitmq_management]." >"$d/enabled_plugins"
      printf 'management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n' "$(RABBIT_MGMT_PORT "$i")" >>"$d/rabbitmq.conf"
    fi
    start_rabbit_node "$i"
  done
  for i in 1 2 3; do
    wait_for "RabbitMQ node $i" 120 rabbitctl "$i" await_startup
  done
  # Nodes that booted together form one cluster through classic_config; a node that came up alone is joined here.
  for i in 2 3; do
    if ! rabbitctl 1 cluster_status --formatter json | grep -q "$(RABBIT_NODE "$i")"; then
      rabbitctl "$i" stop_app && rabbitctl "$i" join_cluster "$(RABBIT_NODE 1)" && rabbitctl "$i" start_app
    fi
  done
  # Production topology: the exchange and queues are declared by Paygrid itself (durable topic exchange,
  # quorum queues with a delivery limit and dead-letter exchange); the policy spreads new quorum queue
  # leaders over the nodes and keeps dead-letter queues bounded.
  rabbitctl 1 set_policy --apply-to queues paygrid-dlq '^paygrid\..*\.dlq$' '{"max-length":1000000}' >/dev/null
  log "RabbitMQ cluster up: $(rabbitctl 1 cluster_status --formatter json | python3 -c 'import json,sys; print(", ".join(json.load(sys.stdin)["running_nodes"]))')"
}

start_etcd() {
  mkdir -p "$CLUSTER_DIR/etcd"
  start_bg etcd "$LOGS/etcd.log" etcd --name e1 --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e1=http://127.0.0.1:$ETCD_PEER_PORT" --enable-v2=true --log-level warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
}

start_patroni_node() {
  # setpriv execs: the recorded pid is Patroni's own (PostgreSQL refuses to run as root).
  start_bg "patroni$1" "$LOGS/patroni$1.log" setpriv --reuid=postgres --regid=postgres --init-groups \
    patroni "$CLUSTER_DIR/pg$1/patroni.yml"
}

start_patroni() {
  chmod 755 "$CLUSTER_DIR"
  for i in 1 2 3; do
    local d="$CLUSTER_DIR/pg$i"
    mkdir -p "$d"
    cat >"$d/patroni.yml" <<YML
scope: paygrid
name: pg$i
log: { level: WARNING }
restapi:
  listen: 127.0.0.1:$(PATRONI_PORT "$i")
  connect_address: 127.0.0.1:$(PATRONI_PORT "$i")
etcd:
  host: 127.0.0.1:$ETCD_CLIENT_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    # A commit is acknowledged only once a synchronous standby has it: losing the primary loses no answered write.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 300
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        shared_buffers: 128MB
  initdb: [{ encoding: UTF8 }, data-checksums]
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(PG_PORT "$i")
  connect_address: 127.0.0.1:$(PG_PORT "$i")
  data_dir: $d/data
  bin_dir: $PG_BIN
  pgpass: $d/pgpass
  authentication:
    replication: { username: replicator, password: replicator }
    superuser: { username: postgres, password: postgres }
  parameters:
    unix_socket_directories: $d
YML
    chown -R postgres:postgres "$d"
    chmod 700 "$d"
    chmod 755 "$d"
    start_patroni_node "$i"
    [ "$i" = 1 ] && wait_for "the first Patroni primary" 90 curl -fsS "http://127.0.0.1:$(PATRONI_PORT 1)/primary"
  done
  wait_for "a synchronous standby" 120 bash -c "patronictl -c '$CLUSTER_DIR/pg1/patroni.yml' list -f json | grep -q 'Sync Standby'"
  wait_for "both replicas streaming" 120 bash -c "[ \$(patronictl -c '$CLUSTER_DIR/pg1/patroni.yml' list -f json | grep -o '\"State\": \"\\(streaming\\|running\\)\"' | wc -l) -ge 3 ]"
  patronictl_ list >&2
}

start_haproxy() {
  local cfg="$CLUSTER_DIR/haproxy.cfg"
  # When no API replica is up, HAProxy itself answers 503 in the API's error shape, with Retry-After.
  printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{"error":{"type":"api_error","code":"service_unavailable","message":"No API replica is available; retry later"}}\n' >"$CLUSTER_DIR/api-503.http"
  {
    cat <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 3s
  timeout client 30m
  timeout server 30m
  timeout check 2s
listen stats
  mode http
  bind 127.0.0.1:$HAPROXY_STATS_PORT
  stats enable
  stats uri /
# The primary: Patroni's REST API answers 200 on /primary only on the leader; on a switch the old
# primary's sessions are cut so clients reconnect to the new one.
listen pg-primary
  bind 127.0.0.1:$HAPROXY_PG_PRIMARY_PORT
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for i in 1 2 3; do echo "  server pg$i 127.0.0.1:$(PG_PORT "$i") maxconn 250 check port $(PATRONI_PORT "$i")"; done
    cat <<CFG
# Replicas for read-only traffic that may lag (/replica answers 200 on a running standby).
listen pg-replicas
  bind 127.0.0.1:$HAPROXY_PG_REPLICA_PORT
  balance roundrobin
  option httpchk GET /replica
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
CFG
    for i in 1 2 3; do echo "  server pg$i 127.0.0.1:$(PG_PORT "$i") maxconn 250 check port $(PATRONI_PORT "$i")"; done
    cat <<CFG
# The API replicas. A request that could not reach a server (connection refused) is sent to the other;
# nothing else is retried here: the SDK retries with the same idempotency key.
listen api
  mode http
  bind 127.0.0.1:$HAPROXY_API_PORT
  balance roundrobin
  option httpchk GET /health/live
  option redispatch
  retries 3
  retry-on conn-failure
  timeout client 60s
  timeout server 60s
  timeout check 5s
  errorfile 503 $CLUSTER_DIR/api-503.http
  # A busy replica answers its liveness check late; only a dead one (refused, 3 misses) leaves the pool.
  default-server inter 1s fall 3 rise 1
CFG
    for i in 1 2; do echo "  server api$i 127.0.0.1:$(API_PORT "$i") check"; done
  } >"$cfg"
  haproxy -c -q -f "$cfg"
  start_bg haproxy "$LOGS/haproxy.log" haproxy -db -f "$cfg"
  wait_for "HAProxy's PostgreSQL primary port" 30 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$HAPROXY_PG_PRIMARY_PORT"
}

paygrid_env() {
  local envfile="$CLUSTER_DIR/paygrid.env"
  if [ ! -f "$envfile" ]; then
    umask 077
    cat >"$envfile" <<ENV
NODE_ENV=production
LOG_LEVEL=warn
HOST=127.0.0.1
DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$HAPROXY_PG_PRIMARY_PORT/paygrid
DATABASE_POOL_SIZE=20
AMQP_URLS=amqp://guest:guest@127.0.0.1:$(RABBIT_AMQP_PORT 1)?heartbeat=5,amqp://guest:guest@127.0.0.1:$(RABBIT_AMQP_PORT 2)?heartbeat=5,amqp://guest:guest@127.0.0.1:$(RABBIT_AMQP_PORT 3)?heartbeat=5
EVENTS_NAMESPACE=paygrid
PAYGRID_MODE=sandbox
PAYGRID_DATA_DIR=$CLUSTER_DIR/paygrid-data
PAYGRID_DATA_KEYS=c1:$(head -c 32 /dev/urandom | base64)
PAYGRID_ADMIN_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)
PAYGRID_DEMO_SEED=false
PUBLIC_BASE_URL=http://127.0.0.1:$HAPROXY_API_PORT
SANDBOX_URL=http://127.0.0.1:$SANDBOX_PORT
SANDBOX_PORT=$SANDBOX_PORT
RATE_LIMIT_PER_MINUTE=10000000
# Two API replicas of one process each (the topology's two boxes); in production the default is one per core.
PAYGRID_API_PROCESSES=${CLUSTER_API_PROCESSES:-1}
# The simulators retry callbacks on the providers' schedules divided by this (4 min → 2.4 s).
SANDBOX_TIME_COMPRESSION=100
ENV
    umask 022
  fi
  mkdir -p "$CLUSTER_DIR/paygrid-data"
}

start_node_process() { # name script [VAR=value …]
  local name=$1 script=$2
  shift 2
  (set -a && source "$CLUSTER_DIR/paygrid.env" && set +a && cd "$REPO_ROOT" &&
    exec env "$@" nohup node "$script" >>"$LOGS/$name.log" 2>&1 </dev/null) &
  record "$name" $!
}

start_paygrid() {
  [ "${CLUSTER_SKIP_BUILD:-0}" = 1 ] || (cd "$REPO_ROOT" && npm run -s build)
  paygrid_env
  "$PG_BIN/psql" -q -h 127.0.0.1 -p "$HAPROXY_PG_PRIMARY_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'paygrid'" | grep -q 1 ||
    "$PG_BIN/psql" -q -h 127.0.0.1 -p "$HAPROXY_PG_PRIMARY_PORT" -U postgres -d postgres -c 'CREATE DATABASE paygrid'
  # The first API runs the migrations; the other processes start once the schema is there.
  start_node_process api1 dist/src/main.js PAYGRID_ROLE=api PORT="$(API_PORT 1)" DATABASE_MIGRATIONS_RUN=true
  wait_for "API 1" 120 curl -fsS "http://127.0.0.1:$(API_PORT 1)/health/live"
  start_node_process sandbox dist/src/sandbox.js DATABASE_MIGRATIONS_RUN=false
  wait_for "the simulators" 120 grep -q 'sandbox simulators listening' "$LOGS/sandbox.log"
  start_node_process api2 dist/src/main.js PAYGRID_ROLE=api PORT="$(API_PORT 2)" DATABASE_MIGRATIONS_RUN=false
  for w in 1 2; do start_node_process "worker$w" dist/src/worker.js DATABASE_MIGRATIONS_RUN=false; done
  wait_for "API 2" 120 curl -fsS "http://127.0.0.1:$(API_PORT 2)/health/live"
  for w in 1 2; do wait_for "worker $w" 120 grep -q 'Paygrid worker started' "$LOGS/worker$w.log"; done
  # The workers declare the quorum queues; with all three nodes up each queue has a member on every node.
  wait_for "the webhooks quorum queue" 60 bash -c "source '$REPO_ROOT/scripts/cluster/env.sh'; rabbitctl 1 list_queues name | grep -q '^paygrid.webhooks$'"
  rabbitctl 1 list_queues name type leader members -q >&2 || true
}

mkdir -p "$RUN" "$LOGS"
# One process again (the drill restarts what it killed): up.sh rabbit N | patroni N | api N | worker N
case "${1:-all}" in
  rabbit) start_rabbit_node "$2" && exit 0 ;;
  patroni) start_patroni_node "$2" && exit 0 ;;
  api) start_node_process "api$2" dist/src/main.js PAYGRID_ROLE=api PORT="$(API_PORT "$2")" DATABASE_MIGRATIONS_RUN=false && exit 0 ;;
  haproxy) start_haproxy && exit 0 ;;
  sandbox) start_node_process sandbox dist/src/sandbox.js DATABASE_MIGRATIONS_RUN=false && exit 0 ;;
  worker) start_node_process "worker$2" dist/src/worker.js DATABASE_MIGRATIONS_RUN=false && exit 0 ;;
  all) ;;
  *) log "usage: up.sh [rabbit|patroni|api|worker N | sandbox]" && exit 2 ;;
esac
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  if kill -0 "$(cat "$f")" 2>/dev/null; then
    log "already running ($(basename "$f" .pid) pid $(cat "$f")); run npm run cluster:down first"
    exit 1
  fi
  rm -f "$f"
done
trap 'log "cluster:up failed; stopping what it started (logs in $LOGS)"; CLUSTER_KEEP_DATA=${CLUSTER_KEEP_DATA:-0} "$REPO_ROOT/scripts/cluster/down.sh"' ERR
install_packages
start_rabbit
start_etcd
start_patroni
start_haproxy
start_paygrid
trap - ERR
log "up: API http://127.0.0.1:$HAPROXY_API_PORT (HAProxy → :$(API_PORT 1), :$(API_PORT 2)), PostgreSQL primary 127.0.0.1:$HAPROXY_PG_PRIMARY_PORT, replicas :$HAPROXY_PG_REPLICA_PORT, RabbitMQ :$(RABBIT_AMQP_PORT 1)-$(RABBIT_AMQP_PORT 3), HAProxy stats http://127.0.0.1:$HAPROXY_STATS_PORT; env in $CLUSTER_DIR/paygrid.env"
