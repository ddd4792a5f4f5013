"""End-to-end pipeline benchmark: supplier HTTP API -> store -> workers -> webhook ERP, on loopback.

PostgreSQL + Redis (the production shape). For 1, 2 and 4 worker processes it posts N unique ship
notices to ``POST /v1/x12`` and measures:

* throughput: documents per second from the first post to the last ERP 2xx (open loop, as fast as
  the API accepts them);
* latency: receipt (the API's 202) to the ERP's first 2xx for that document, p50/p95/p99, at a
  paced rate (``--rate``, default 100 documents/s).

The ERP is the stand-in from ``tests/support/erp_app.py`` (HMAC-verified webhook, dedupe by
Idempotency-Key, records arrival times). Usage::

    .venv/bin/python bench/pipeline.py [--docs 2000] [--workers 1 2 4] [--rate 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cpu  # bench/cpu.py (this script's directory is on sys.path)
import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
ASN = (ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi").read_text()
PG = os.environ.get("GATEWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GATEWAY_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret"
PY_SPY_MODE = tuple(os.environ.get("BENCH_PY_SPY_MODE", "--gil").split())
WARM_UP = 200
"""Documents sent and delivered before measuring."""
API_KEY = "bench-demo-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def document(n: int, tag: str) -> bytes:
    """One interchange holding document ``n`` alone."""
    return interchange(n, 1, tag)


def interchange(first: int, count: int, tag: str) -> bytes:
    """One interchange (a unique ISA13: no duplicate) holding documents ``first`` .. ``first +
    count - 1``, each its own ST..SE set with its own BSN02."""
    head, st, rest = ASN.partition("ST*856*0001")
    body, trailer = st + rest[: rest.index("GE*")], rest[rest.index("GE*") :]
    sets = []
    for i in range(count):
        one = body.replace("SHP0045002", f"B{tag}{first + i:07d}")
        sets.append(re.sub(r"(ST\*856|SE\*\d+)\*0001", rf"\1*{i + 1:04d}", one))
    isa13 = head.split("*")[13]
    offset = {"T": 100_000_000, "L": 200_000_000, "W": 400_000_000}.get(tag, 300_000_000)
    text_ = head + "".join(sets) + re.sub(r"GE\*1\*", f"GE*{count}*", trailer)
    text_ = text_.replace(isa13, f"{offset + first:09d}")  # ISA13 and IEA02
    gs06 = str(offset + first)  # and GS06/GE02: a well-behaved sender's numbers never repeat
    text_ = re.sub(r"(GS\*(?:[^*~]*\*){5})112\*", rf"\g<1>{gs06}*", text_)
    return re.sub(r"(GE\*\d+\*)112~", rf"\g<1>{gs06}~", text_).encode()


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Stack:
    """A fresh database, the stand-in ERP, `gateway run` (API only) and `gateway worker`."""

    def __init__(self, workers: int, threads: int = 4) -> None:
        self.db_name = "gw_bench_" + secrets.token_hex(4)
        self.admin = create_engine(PG, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        self.erp_port, self.api_port = free_port(), free_port()
        self.erp = f"http://127.0.0.1:{self.erp_port}"
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": PG.rsplit("/", 1)[0] + "/" + self.db_name,
            "GATEWAY_BROKER": "redis",
            "GATEWAY_BROKER_URL": REDIS,
            "GATEWAY_QUEUE_PREFIX": "bench-" + secrets.token_hex(4),
            "GATEWAY_ERP_CONNECTOR": "webhook",
            "GATEWAY_ERP_URL": f"{self.erp}/erp/events",
            "GATEWAY_ERP_SECRET": SECRET,
            "GATEWAY_DEMO_API_KEY": API_KEY,
            "GATEWAY_SFTP_PORT": "0",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._start(
            "erp",
            [
                sys.executable,
                "-m",
                "tests.support.erp_app",
                "--port",
                str(self.erp_port),
                "--secret",
                SECRET,
            ],
        )
        wait_http(f"{self.erp}/stats")
        subprocess.run(
            [sys.executable, "-m", "gateway_app", "db", "upgrade"],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "gateway_app", "partners", "sync"],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        self._set_key()
        self._start(
            "api", [sys.executable, "-m", "gateway_app", "run", "--port", str(self.api_port)]
        )
        self._start(
            "workers",
            [
                sys.executable,
                "-m",
                "gateway_app",
                "worker",
                "--processes",
                str(workers),
                "--threads",
                str(threads),
            ],
        )
        wait_http(f"{self.api}/healthz")

    def _set_key(self) -> None:
        code = (
            "from gateway.runtime import Runtime; from gateway.settings import Settings; "
            f"r = Runtime.from_settings(Settings()); r.keys.issue('demo-supplier', {API_KEY!r})"
        )
        subprocess.run([sys.executable, "-c", code], env=self.env, cwd=ROOT, check=True)

    def _start(self, label: str, cmd: list[str]) -> None:
        self.procs[label] = subprocess.Popen(
            cmd,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far per component (this process is the client)."""
        totals = cpu.snapshot(
            {label: proc.pid for label, proc in self.procs.items()},
            {"postgres": "postgres", "redis": "redis-server"},
        )
        own = os.times()
        totals["client"] = own.user + own.system
        return totals

    def close(self) -> None:
        for proc in reversed(self.procs.values()):
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        self.admin.dispose()


