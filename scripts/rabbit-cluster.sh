#!/usr/bin/env bash
# A 3-node RabbitMQ cluster on this machine, for the chaos tests and bench/soak.py --cluster.
#   scripts/rabbit-cluster.sh start|stop|status [N]|urls|kill N|stop-node N|start-node N|ctl N ARGS
#
# Debian's rabbitmq-server, run directly (not through the wrapper, which switches to the
# rabbitmq user and its environment). Each node has its own name, ports and data folder under
# $CAMCOUNT_CLUSTER_DIR; all share one Erlang cookie through HOME. The machine's own node
# (5672/25672, /etc/rabbitmq) is left alone: our nodes read no file under /etc/rabbitmq.
# Memory is kept small (one scheduler, low watermark, no management plugin): the machine is shared.
# Ports: AMQP 5781..5783, distribution 25781..25783. Prints the broker URL on `start`/`urls`.
set -euo pipefail

DIR=${CAMCOUNT_CLUSTER_DIR:-/tmp/camcount-rabbit-cluster}
BASE_PORT=${CAMCOUNT_CLUSTER_PORT:-5780}
NODES=(1 2 3)
BIN=/usr/lib/rabbitmq/bin
HOST=localhost

node_name() { echo "camcount$1@$HOST"; }
amqp_port() { echo $((BASE_PORT + $1)); }

_env() {  # N: the environment of node N (and of the CLI talking to it)
  local n=$1 d="$DIR/node$1"
  echo HOME="$DIR" \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT=$((20000 + BASE_PORT + n)) \
    RABBITMQ_MNESIA_BASE="$d/mnesia" \
    RABBITMQ_LOG_BASE="$d/log" \
    RABBITMQ_PID_FILE="$d/pid" \
    RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="'+S 1:1 +A 2 +MBas ageffcbf +MHas ageffcbf'" \
    RABBITMQ_CTL_ERL_ARGS="'+S 1:1'"
}

ctl() {  # N ARGS...: rabbitmqctl against node N
  local n=$1; shift
  eval env "$(_env "$n")" "$BIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

_alive() { ctl "$1" status >/dev/null 2>&1; }

_wait() {  # N: until node N runs its app
  for _ in $(seq 120); do
    ctl "$1" await_startup --timeout 5 >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "rabbit-cluster: node $1 did not start; see $DIR/node$1/log" >&2
  return 1
}

start_node() {  # N
  local n=$1
  mkdir -p "$DIR/node$n/log" "$DIR/node$n/mnesia"
  _alive "$n" && return 0
  eval env "$(_env "$n")" "$BIN/rabbitmq-server" -detached >>"$DIR/node$n/log/startup.log" 2>&1
  _wait "$n"
}

_files() {
  mkdir -p "$DIR"
  if [ ! -f "$DIR/.erlang.cookie" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/.erlang.cookie")
  fi
  chmod 400 "$DIR/.erlang.cookie"
  : >"$DIR/rabbitmq-env.conf"
  echo "[]." >"$DIR/enabled_plugins"
  echo "[]." >"$DIR/advanced.config"
  cat >"$DIR/rabbitmq.conf" <<'CONF'
vm_memory_high_watermark.relative = 0.05
disk_free_limit.absolute = 200MB
collect_statistics_interval = 30000
log.file.level = warning
log.console = false
CONF
}

urls() {  # one amqp URL naming every node (workers fail over between them)
  local hosts=() n
  for n in "${NODES[@]}"; do hosts+=("127.0.0.1:$(amqp_port "$n")"); done
  echo "amqp://guest:guest@$(IFS=,; echo "${hosts[*]}")/"
}

start() {
  _files
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]:1}"; do
    if ! ctl "$n" cluster_status 2>/dev/null | grep -q "$(node_name 1)"; then
      ctl "$n" stop_app >/dev/null 2>&1
      ctl "$n" reset >/dev/null 2>&1
      ctl "$n" join_cluster "$(node_name 1)" >/dev/null 2>&1
      ctl "$n" start_app >/dev/null 2>&1
    fi
  done
  ctl 1 await_online_nodes 3 --timeout 60 >/dev/null 2>&1 || true
  urls
}

stop() {
  local n
  for n in "${NODES[@]}"; do
    _alive "$n" && ctl "$n" stop >/dev/null 2>&1 || true
  done
  # a node that would not stop (or was left half-started) goes by its own pid file
  for n in "${NODES[@]}"; do
    if [ -f "$DIR/node$n/pid" ]; then
      kill -9 "$(cat "$DIR/node$n/pid")" 2>/dev/null || true
      rm -f "$DIR/node$n/pid"
    fi
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  status) ctl "${2:-1}" cluster_status ;;
  kill) kill -9 "$(cat "$DIR/node$2/pid")" ;;           # SIGKILL node N
  stop-node) ctl "$2" stop ;;                           # stop node N cleanly
  start-node) start_node "$2" ;;                        # start node N again (rejoins)
  ctl) shift; ctl "$@" ;;                               # rabbitmqctl against node N
  *) echo "usage: $0 start|stop|status [N]|urls|kill N|stop-node N|start-node N|ctl N ARGS" >&2
     exit 2 ;;
esac
