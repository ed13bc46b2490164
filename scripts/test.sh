#!/usr/bin/env bash
# Set up CamCount's venv, bring up the services the tests use, and run the whole test suite.
#   scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CAMCOUNT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/camcount/venv}
"$ROOT/scripts/bootstrap.sh" all,dev
# shellcheck source=services.sh
. "$ROOT/scripts/services.sh"
ensure_services
cd "$ROOT"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
exec "$VENV/bin/python" -m pytest "$@"
