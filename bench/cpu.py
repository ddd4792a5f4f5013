"""CPU seconds per component of a running stack, read from /proc (Linux): where the cores go.

A component is a process tree (its root pid and every descendant) or every process whose command
name starts with a prefix (``postgres``, ``redis-server``). Backends that exit take their CPU time
with them, so measure while the stack still runs.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds)."""
    found: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def snapshot(trees: dict[str, int], prefixes: dict[str, str]) -> dict[str, float]:
    """CPU seconds so far for each named process tree and each named command-name prefix."""
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    totals: dict[str, float] = {}
    for label, root in trees.items():
        stack, total = [root], 0.0
        while stack:
            pid = stack.pop()
            total += procs.get(pid, (0, "", 0.0))[2]
            stack.extend(children.get(pid, []))
        totals[label] = total
    for label, prefix in prefixes.items():
        totals[label] = sum(cpu for _, name, cpu in procs.values() if name.startswith(prefix))
    return totals


def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before.get(key, 0.0) for key in after}


def machine() -> dict[str, float]:
    """Seconds of all CPUs so far from /proc/stat: ``total``, ``idle`` (with iowait) and ``steal``
    (time the hypervisor gave to other guests: a run with much of it was slowed from outside)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is counted in user already)
    return {
        "total": sum(fields[:8]) / TICKS,
        "idle": (fields[3] + fields[4]) / TICKS,
        "steal": fields[7] / TICKS,
    }
