#!/usr/bin/env bash
# Set up and run the gateway on embedded defaults: SQLite under ./var, in-process Dramatiq workers,
# the local ERP sink, the demo partner (API key: demo-supplier-key). Prints what to try next.
# Any GATEWAY_* variable overrides a default (see gateway/settings.py), e.g. GATEWAY_PORT=9000.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "installing python3-venv (Debian)"; apt-get update -qq && apt-get install -y -qq python3-venv
fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/gateway run "$@"
