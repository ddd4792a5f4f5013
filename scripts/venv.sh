#!/usr/bin/env bash
# The set-up both README commands share: python3-venv (apt-get if missing), ./.venv, and the
# project installed in it (editable). Usage: scripts/venv.sh [EXTRAS], e.g. scripts/venv.sh '[dev]'
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "installing python3-venv (Debian)"; apt-get update -qq && apt-get install -y -qq python3-venv
fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${1:-}"
