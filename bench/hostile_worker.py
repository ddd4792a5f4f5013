"""The worker's memory over a sequence of hostile bodies (issue 17), in one process, as stages.

Stores every ``bench/bombs.py`` kind (20 MB each) in a fresh SQLite data directory, then, in a
fresh process that starts as a worker does (``tune_malloc``, ``freeze_startup_objects``),
processes them in turn and prints ``VmHWM``/``VmRSS``/``RssAnon`` after each, and the peak of
reading one stored raw body alone, as the worker reads it (``--load``: ``store.raw_bodies``, a
chunk at a time). No Redis, no API: the numbers are the worker's own work (about 20 MB less
start-up than ``gateway worker``'s child).

    python bench/hostile_worker.py                      # the whole sequence
    python bench/hostile_worker.py --only elements      # one kind in a fresh process
    python bench/hostile_worker.py --load               # only load each raw body from the store

Measured (2026-12-04, this machine): start 79 MB. When the worker loaded a body whole, one 20 MB
body from SQLite peaked 41 MB above start (SQLite's assembled blob and the Python ``bytes`` copy at
once) and the sequence ended at 200-206 MB. Read a chunk at a time, the sequence peaks at 149 MB
(and ``gateway worker``'s child, in ``tests/hostile/test_api.py``, at 182 MB). Files go to
``bench/.work/``. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bombs import KINDS, write_bomb  # bench/ (this script's directory is on sys.path)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
HOME = WORK / "hostile-worker"
MB = 1_000_000


def status() -> dict[str, int]:
    """The process's memory figures, in MB."""
    lines = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {k: int(lines[k].split()[0]) // 1024 for k in ("VmHWM", "VmRSS", "RssAnon")}


def store(mb: float) -> None:
    """A fresh data directory holding one message per kind; ids in ``ids.json``."""
    from gateway.partner_store import sync_partners
    from gateway.pipeline.receive import receive
    from gateway.runtime import Runtime
    from gateway.settings import Settings

    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    runtime = Runtime.from_settings(Settings(data_dir=HOME))
    sync_partners(runtime.db)
    ids = {}
    for number, kind in enumerate(KINDS, 1):
        path = WORK / f"bomb-{kind}-{mb:g}mb.edi"
        if not path.exists():
            write_bomb(kind, path, int(mb * MB))
        raw = path.read_bytes().replace(b"000777001", f"{number:09d}".encode())
        message = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=raw)
        ids[kind] = message.message_id
    (HOME / "ids.json").write_text(json.dumps(ids))
    runtime.close()


def measure(kinds: list[str], load_only: bool) -> None:
    """Process (or only load) ``kinds`` in turn in this process, printing memory after each."""
    from gateway.memory import tune_malloc

    tune_malloc()
    from gateway.pipeline.process import process
    from gateway.runtime import Runtime
    from gateway.settings import Settings
    from gateway.store.models import InboundMessage
    from gateway.store.raw_bodies import open_raw
    from gateway.workers.run import freeze_startup_objects

    ids = json.loads((HOME / "ids.json").read_text())
    runtime = Runtime.from_settings(Settings(data_dir=HOME), migrate=False)
    freeze_startup_objects()
    print(f"{'start':>12}  {status()}")
    for kind in kinds:
        started = time.perf_counter()
        if load_only:
            with runtime.db.sessions() as session:
                message = session.get(InboundMessage, ids[kind])
                assert message is not None
                with open_raw(session, message) as body:
                    size = sum(len(piece) for piece in iter(lambda: body.read(1 << 20), b""))
            what = f"read {size / MB:.0f} MB"
        else:
            what = process(runtime.db, ids[kind], runtime.process_config).status
        took = time.perf_counter() - started
        print(f"{kind:>12}  {status()}  {what} in {took:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of every body (10^6 bytes)")
    parser.add_argument("--only", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--load", action="store_true", help="only load each raw body")
    parser.add_argument("--stage", choices=("store", "measure"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage == "store":
        store(args.mb)
    elif args.stage == "measure":
        measure(args.only, args.load)
    else:  # each stage in a fresh process: the measured one starts clean
        me = [sys.executable, __file__, "--mb", str(args.mb), "--only", *args.only]
        subprocess.run([*me, "--stage", "store"], cwd=REPO, check=True)
        subprocess.run([*me, "--stage", "measure"] + (["--load"] if args.load else []), cwd=REPO)
    return 0


if __name__ == "__main__":
    sys.exit(main())
