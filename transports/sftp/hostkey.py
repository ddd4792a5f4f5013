"""Our SFTP server's host key: an Ed25519 key made once, kept in the data directory (owner-only),
and its fingerprint as ``ssh-keygen -l`` prints it (``SHA256:...``), which partners pin and
``gateway run`` and the onboarding sheet show."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HOST_KEY_FILE = "sftp_host_ed25519_key"


def host_key_path(data_dir: Path) -> Path:
    return data_dir / HOST_KEY_FILE


def load_or_create(path: Path) -> paramiko.PKey:
    """The key at ``path``, made there first if there is none (created exclusively with mode
    0600: two processes starting at once keep one key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = paramiko.Ed25519Key.from_private_key_file(str(path))
    public = path.with_name(path.name + ".pub")  # what the onboarding sheet reads
    if not public.exists():
        public.write_text(f"{key.get_name()} {key.get_base64()} gateway-sftp-host\n")
    return key


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_line(key: paramiko.PKey, host: str, port: int) -> str:
    """The ``known_hosts`` line a partner pins our key with."""
    where = host if port == 22 else f"[{host}]:{port}"
    return f"{where} {key.get_name()} {key.get_base64()}"
