#!/usr/bin/env bash
# Set up and run the gateway on embedded defaults in demo mode: SQLite under ./var, in-process
# Dramatiq workers, the local ERP sink, the demo partner with the documented API key
# (demo-supplier-key, until rotated with `gateway partners issue-key demo-supplier`). Prints what
# to try next. Any GATEWAY_* variable overrides a default (see gateway/settings.py), e.g.
# GATEWAY_PORT=9000. Without --demo (`gateway run`) no key is issued.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
# The demo AS2 key (samples/as2/gateway.key, TEST ONLY) is encrypted with this secret.
export GATEWAY_AS2_KEY_SECRET=${GATEWAY_AS2_KEY_SECRET:-demo-as2-key-secret}
# The demo SFTP client key (samples/sftp/, TEST ONLY): ssh and sftp refuse a private key others can read.
chmod 600 samples/sftp/demo-supplier_ed25519
exec .venv/bin/gateway run --demo "$@"
