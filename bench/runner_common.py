"""Timing helpers shared by the contender runners (stdlib only: runs under any venv's python).

A runner times one contender on one file, best of N, and prints one JSON line on stdout:
``{"contender", "seconds", "runs", "segments", "maxrss_kb", ...extra}``. Only the parse itself is
timed: interpreter start-up, imports, counting what a parser returned and freeing it are not.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contender:
    """``parse(path)`` is timed; ``summarize(product)``, untimed, returns ``{"segments": n}``."""

    parse: Callable[[str], Any]
    summarize: Callable[[Any], Mapping[str, Any]] = dict


def time_best(contender: Contender, path: str, reps: int, budget: float) -> dict[str, Any]:
    """Run ``contender.parse(path)`` up to ``reps`` times (fewer once ``budget`` s are spent)."""
    runs: list[float] = []
    info: Mapping[str, Any] = {}
    while len(runs) < max(reps, 1) and (not runs or sum(runs) < budget):
        gc.collect()
        start = time.perf_counter()
        product = contender.parse(path)
        runs.append(time.perf_counter() - start)
        info = contender.summarize(product)
        del product
    return {"seconds": min(runs), "runs": [round(r, 4) for r in runs], **info}


def run_cli(
    contenders: Mapping[str, Callable[[], Contender]], argv: list[str] | None = None
) -> None:
    """``RUNNER MODE FILE [--reps N] [--budget S]``: time MODE on FILE, print JSON.

    ``contenders`` maps a mode to a factory, called (and so its imports done) before timing.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(contenders))
    parser.add_argument("file")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0, help="stop repeating after S s")
    args = parser.parse_args(argv)
    result = time_best(contenders[args.mode](), args.file, args.reps, args.budget)
    result["contender"] = args.mode
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["python"] = sys.version.split()[0]
    print(json.dumps(result, default=str))
