"""Events applied per second into a real Tryton (``GATEWAY_ERP_CONNECTOR=tryton``), against the
embedded ERP sink (one SQLite row per event) as the reference, in the same run.

trytond 8.2 comes from PyPI into its own virtualenv (``.cache/tryton-venv``, as the tests make it)
and serves a prepared SQLite database on loopback. The events are the demo ship notice and invoice,
renumbered so each is new: a ship notice becomes a draft supplier shipment (five to six calls), an
invoice a draft supplier invoice (five calls). Usage::

    .venv/bin/python bench/tryton.py [--events 60] [--threads 1 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.canonical import Event  # noqa: E402
from gateway.erp import ErpConnector, LocalSinkErpConnector  # noqa: E402
from gateway.erp.tryton import TrytonErpConnector  # noqa: E402
from tests.erp.samples import sample_events  # noqa: E402
from tests.erp.tryton.support import (  # noqa: E402
    CACHE,
    TrytonServer,
    prepare_template,
    spec_for,
    venv,
)


def renumbered(count: int) -> list[Event]:
    """``count`` new events: the sample ship notices and invoices with fresh ids."""
    pool = [e for e in sample_events() if e.type in ("ship_notice", "invoice")]
    return [
        pool[n % len(pool)].model_copy(update={"id": f"evt_bench{n:08d}{time.monotonic_ns() % 10**6:06d}"})
        for n in range(count)
    ]


def rate(connector: ErpConnector, events: list[Event], threads: int) -> tuple[float, float]:
    """Events per second, and the p95 of one post in ms."""
    took: list[float] = []

    def post(event: Event) -> None:
        started = time.perf_counter()
        connector.post(event)
        took.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, events))
    elapsed = time.perf_counter() - started
    return len(events) / elapsed, statistics.quantiles(took, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-tryton-"))
    env = venv()
    template = prepare_template(env, CACHE, spec_for(sample_events()))
    server = TrytonServer(env, folder)
    try:
        print(f"{'connector':<10} {'threads':>7} {'events/s':>9} {'p95 ms':>8}")
        for threads in args.threads:
            url = server.database(template, f"bench{threads}")
            tryton = TrytonErpConnector(url)
            tryton.post(renumbered(1)[0])  # warm-up: login, context, the database's first request
            ours, p95 = rate(tryton, renumbered(args.events), threads)
            sink = LocalSinkErpConnector(folder / f"sink{threads}.db")
            ref, ref_p95 = rate(sink, renumbered(args.events), threads)
            print(f"{'tryton':<10} {threads:>7} {ours:>9.1f} {p95:>8.1f}")
            print(f"{'sink':<10} {threads:>7} {ref:>9.1f} {ref_p95:>8.1f}")
            print(f"  tryton / sink: {ours / ref:.3f} (Tryton's own work per document dominates)")
            tryton.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
