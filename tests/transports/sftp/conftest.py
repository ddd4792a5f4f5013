"""Our hosted SFTP server on a free loopback port, driven by the real OpenSSH client (``sftp -b``).

``SftpGateway`` is the inline test gateway of ``tests/transports/harness.py`` (a file handed in
is processed and delivered to the memory ERP before the close or rename is answered) with the
SFTP server in front of it. Two accounts: the demo partner's (its shipped profile and the test
key of ``samples/sftp/``) and ``acme-fasteners`` (a key made for the run), to show one partner
cannot reach the other's files.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from gateway.pipeline.inbox import Inbox
from gateway.pipeline.send import SendPolicy, send_item
from gateway.store.models import OutboxItem
from tests.transports.harness import Gateway, build_gateway, runtime_for, settings_for
from transports.sftp.hostkey import known_hosts_line, load_or_create
from transports.sftp.server import SftpServer
from transports.sftp.transport import SftpTransport

ROOT = Path(__file__).resolve().parents[3]
DEMO_KEY = ROOT / "samples" / "sftp" / "demo-supplier_ed25519"
SFTP = shutil.which("sftp")

if SFTP is None:
    pytest.skip(
        "the OpenSSH client is not installed (apt-get install openssh-client)",
        allow_module_level=True,
    )


@dataclass
class SftpGateway:
    gateway: Gateway
    transport: SftpTransport
    server: SftpServer
    root: Path
    work: Path
    keys: dict[str, Path]
    known_hosts: Path

    @property
    def port(self) -> int:
        return self.server.port

    def sftp(
        self, batch: str, user: str = "demo-supplier", *, key: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``sftp -b`` with ``batch`` as ``user`` (its key), run in ``work``."""
        script = self.work / "batch"
        script.write_text(batch)
        return subprocess.run(
            [*self.command(user, key), "-b", str(script), f"{user}@127.0.0.1"],
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def command(self, user: str = "demo-supplier", key: Path | None = None) -> list[str]:
        return [
            str(SFTP),
            "-P",
            str(self.port),
            "-i",
            str(key or self.keys[user]),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "PasswordAuthentication=no",
        ]

    def mailbox(self, partner_id: str = "demo-supplier") -> Path:
        return self.root / partner_id

    def send_outbox(self) -> list[str]:
        """Send every queued SFTP outbox item (what the workers' ``send_outbound`` does)."""
        db = self.gateway.runtime.db
        with db.sessions() as session:
            ids = list(
                session.scalars(
                    select(OutboxItem.id).where(
                        OutboxItem.transport == "sftp", OutboxItem.status == "queued"
                    )
                )
            )
        for item_id in ids:
            send_item(db, item_id, {"sftp": self.transport.send}, SendPolicy())
        return ids

    def outbox(self) -> list[OutboxItem]:
        with self.gateway.runtime.db.sessions() as session:
            return list(session.scalars(select(OutboxItem).order_by(OutboxItem.created_at)))

    def activity(self) -> dict[str, dict[str, Any]]:
        return {row["partner_id"]: row for row in self.transport.activity.accounts()}

    def count(self, partner_id: str, counter: str) -> int:
        """One counter of one account; 0 before the account's first row is written (the
        login is recorded by the server's thread, after the client already holds a session)."""
        return int(self.activity().get(partner_id, {}).get(counter) or 0)


def partners_with_acme(tmp_path: Path, acme_public_key: str) -> Path:
    """The shipped profiles, ``acme-fasteners`` given a hosted SFTP account too."""
    folder = tmp_path / "partners"
    folder.mkdir()
    for path in (ROOT / "partners").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    acme = folder / "acme-fasteners.yaml"
    profile = yaml.safe_load(acme.read_text())
    profile.setdefault("transports", {})["sftp"] = {
        "enabled": True,
        "mode": "hosted",
        "username": "acme",
        "authorized_keys": [acme_public_key],
    }
    acme.write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def client_key(folder: Path, name: str) -> Path:
    path = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    return path


@pytest.fixture
def sftp_gateway(tmp_path: Path) -> Iterator[SftpGateway]:
    keys = tmp_path / "keys"
    keys.mkdir()
    demo_key = keys / "demo"
    shutil.copy(DEMO_KEY, demo_key)
    demo_key.chmod(0o600)
    acme_key = client_key(keys, "acme")
    partners = partners_with_acme(tmp_path, (keys / "acme.pub").read_text().strip())
    settings = settings_for(tmp_path, partners_dir=partners)
    runtime = runtime_for(settings)
    gateway = build_gateway(runtime)
    root = tmp_path / "sftp"
    transport = SftpTransport(Inbox(runtime.db, gateway.enqueue_process, partners), root)
    host_key = load_or_create(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"
    server = SftpServer(transport, host_key, port=0).start()
    known_hosts.write_text(known_hosts_line(host_key, "127.0.0.1", server.port) + "\n")
    work = tmp_path / "work"
    work.mkdir()
    try:
        yield SftpGateway(
            gateway,
            transport,
            server,
            root,
            work,
            {"demo-supplier": demo_key, "acme": acme_key},
            known_hosts,
        )
    finally:
        server.stop()
        runtime.close()
