#!/usr/bin/env bash
# Set up CamCount and start the console in local mode: workers in-process, SQLite in the user
# data folder, the bundled sample video as the first camera. No broker needed.
#   scripts/run.sh [camcount-desktop ARGS...]     e.g. --broker amqp://user@host/vhost
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CAMCOUNT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/camcount/venv}
"$ROOT/scripts/bootstrap.sh" all
exec "$VENV/bin/camcount-desktop" "$@"
