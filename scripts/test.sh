#!/usr/bin/env bash
# Set up everything the test suite needs and run it: lint, types, tests (incl. the real corpus).
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh '[dev]'
echo "== services"; scripts/services.sh
echo "== ruff";  .venv/bin/ruff check gateway transports gateway_app tests bench
echo "== mypy";  .venv/bin/mypy
echo "== config"; .venv/bin/python -m gateway_app check-config
echo "== samples"; .venv/bin/python tests/tools/check_samples.py | tail -1
echo "== pytest"; .venv/bin/python -m pytest "$@"
