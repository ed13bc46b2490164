#!/usr/bin/env bash
# Create (or reuse) CamCount's virtualenv outside the checkout and install the project into it.
#   scripts/bootstrap.sh [EXTRAS]     EXTRAS: comma list of console,worker,all,dev (default: all)
# The venv lives in $CAMCOUNT_VENV (default ~/.cache/camcount/venv) so that torch's gigabytes are
# installed once per machine, not once per clone. Dependencies are reinstalled only when
# pyproject.toml or the constraints change, or new extras are asked for.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXTRAS=${1:-all}
VENV=${CAMCOUNT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/camcount/venv}

find_python() {
  for py in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "bootstrap: CamCount needs Python 3.11 or newer; none found (set PYTHON=...)" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python)
  echo "bootstrap: creating $VENV with $PY"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
fi

stamp="$VENV/.camcount-deps"
hash=$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/constraints.txt" | sha256sum | cut -c1-16)
have=""
[ -f "$stamp" ] && [ "$(head -n1 "$stamp")" = "$hash" ] && have=$(sed -n 2p "$stamp")
want=$(printf '%s\n' ${have//,/ } ${EXTRAS//,/ } | sort -u | paste -sd, -)
if [ "$want" != "$have" ]; then
  echo "bootstrap: installing camcount[$want] and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q -c "$ROOT/scripts/constraints.txt" -e "$ROOT[$want]"
  printf '%s\n%s\n' "$hash" "$want" > "$stamp"
fi

# The venv is shared between clones: point the editable install at this checkout.
if [ "$("$VENV/bin/python" -c 'import workers, os; print(os.path.dirname(os.path.dirname(os.path.abspath(workers.__file__))))' 2>/dev/null)" != "$ROOT" ]; then
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
fi

# The console's translations: .qm files compiled from resources/i18n/*.ts (never committed).
# Without PySide6 (a worker-only venv) there is no console to translate.
if "$VENV/bin/python" -c 'import PySide6' 2>/dev/null; then
  PYTHONPATH="$ROOT" "$VENV/bin/python" -m camcount_desktop.i18n build >/dev/null
fi
