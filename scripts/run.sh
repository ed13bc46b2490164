#!/usr/bin/env bash
# Set up CamCount and start the console in local mode: workers in-process, SQLite in the user
# data folder, the bundled sample video as the first camera. No broker needed.
#   scripts/run.sh [camcount-desktop ARGS...]     e.g. --broker amqp://user@host/vhost
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CAMCOUNT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/camcount/venv}
"$ROOT/scripts/bootstrap.sh" all
# Qt's X11 plugin needs system libraries pip cannot install; without them Qt only says
# "Could not load the Qt platform plugin xcb". Name them (or install them as root) first.
if [[ "$(uname -s)" == Linux && "${QT_QPA_PLATFORM:-xcb}" == xcb* ]]; then
  if missing=$("$VENV/bin/python" -m camcount_desktop.qt_system_libs); then
    :
  elif [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing the system libraries Qt needs: $missing"
    # shellcheck disable=SC2086
    apt-get install -y $missing
  else
    echo "Qt cannot open a window: system libraries are missing. Install them with:" >&2
    echo "  sudo apt-get install $missing" >&2
    exit 1
  fi
fi
exec "$VENV/bin/camcount-desktop" "$@"
