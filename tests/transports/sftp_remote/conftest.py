"""A real OpenSSH ``sshd`` on a free loopback port: the supplier's server the poller reads.

As ``../shared/peers/sftp_peer.sh`` does it, without the chroot (``/tmp`` is world-writable,
which ``ChrootDirectory`` refuses): a test user (``gwpolltest``, made when missing) whose files
live in a folder of the run. Needs root (``useradd``, ``sshd``) and
``apt-get install openssh-server openssh-client`` (``scripts/services.sh``).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.pipeline.inbox import Inbox
from tests.support.leaks import register_secret
from tests.transports.harness import Gateway, build_gateway, runtime_for, settings_for
from transports.sftp.poller import SftpPoller

ROOT = Path(__file__).resolve().parents[3]
SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
USER = "gwpolltest"
PASSWORD = register_secret("Poll-test-" + secrets.token_hex(8))
PASSWORD_ENV = "GATEWAY_SFTP_TEST_POLL_PASSWORD"

if SSHD is None or shutil.which("ssh-keygen") is None:
    pytest.skip(
        "OpenSSH is not installed (apt-get install openssh-server openssh-client)",
        allow_module_level=True,
    )
if os.geteuid() != 0:
    pytest.skip(
        "the sshd peer needs root (a test user and sshd's privilege separation)",
        allow_module_level=True,
    )


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def fingerprint_of(public: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_user() -> pwd.struct_passwd:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", USER], check=True
        )
    subprocess.run(["chpasswd"], input=f"{USER}:{PASSWORD}", text=True, check=True)
    return pwd.getpwnam(USER)


@dataclass
class Peer:
    """``sshd`` for ``USER``; ``base`` holds ``inbox/`` and ``outbox/``, owned by the user."""

    base: Path
    etc: Path
    port: int
    client_key: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, host_key: Path) -> None:
        self.host_key = host_key
        config = self.etc / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {self.etc}/sshd.pid\nAuthorizedKeysFile {self.etc}/authorized_keys\n"
            "StrictModes no\nUsePAM no\nPubkeyAuthentication yes\nPasswordAuthentication yes\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin no\n"
            f"AllowUsers {USER}\nAllowTcpForwarding no\nX11Forwarding no\n"
            "Subsystem sftp internal-sftp\nForceCommand internal-sftp\n"
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.host_key.with_suffix(".pub"))

    def drop(self, name: str, data: bytes, folder: str = "inbox") -> Path:
        path = self.base / folder / name
        path.write_bytes(data)
        user = pwd.getpwnam(USER)
        os.chown(path, user.pw_uid, user.pw_gid)
        return path


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[Peer]:
    user = ensure_user()
    base = Path("/tmp") / f"gw-sftp-poll-{secrets.token_hex(4)}"
    base.mkdir(mode=0o755)
    for folder in ("inbox", "outbox"):
        (base / folder).mkdir()
        os.chown(base / folder, user.pw_uid, user.pw_gid)
    etc = base / "etc"  # sshd reads authorized_keys as the user: not under pytest's 0700 tmp
    etc.mkdir(mode=0o755)
    client_key = keygen(tmp_path / "client_key")
    shutil.copy(client_key.with_name("client_key.pub"), etc / "authorized_keys")
    (etc / "authorized_keys").chmod(0o644)
    peer = Peer(base, etc, free_port(), client_key)
    peer.start(keygen(etc / "host_a"))
    try:
        yield peer
    finally:
        peer.stop()
        shutil.rmtree(base, ignore_errors=True)


def remote_profile(peer: Peer, **changes: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "mode": "remote",
        "username": USER,
        "host": "127.0.0.1",
        "port": peer.port,
        "host_key": peer.fingerprint,
        "key_file": str(peer.client_key),
        "inbox": str(peer.base / "inbox"),
        "outbox": str(peer.base / "outbox"),
        "stable_seconds": 0,
        "poll_interval_s": 1,
        "after_commit": "delete",
        **changes,
    }


def partners_polling(tmp_path: Path, peer: Peer, **changes: Any) -> Path:
    """The shipped profiles, ``demo-supplier``'s SFTP turned to polling ``peer``."""
    folder = tmp_path / "partners"
    folder.mkdir(exist_ok=True)
    for path in (ROOT / "partners").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    demo = folder / "demo-supplier.yaml"
    profile = yaml.safe_load(demo.read_text())
    profile["transports"]["sftp"] = remote_profile(peer, **changes)
    demo.write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


@dataclass
class Polling:
    gateway: Gateway
    poller: SftpPoller
    partners: Path
    peer: Peer

    def settings(self) -> Any:
        from gateway.partners import validate_profile

        profile, errors = validate_profile(
            yaml.safe_load((self.partners / "demo-supplier.yaml").read_text())
        )
        assert profile is not None and profile.transports.sftp is not None, errors
        return profile.transports.sftp

    def poll(self, poller: SftpPoller | None = None, **changes: Any) -> Any:
        settings = self.settings().model_copy(update=changes)
        return (poller or self.poller).poll("demo-supplier", settings, self.partners)


@pytest.fixture
def polling(tmp_path: Path, peer: Peer, database_url: str) -> Iterator[Polling]:
    partners = partners_polling(tmp_path, peer)
    runtime = runtime_for(settings_for(tmp_path, partners_dir=partners, database_url=database_url))
    gateway = build_gateway(runtime)
    poller = SftpPoller(runtime.db, Inbox(runtime.db, gateway.enqueue_process, partners), "w1")
    try:
        yield Polling(gateway, poller, partners, peer)
    finally:
        runtime.close()


def messages_count(polling: Polling) -> int:
    from gateway.store.models import InboundMessage

    return polling.gateway.count(InboundMessage)
