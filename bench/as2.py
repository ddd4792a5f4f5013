"""AS2 receive benchmark: signed + encrypted 10 KB messages with a signed sync MDN, per second,
into the gateway and into django-pyas2 in the same run, with p50/p95 latency and the ratio.

* **gateway**: ``gateway run`` (uvicorn, embedded workers processing every message: each holds ten
  demo ship notices, so the gateway also translates them and posts them to the local ERP sink) on
  PostgreSQL, the demo partner's keys (``samples/as2``, test only).
* **django-pyas2** 1.2.3: gunicorn (``--workers`` sync workers) on PostgreSQL, in the peers' venv
  (``tests/transports/as2/peers/venv.sh``, plus gunicorn and psycopg2-binary).

Messages are built before the clock starts (signed SHA-256, AES-256-CBC, by ``transports.as2.cms``
for the demo supplier's key) and posted by ``--connections`` keep-alive connections; every answer
must be 200 with a ``multipart/signed`` MDN, and a sample of MDNs is checked to say ``processed``.
Usage::

    .venv/bin/python bench/as2.py [--messages 400] [--connections 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, text

from transports.as2 import cms
from transports.as2.mime import base64_lines, build_entity, build_multipart

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "samples" / "as2"
PEERS = ROOT / "tests" / "transports" / "as2" / "peers"
REDIS = os.environ.get("GATEWAY_BENCH_REDIS", "redis://127.0.0.1:6379/0")
PG = os.environ.get("GATEWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ASN = (ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(port: int, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


def payload(n: int) -> bytes:
    """About 10 KB: ten demo ship notices, each its own interchange with unique numbers, CRLF
    line ends (pyas2lib turns LF into CRLF before it verifies, so LF would fail there)."""
    parts = []
    for i in range(10):
        k = n * 10 + i + 1
        parts.append(
            ASN.replace("000000112", f"{k:09d}")
            .replace("SHP0045002", f"AS2B{k:06d}")
            .replace("*112*X*", f"*{k}*X*")
            .replace("GE*1*112~", f"GE*1*{k}~")
        )
    return "".join(parts).replace("~\n", "~\r\n").encode()  # CRLF: pyas2lib rewrites LF


def signer() -> cms.KeyPair:
    key = serialization.load_pem_private_key((KEYS / "demo-supplier.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return cms.KeyPair(
        x509.load_pem_x509_certificate((KEYS / "demo-supplier.crt").read_bytes()), key
    )


def message(
    n: int, to: str, recipient: x509.Certificate, pair: cms.KeyPair
) -> tuple[dict[str, str], bytes]:
    part = build_entity(
        [
            ("Content-Type", "application/EDI-X12"),
            ("Content-Disposition", f'attachment; filename="{n}.edi"'),
        ],
        payload(n),
    )
    boundary = "b" + secrets.token_hex(8)
    signed = build_entity(
        [
            (
                "Content-Type",
                f'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="{boundary}"',
            )
        ],
        build_multipart(
            [
                part,
                build_entity(
                    [
                        ("Content-Type", "application/pkcs7-signature"),
                        ("Content-Transfer-Encoding", "base64"),
                    ],
                    base64_lines(cms.sign(part, pair)),
                ),
            ],
            boundary,
        ),
    )
    body = cms.encrypt(signed, recipient, cipher="aes256-cbc")
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": "DEMOSUPPLIER",
        "AS2-To": to,
        "Message-ID": f"<bench-{n}-{secrets.token_hex(4)}@bench>",
        "Date": format_datetime(datetime.now(UTC)),
        "MIME-Version": "1.0",
        "Content-Type": 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        "Disposition-Notification-To": "bench@example.test",
        "Disposition-Notification-Options": "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256",
        "Content-Length": str(len(body)),
    }
    return headers, body


def blast(
    port: int, path: str, messages: list[tuple[dict[str, str], bytes]], connections: int
) -> dict[str, float]:
    todo: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
    for m in messages:
        todo.put(m)
    latencies: list[float] = []
    bad: list[str] = []
    samples: list[bytes] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            try:
                headers, body = todo.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            elapsed = time.perf_counter() - start
            kind = answer.getheader("Content-Type") or ""
            with lock:
                latencies.append(elapsed)
                if answer.status != 200 or not kind.startswith("multipart/signed"):
                    bad.append(f"{answer.status} {kind} {data[:200]!r}")
                elif len(samples) < 20:
                    samples.append(data)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - began
    if bad:
        raise SystemExit(f"{len(bad)} bad answers, e.g. {bad[0]}")
    processed = sum(b"; processed" in s and b"processed/" not in s for s in samples)
    if processed != len(samples):
        said = [line for line in samples[0].splitlines() if b"Disposition:" in line]
        raise SystemExit(f"only {processed}/{len(samples)} sampled MDNs say processed: {said}")
    latencies.sort()
    return {
        "per_s": len(messages) / took,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def create_db(name: str) -> str:
    with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return PG.rsplit("/", 1)[0] + "/" + name


def drop_db(name: str) -> None:
    with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run_gateway(work: Path, n: int, connections: int, deferred: bool) -> dict[str, float]:
    """``deferred``: Redis broker and no worker in the run (what ``POST /as2`` itself costs:
    store, then MDN); otherwise embedded workers process every message in the same process."""
    home = work / ("gw-deferred" if deferred else "gw")
    (home / "samples").mkdir(parents=True)
    (home / "var").mkdir()  # the local ERP sink's SQLite file
    shutil.copytree(ROOT / "partners", home / "partners")
    shutil.copytree(KEYS, home / "samples" / "as2")
    db = "as2bench_" + secrets.token_hex(4)
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_HOME": str(home),
        "GATEWAY_DATABASE_URL": create_db(db),
        "GATEWAY_AS2_KEY_SECRET": "demo-as2-key-secret",
        "GATEWAY_PORT": str(port),
        "GATEWAY_SFTP_PORT": "0",
    }
    prefix = "as2bench-" + secrets.token_hex(4)
    if deferred:
        env |= {
            "GATEWAY_BROKER": "redis",
            "GATEWAY_BROKER_URL": REDIS,
            "GATEWAY_QUEUE_PREFIX": prefix,
        }
    log = (home / "gateway.log").open("wb")
    process = subprocess.Popen(
        [ROOT / ".venv/bin/gateway", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_http(port, "/healthz")
        gateway_crt = x509.load_pem_x509_certificate((KEYS / "gateway.crt").read_bytes())
        pair = signer()
        warm = [message(100_000 + i, "GATEWAYBUYER", gateway_crt, pair) for i in range(20)]
        blast(port, "/as2", warm, connections)
        messages = [message(i, "GATEWAYBUYER", gateway_crt, pair) for i in range(n)]
        return blast(port, "/as2", messages, connections)
    finally:
        process.terminate()
        process.wait(30)
        drop_db(db)
        if deferred:  # the queued ids nobody will process
            keys = subprocess.run(
                ["redis-cli", "--scan", "--pattern", f"*{prefix}*"], capture_output=True, text=True
            )
            for key in keys.stdout.split():
                subprocess.run(["redis-cli", "del", key], capture_output=True)


def run_django(work: Path, n: int, connections: int, workers: int) -> dict[str, float]:
    venv = Path(os.environ.get("GATEWAY_AS2_PEERS_VENV") or ROOT / ".venv-as2-peers")
    subprocess.run(["bash", PEERS / "venv.sh", venv], check=True)
    subprocess.run([venv / "bin/pip", "install", "-q", "gunicorn", "psycopg2-binary"], check=True)
    python = venv / "bin/python"
    project = work / "dj"
    shutil.copytree(PEERS / "as2-django", project)
    db = "as2bench_dj_" + secrets.token_hex(4)
    create_db(db)
    port = free_port()
    env = {
        **os.environ,
        "AS2_HOME": str(work / "dj-home"),
        "AS2_PORT": str(port),
        "AS2_PG_NAME": db,
    }
    for name in ("peerb",):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "30", "-nodes",
             "-keyout", work / f"{name}.key", "-out", work / f"{name}.crt", "-subj", "/CN=PEERB"],
            check=True, capture_output=True,
        )  # fmt: skip
    (work / "peerb.pem").write_bytes(
        (work / "peerb.key").read_bytes() + (work / "peerb.crt").read_bytes()
    )
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=project, env=env, check=True)
    subprocess.run(
        [python, "setup_peer.py", "PEERB", work / "peerb.pem", "DEMOSUPPLIER", KEYS / "demo-supplier.crt", "http://127.0.0.1:9/"],
        cwd=project, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = (work / "django.log").open("wb")
    process = subprocess.Popen(
        [venv / "bin/gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "as2proj.wsgi"],
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_http(port, "/pyas2/as2receive")
        peer_crt = x509.load_pem_x509_certificate((work / "peerb.crt").read_bytes())
        pair = signer()
        warm = [message(100_000 + i, "PEERB", peer_crt, pair) for i in range(20)]
        blast(port, "/pyas2/as2receive", warm, connections)
        messages = [message(i, "PEERB", peer_crt, pair) for i in range(n)]
        return blast(port, "/pyas2/as2receive", messages, connections)
    finally:
        process.terminate()
        process.wait(30)
        drop_db(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="django-pyas2's gunicorn workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="as2bench-") as tmp:
        work = Path(tmp)
        deferred = run_gateway(work, args.messages, args.connections, deferred=True)
        embedded = run_gateway(work, args.messages, args.connections, deferred=False)
        (work / "django").mkdir()
        django = run_django(work / "django", args.messages, args.connections, args.workers)
    print(
        f"{args.messages} signed+encrypted ~10 KB messages, signed sync MDN, {args.connections} connections"
    )
    print(f"{'':<46} {'messages/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}")
    rows = (
        ("gateway, POST /as2 (processing deferred)", deferred),
        ("gateway, processing its 10 ASNs too", embedded),
        (f"django-pyas2 (gunicorn -w {args.workers}, stores)", django),
    )
    for name, r in rows:
        ratio = r["per_s"] / django["per_s"]
        print(f"{name:<46} {r['per_s']:>10.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} {ratio:>5.1f}x")


if __name__ == "__main__":
    main()
