"""The real AS2 peers (pyas2lib, django-pyas2) in their own venv, for the interop tests.

``peers_python()`` builds the venv once (``peers/venv.sh``, about 2-3 minutes: pip and a patch to
oscrypto for this OpenSSL) at ``$GATEWAY_AS2_PEERS_VENV`` or ``.venv-as2-peers``; when the
packages cannot be installed the tests skip and say why. GPL code runs only there, as separate
processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.transports.harness import wait_for

ROOT = Path(__file__).resolve().parents[3]
PEERS = Path(__file__).resolve().parent / "peers"


def peers_python() -> Path:
    venv = Path(os.environ.get("GATEWAY_AS2_PEERS_VENV") or ROOT / ".venv-as2-peers")
    done = subprocess.run(
        ["bash", str(PEERS / "venv.sh"), str(venv)], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        reason = f"AS2 peers not installable here: {(done.stdout + done.stderr)[-400:]}"
        print(reason)
        pytest.skip(reason)
    return venv / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"peer exited: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(up, 60)


def keycert(crt: Path, key: Path) -> Path:
    """pyas2lib wants the key and the certificate in one PEM file."""
    out = crt.with_suffix(".keycert.pem")
    out.write_bytes(key.read_bytes() + crt.read_bytes())
    return out