def post_all(
    stack: Stack,
    docs: int,
    tag: str,
    rate: float | None,
    connections: int = 1,
    per_interchange: int = 1,
) -> dict[str, float]:
    """Post ``docs`` documents, ``per_interchange`` to a request, over ``connections`` keep-alive
    connections (paced at ``rate`` documents/s when given); document number -> time of its 202.

    The client is the standard library's ``http.client``: it shares the two cores with the gateway,
    so it has to be cheap (httpx costs several times more CPU per request)."""
    sent: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/edi-x12"}
    start = time.monotonic()
    host, port = stack.api.removeprefix("http://").split(":")
    firsts = iter(range(0, docs, per_interchange))
    lock = threading.Lock()

    def sender() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            while True:
                with lock:
                    first = next(firsts, None)
                if first is None:
                    return
                count = min(per_interchange, docs - first)
                if rate:
                    delay = start + first / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                body = interchange(first, count, tag)
                conn.request("POST", "/v1/x12", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 202:
                    raise RuntimeError(f"POST answered {response.status}")
                now = time.time()
                for n in range(first, first + count):
                    sent[f"B{tag}{n:07d}"] = now
        finally:
            conn.close()

    threads = [threading.Thread(target=sender) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(sent) != docs:
        raise RuntimeError(f"only {len(sent)} of {docs} documents were accepted")
    return sent


def wait_delivered(stack: Stack, count: int, timeout: float = 600) -> float:
    """Poll the ERP's counter (one keep-alive connection, every 50 ms) until ``count`` arrived."""
    host, port = stack.erp.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            conn.request("GET", "/stats")
            if json.loads(conn.getresponse().read())["distinct"] >= count:
                return time.time()
            time.sleep(0.05)
    finally:
        conn.close()
    raise RuntimeError("not all documents reached the ERP in time")


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


def start_profilers(stack: Stack, out: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy (``--gil``: only the thread holding the GIL, so about CPU time) on the API and the
    worker processes, writing collapsed stacks to ``out/<label>.txt`` until stopped."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                *("py-spy", "record", *PY_SPY_MODE, "--subprocesses", "-r", "250", "-f", "raw"),
                *("-p", str(stack.procs[label].pid), "-o", str(out / f"{label}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for label in ("api", "workers")
    ]


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for proc in profilers:
        proc.send_signal(signal.SIGINT)
    for proc in profilers:
        proc.wait(60)


def run(
    workers: int,
    docs: int,
    rate: float,
    threads: int,
    per_interchange: int = 1,
    profile: Path | None = None,
    connections: int = 4,
) -> dict[str, Any]:
    stack = Stack(workers, threads)
    try:
        # Warm-up, not measured: every worker process started, imported and loaded its maps.
        post_all(stack, WARM_UP, "W", None, connections, per_interchange)
        wait_delivered(stack, WARM_UP)
        time.sleep(1)
        profilers = start_profilers(stack, profile / f"w{workers}") if profile else []
        cpu_before, machine_before = stack.cpu_seconds(), cpu.machine()
        t0 = time.time()
        post_all(stack, docs, "T", None, connections, per_interchange)
        t_accepted = time.time()
        t_end = wait_delivered(stack, WARM_UP + docs)
        stop_profilers(profilers)
        throughput = docs / (t_end - t0)
        used = cpu.delta(cpu_before, stack.cpu_seconds())
        machine = cpu.delta(machine_before, cpu.machine())
        paced = max(docs // 2, 200)
        sent = post_all(stack, paced, "L", rate, connections, per_interchange)
        wait_delivered(stack, WARM_UP + docs + paced)
        arrivals = httpx.get(f"{stack.erp}/arrivals", timeout=30).json()
        latencies = [arrivals[k] - t for k, t in sent.items() if k in arrivals]
        return {
            "workers": workers,
            "docs_per_s": throughput,
            "accepted_per_s": docs / (t_accepted - t0),
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "paced": paced,
            "cpu_ms_per_doc": {k: v * 1000 / docs for k, v in used.items()},
            "wall": t_end - t0,
            "idle_share": machine["idle"] / machine["total"],
            "steal_share": machine["steal"] / machine["total"],
        }
    finally:
        stack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument(
        "--per-interchange",
        type=int,
        default=1,
        help="ship notices per interchange (one POST); 1 = the hardest case, one per request",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        help="concurrent client connections (suppliers sending at the same time)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record py-spy profiles of the API and workers during the throughput phase into DIR"
        " (needs py-spy on PATH; profiling slows the run, so its numbers are not comparable)",
    )
    args = parser.parse_args()
    print(
        f"pipeline bench: {args.docs} ship notices per run, {args.per_interchange} per interchange"
        f" (one POST each), latency paced at {args.rate:.0f}/s; PostgreSQL + Redis"
    )
    print(
        f"{'workers':>7} {'docs/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  target: >=200 docs/s, p95 < 1000 ms"
    )
    for workers in args.workers:
        r = run(
            workers,
            args.docs,
            args.rate,
            args.threads,
            args.per_interchange,
            args.profile,
            args.connections,
        )
        verdict = "PASS" if r["docs_per_s"] >= 200 and r["p95"] < 1.0 else "MISS"
        print(
            f"{workers:>7} {r['docs_per_s']:>8.1f} {r['p50'] * 1000:>8.1f} {r['p95'] * 1000:>8.1f} {r['p99'] * 1000:>8.1f}  {verdict}",
            flush=True,
        )
        shares = "  ".join(f"{k} {v:.1f}" for k, v in r["cpu_ms_per_doc"].items())
        total = sum(r["cpu_ms_per_doc"].values())
        print(
            f"{'':>7} API accepted {r['accepted_per_s']:.0f} docs/s; CPU ms/doc: {shares}  total {total:.1f}"
            f" ({total * r['docs_per_s'] / 1000:.2f} of {os.cpu_count()} cores busy;"
            f" machine idle {r['idle_share']:.0%}, stolen by the hypervisor {r['steal_share']:.0%})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
