#!/usr/bin/env bash
# Set up the gateway on embedded defaults and run it. Until the service lands (issue 3), "run"
# translates a file: scripts/run.sh [PATH] [--partner ID]   (default: a demo-supplier 856 sample)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
if [ $# -eq 0 ]; then set -- samples/demo-supplier/856-SOPI-4010.edi --partner demo-supplier; fi
exec .venv/bin/gateway translate "$@"
