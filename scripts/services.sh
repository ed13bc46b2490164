# Sourced by scripts/test.sh: make the services the tests use available where we can, and say
# plainly which tests will be skipped where we cannot. Exports CAMCOUNT_REQUIRE_SERVICES for
# what is up, so that a test of a service we know is running fails instead of skipping.

_SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-${CAMCOUNT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/camcount/venv}}

_port_open() {  # host port
  "$VENV/bin/python" - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

_wait_port() {  # host port seconds
  for _ in $(seq "$3"); do _port_open "$1" "$2" && return 0; sleep 1; done
  return 1
}

_can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

ensure_rabbitmq() {
  if [ -n "${CAMCOUNT_TEST_BROKER:-}" ]; then
    echo "services: RabbitMQ from CAMCOUNT_TEST_BROKER"; REQUIRED+=(rabbit); return
  fi
  if ! _port_open 127.0.0.1 5672; then
    if ! command -v rabbitmq-server >/dev/null 2>&1 && _can_apt; then
      echo "services: installing RabbitMQ (apt-get install rabbitmq-server)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >/dev/null; } \
        || echo "services: could not install rabbitmq-server"
    fi
    if command -v rabbitmq-server >/dev/null 2>&1; then
      echo "services: starting RabbitMQ"
      rabbitmq-server -detached >/dev/null 2>&1 || true
      _wait_port 127.0.0.1 5672 90 || true
    fi
  fi
  if _port_open 127.0.0.1 5672; then
    # The HTTP API gives unacked counts and rates; harmless if already enabled.
    command -v rabbitmq-plugins >/dev/null 2>&1 && rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 || true
    echo "services: RabbitMQ up on 127.0.0.1:5672"; REQUIRED+=(rabbit)
  else
    echo "services: NO RabbitMQ (not installed, and cannot install it here): tests marked 'rabbit' are SKIPPED"
  fi
}

ensure_postgres() {
  if [ -n "${CAMCOUNT_TEST_POSTGRES:-}" ]; then REQUIRED+=(postgres); return; fi
  if ! _port_open 127.0.0.1 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "services: starting PostgreSQL"
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    _wait_port 127.0.0.1 5432 30 || true
  fi
  if _port_open 127.0.0.1 5432; then
    echo "services: PostgreSQL up on 127.0.0.1:5432"; REQUIRED+=(postgres)
  else
    echo "services: NO PostgreSQL on 127.0.0.1:5432: tests marked 'postgres' are SKIPPED"
  fi
}

ensure_rtsp_server() {  # GStreamer's RTSP server, run by the system python3 in the RTSP camera tests
  local check=(/usr/bin/python3 "$_SERVICES_ROOT/tests/camera/rtsp_server.py" --check) why
  local pkgs=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
  if ! "${check[@]}" >/dev/null 2>&1 && _can_apt; then
    echo "services: installing GStreamer's RTSP server (apt-get install ${pkgs[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null; } \
      || echo "services: could not install ${pkgs[*]}"
  fi
  if why=$("${check[@]}" 2>&1); then
    echo "services: GStreamer RTSP server available"; REQUIRED+=(rtsp)
  else
    echo "services: NO GStreamer RTSP server ($why): the RTSP camera tests are SKIPPED"
  fi
}

ensure_mosquitto() {  # the MQTT tests start their own Mosquitto (to stop and restart it)
  local bin=${CAMCOUNT_TEST_MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
  if [ ! -x "$bin" ] && _can_apt; then
    echo "services: installing Mosquitto (apt-get install mosquitto)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto >/dev/null; } \
      || echo "services: could not install mosquitto"
    bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  fi
  if [ -x "$bin" ]; then
    echo "services: Mosquitto available ($bin)"; REQUIRED+=(mqtt)
  else
    echo "services: NO Mosquitto (not installed, and cannot install it here): tests marked 'mqtt' are SKIPPED"
  fi
  # RabbitMQ's MQTT plugin: tested where it listens (docs/integrations.md), never enabled here
  # (port 1883 may be Mosquitto's; its listener must be configured first)
  if _port_open 127.0.0.1 "${CAMCOUNT_TEST_RABBIT_MQTT_PORT:-1884}"; then
    echo "services: RabbitMQ MQTT plugin up on 127.0.0.1:${CAMCOUNT_TEST_RABBIT_MQTT_PORT:-1884}"
  else
    echo "services: NO RabbitMQ MQTT listener on 127.0.0.1:${CAMCOUNT_TEST_RABBIT_MQTT_PORT:-1884}: its MQTT test is SKIPPED"
  fi
}

report_cluster() {  # the chaos tests start their own 3-node cluster (tests/conftest.py)
  if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    echo "services: tests marked 'cluster' start a 3-node RabbitMQ cluster once (scripts/rabbit-cluster.sh, ports 5781-5783)"
  else
    echo "services: NO rabbitmq-server: tests marked 'cluster' are SKIPPED"
  fi
}

ensure_services() {
  REQUIRED=()
  ensure_rabbitmq
  report_cluster
  ensure_postgres
  ensure_rtsp_server
  ensure_mosquitto
  CAMCOUNT_REQUIRE_SERVICES=$(IFS=,; echo "${REQUIRED[*]:-}")
  export CAMCOUNT_REQUIRE_SERVICES
}
