"""Hostile input vs clean input: time and memory per MB of ``gateway translate``, as ratios.

Each input is translated by ``gateway translate`` in a fresh subprocess (output to a file): the
clean file is ``bench/gen856.py``'s 856s, the hostile ones are ``bench/bombs.py``'s repetition
bombs of the same size. For each the table shows wall time, MB/s, peak RSS (the child's own
``ru_maxrss`` from ``wait4``), output size, and, per MB of input, time and memory above an empty
run (interpreter and imports: a tiny file), then the ratio of each to the clean file's. A ratio
near or below 1 means hostile input costs no more than ordinary input; issue 17's bomb once cost
726 MB and 85 MB of output for 261 KB.

    python bench/hostile.py                 # 20 MB each, native fast path
    python bench/hostile.py --python        # also the pure-Python path (GATEWAY_NO_SPEEDUPS=1)
    python bench/hostile.py --mb 5 --only undefined tiny_sets

Files go to ``bench/.work/`` (cached). MB means 10**6 bytes. A benchmark: always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bombs import KINDS, write_bomb  # bench/ (this script's directory is on sys.path)
from gen856 import cached_856

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
MB = 1_000_000


@dataclass(slots=True)
class Run:
    name: str
    size: int
    seconds: float
    rss_mb: float
    output: int
    exit_code: int


def translate(name: str, path: Path, python_path: bool) -> Run:
    """One ``gateway translate`` of ``path`` in a fresh process: its time, peak RSS, output."""
    env = {**os.environ, "GATEWAY_NO_SPEEDUPS": "1" if python_path else ""}
    cmd = [sys.executable, "-m", "gateway_app", "translate", str(path), "--indent", "0"]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        output = out.seek(0, os.SEEK_END)
    return Run(name, path.stat().st_size, seconds, usage.ru_maxrss / 1024, output, proc.returncode)


def inputs(mb: float, only: list[str]) -> list[tuple[str, Path]]:
    WORK.mkdir(parents=True, exist_ok=True)
    clean, _ = cached_856(WORK, mb)
    files = [("clean 856", clean)]
    for kind in only:
        path = WORK / f"bomb-{kind}-{mb:g}mb.edi"
        if not path.exists():
            write_bomb(kind, path, int(mb * MB))
        files.append((kind, path))
    return files


def baseline() -> Run:
    """An almost empty run (the fastest of three): what every run pays before its input."""
    tiny = WORK / "bomb-undefined-tiny.edi"
    write_bomb("undefined", tiny, 300)
    return min((translate("empty", tiny, python_path=False) for _ in range(3)), key=seconds)


def seconds(run: Run) -> float:
    return run.seconds


def table(runs: list[Run], base: Run) -> list[dict[str, float | str]]:
    """Per MB above the empty run, and the ratio of each to the clean file's."""
    rows: list[dict[str, float | str]] = []
    clean = runs[0]

    def per_mb(run: Run) -> tuple[float, float]:
        mb = run.size / MB
        return (
            max(run.seconds - base.seconds, 0.0) / mb,
            max(run.rss_mb - base.rss_mb, 0.0) / mb,
        )

    clean_s, clean_m = per_mb(clean)
    for run in runs:
        s_per_mb, m_per_mb = per_mb(run)
        rows.append(
            {
                "input": run.name,
                "MB": run.size / MB,
                "s": run.seconds,
                "MB/s": run.size / MB / run.seconds,  # the whole run, start-up included
                "RSS MB": run.rss_mb,
                "out KB": run.output / 1000,
                "s/MB": s_per_mb,
                "RSS MB/MB": m_per_mb,
                "time x clean": s_per_mb / clean_s if clean_s else float("nan"),
                "memory x clean": m_per_mb / clean_m if clean_m else float("nan"),
                "exit": run.exit_code,
            }
        )
    return rows


def show(title: str, rows: list[dict[str, float | str]]) -> None:
    print(f"\n{title}")
    header = list(rows[0])
    widths = [max(len(h), 9) for h in header]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of every input (10^6 bytes)")
    parser.add_argument("--only", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--python", action="store_true", help="also the pure-Python path")
    args = parser.parse_args(argv)
    files = inputs(args.mb, args.only)
    base = baseline()
    print(
        f"empty run: {base.seconds:.2f} s, {base.rss_mb:.0f} MB RSS (taken off before the per-MB"
        " columns); a document past a per-document limit is not read to its end"
    )
    record: dict[str, list[dict[str, float | str]]] = {}
    for python_path in [False, True] if args.python else [False]:
        title = "pure-Python path" if python_path else "native fast path"
        rows = table([translate(name, path, python_path) for name, path in files], base)
        show(f"{title}, {args.mb:g} MB inputs", rows)
        record[title] = rows
    (WORK / "hostile-last-run.json").write_text(json.dumps(record, indent=2))
    print("\ndetails in bench/.work/hostile-last-run.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
