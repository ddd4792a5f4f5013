"""Hosted SFTP benchmark: files per second from upload to commit, with 1 and 8 concurrent
OpenSSH ``sftp`` clients, against OpenSSH's own server writing the same files to disk in the same
run (the ceiling: no Python, no database).

* **gateway**: ``transports.sftp.SftpServer`` (paramiko, a thread per connection) in this
  process, the demo partner's account and test key (``samples/sftp``); each file is committed to
  the store (``Inbox.receive``: the raw bytes and their metadata in one transaction) and moved to
  ``archive/`` before the client's close is answered, so when the last client exits every file
  is committed. Nothing is processed (the enqueue is a no-op): this is the transport's cost.
  PostgreSQL by default (a fresh database, dropped after), ``--sqlite`` for the embedded store.
* **openssh**: ``sshd`` with ``internal-sftp`` on loopback (a temporary config, host key and
  ``authorized_keys``; logs in as the current user, so run it as root like CI), writing to a
  temporary folder.

Each client opens one session and puts its share of the files (distinct demo 856s, ~1 KB,
under final names). Usage::

    .venv/bin/python bench/sftp.py [--files 400] [--sqlite] [--quick]
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from gateway.partner_store import sync_partners
from gateway.pipeline.inbox import Inbox
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import InboundMessage
from transports.sftp.hostkey import known_hosts_line, load_or_create
from transports.sftp.server import SftpServer
from transports.sftp.transport import SftpTransport

ROOT = Path(__file__).resolve().parents[1]
KEY = ROOT / "samples" / "sftp" / "demo-supplier_ed25519"
ASN = (ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi").read_text()
PG = os.environ.get("GATEWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def asn(n: int) -> bytes:
    """The demo 856 numbered ``n`` (ISA13, GS06, BSN02): each file a distinct interchange."""
    text_ = ASN.replace("000000112", f"{n:09d}").replace("SHP0045002", f"SHP{n:07d}")
    return text_.replace("*112*X*", f"*{n}*X*").replace("GE*1*112~", f"GE*1*{n}~").encode()


def make_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for n in range(1, count + 1):
        path = folder / f"asn-{n:05d}.edi"
        path.write_bytes(asn(n))
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def upload(command: list[str], target: str, files: list[Path], clients: int, work: Path) -> float:
    """Seconds for ``clients`` concurrent ``sftp -b`` sessions to put ``files`` into ``target``."""
    batches = []
    for i in range(clients):
        batch = work / f"batch-{clients}-{i}"
        batch.write_text("".join(f"put {f} {target}/{f.name}\n" for f in files[i::clients]))
        batches.append(batch)
    start = time.perf_counter()
    running = [
        subprocess.Popen(
            [*command[:-1], "-b", str(b), command[-1]],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for b in batches
    ]
    for process in running:
        _, err = process.communicate(timeout=600)
        if process.returncode != 0:
            raise SystemExit(f"sftp failed: {err.decode(errors='replace')}")
    return time.perf_counter() - start


def client_command(port: int, key: Path, known_hosts: Path, user: str) -> list[str]:
    return [
        "sftp",
        "-q",
        "-P",
        str(port),
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        f"UserKnownHostsFile={known_hosts}",
        f"{user}@127.0.0.1",
    ]


def gateway_run(work: Path, files: list[Path], clients: int, url: str, key: Path) -> float:
    upgrade(url)
    db = Database(url)
    sync_partners(db)
    committed: list[str] = []
    transport = SftpTransport(Inbox(db, committed.append), work / f"mailboxes-{clients}")
    host_key = load_or_create(work / "gateway_host_key")
    with SftpServer(transport, host_key, port=0, max_connections=64) as server:
        known = work / "gateway_known_hosts"
        known.write_text(known_hosts_line(host_key, "127.0.0.1", server.port) + "\n")
        command = client_command(server.port, key, known, "demo-supplier")
        took = upload(command, "inbound", files, clients, work)
    with db.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(InboundMessage))
    db.dispose()
    if stored != len(files) or len(committed) != len(files):
        raise SystemExit(f"gateway: {stored} stored, {len(committed)} enqueued of {len(files)}")
    return took


def openssh_run(work: Path, files: list[Path], clients: int, key: Path) -> float:
    target = work / f"openssh-{clients}"
    target.mkdir()
    with Sshd(work, key) as sshd:
        command = client_command(sshd.port, key, sshd.known_hosts, getpass.getuser())
        took = upload(command, str(target), files, clients, work)
    if len(list(target.iterdir())) != len(files):
        raise SystemExit("openssh: not every file arrived")
    return took


class Sshd:
    """OpenSSH ``sshd`` on a free loopback port, SFTP only, our key only (``shared/peers``)."""

    def __init__(self, work: Path, key: Path) -> None:
        self.dir = work / f"sshd-{secrets.token_hex(3)}"
        self.dir.mkdir()
        self.port = free_port()
        self.known_hosts = self.dir / "known_hosts"
        self.key = key
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sshd:
        d = self.dir
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host")], check=True
        )
        shutil.copy(self.key.with_suffix(".pub"), d / "authorized_keys")
        (d / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\n"
            f"PidFile {d / 'sshd.pid'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
            "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            f"AllowUsers {getpass.getuser()}\nAllowTcpForwarding no\nX11Forwarding no\n"
            "MaxStartups 100\nMaxSessions 100\nSubsystem sftp internal-sftp\n"
            "ForceCommand internal-sftp\n"
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = (d / "sshd.log").open("wb")
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", self.port)) != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"sshd did not start: {(d / 'sshd.log').read_text()}")
            time.sleep(0.05)
        public = (d / "host.pub").read_text().split()[:2]
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {public[0]} {public[1]}\n")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def fresh_pg() -> tuple[str, str]:
    name = f"bench_sftp_{secrets.token_hex(4)}"
    with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return name, PG.rsplit("/", 1)[0] + "/" + name


def drop_pg(name: str) -> None:
    with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true", help="the embedded store, not PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="40 files (a smoke run)")
    parser.add_argument("--no-openssh", action="store_true", help="skip the sshd comparison")
    args = parser.parse_args()
    count = 40 if args.quick else args.files
    with tempfile.TemporaryDirectory(prefix="sftp-bench-") as tmp:
        work = Path(tmp)
        key = work / "client_key"
        shutil.copy(KEY, key)
        shutil.copy(KEY.with_name(KEY.name + ".pub"), key.with_suffix(".pub"))
        key.chmod(0o600)
        files = make_files(work / "files", count)
        size = sum(f.stat().st_size for f in files) / len(files)
        store = "SQLite" if args.sqlite else "PostgreSQL"
        print(f"sftp bench: {count} files of {size / 1000:.1f} KB, upload -> commit ({store})")
        print(
            f"{'clients':>7}  {'gateway files/s':>15}  {'openssh sftp-server files/s':>27}  ratio"
        )
        for clients in (1, 8):
            if args.sqlite:
                url, name = f"sqlite:///{work / f'gateway-{clients}.db'}", None
            else:
                name, url = fresh_pg()
            try:
                ours = count / gateway_run(work, files, clients, url, key)
            finally:
                if name is not None:
                    drop_pg(name)
            theirs = None if args.no_openssh else count / openssh_run(work, files, clients, key)
            shown = f"{theirs:27.1f}  {ours / theirs:5.2f}" if theirs else f"{'-':>27}  -"
            print(f"{clients:7d}  {ours:15.1f}  {shown}")


if __name__ == "__main__":
    main()
