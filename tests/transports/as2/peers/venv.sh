#!/usr/bin/env bash
# The AS2 peers' own venv (test-time only: pyas2lib and django-pyas2 are GPL and pin an old
# cryptography, so they never share the gateway's venv and no shipped code imports them).
# Usage: venv.sh DIR   -> DIR/bin/python with django-pyas2 1.2.3 (and pyas2lib), oscrypto patched
# for this OpenSSL (patch_oscrypto.py). Idempotent: an existing, working venv is kept.
set -euo pipefail
DIR=${1:?usage: venv.sh DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -x "$DIR/bin/python" ] && "$DIR/bin/python" -c 'import pyas2lib, pyas2' 2>/dev/null; then exit 0; fi
rm -rf "$DIR"
python3 -m venv "$DIR"
"$DIR/bin/pip" install -q --disable-pip-version-check django-pyas2==1.2.3 2>&1 | grep -v "Location 'file" || true
"$DIR/bin/python" "$HERE/patch_oscrypto.py"
"$DIR/bin/python" -c 'import pyas2lib, pyas2'
