"""Hostile input through ``gateway translate``: every repetition bomb, 20 MB, in a subprocess.

Issue 17's reproduction (``ST*856*0001~`` and ``N9~`` repeated, 1 MB) once took 2.8 GB and
printed 344 MB of JSON. Now, for each bomb at the 20 MB body limit: the process peaks under
200 MB (its own ``VmHWM``), prints under 1 MB, exits 1, and the output names
the limit that rejected the document. The pure-Python path (``GATEWAY_NO_SPEEDUPS=1``) is held
to the same on smaller bombs (it is slower, not different).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.conftest import KINDS, MB

PEAK_FILE = "GATEWAY_TEST_PEAK_FILE"
GATEWAY = [
    sys.executable,
    "-c",
    "import os, sys\n"
    "from gateway_app.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    peak = next(line for line in status.splitlines() if line.startswith('VmHWM:'))\n"
    "    open(os.environ['GATEWAY_TEST_PEAK_FILE'], 'w').write(peak.split()[1])\n"
    "sys.exit(code)\n",
]
"""``gateway translate`` reporting its own peak RSS (``VmHWM``, in kB): the high-water mark of the
process's own memory. ``wait4``'s ``ru_maxrss`` would also count the pytest process it was forked
from, which grows over a full run."""
MAX_RSS_MB = 200
MAX_OUTPUT = 1 * MB
EXPECTED = {
    # kind: (what the output must say, a code the acknowledgement must carry)
    "undefined": ("limit max_segments_per_transaction", "AK5*R*"),
    # 20 MB of 5,000-element segments pass 200,000 elements in the set before anything else
    "elements": ("limit max_elements_per_transaction", "AK5*R*"),
    "components": ("more than 64 components", "*13*"),
    "repeats": ("repeats more than 100 times", "*12*"),
    "tiny_sets": ("limit max_transactions_per_document", "*R*024~"),
    "deep_hl": ("limit max_segments_per_transaction", "AK5*R*"),
}


def translate(path: Path, out: Path, env: dict[str, str] | None = None) -> tuple[int, float]:
    """Run ``gateway translate`` on ``path`` into ``out``: (exit code, peak RSS in MB)."""
    peak = out.with_suffix(".peak")
    with out.open("wb") as sink:
        done = subprocess.run(
            [*GATEWAY, "translate", str(path), "--partner", "demo-supplier"],
            stdout=sink,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {}), PEAK_FILE: str(peak)},
            check=False,
        )
    return done.returncode, int(peak.read_text()) / 1024


SMALLER = {**EXPECTED, "elements": ("more than 128 elements", "AK4*5**3*")}
"""At 4 MB the wide segments are rejected one by one (REF defines 4 elements: AK4 at 5)."""


def check_rejection(kind: str, out: Path, expected: dict[str, tuple[str, str]]) -> None:
    text = out.read_text()
    assert len(text) < MAX_OUTPUT, f"{kind}: {len(text):,} bytes of output"
    answer: dict[str, Any] = json.loads(text)
    says, ack_code = expected[kind]
    assert answer["documents"] == [] and answer["errors"], kind
    assert says in text, f"{kind}: the output does not say {says!r}"
    assert any(ack_code in ack["edi"] for ack in answer["acknowledgments"]), kind


@pytest.mark.parametrize("kind", KINDS)
def test_given_20_mb_bomb_when_translated_then_bounded_and_rejected_by_name(
    kind: str, bomb_file: Callable[[str, int], Path], tmp_path: Path
) -> None:
    path = bomb_file(kind, 20 * MB)
    code, rss = translate(path, tmp_path / "out.json")
    assert code == 1
    assert rss < MAX_RSS_MB, f"{kind}: peak RSS {rss:.0f} MB for {path.stat().st_size:,} bytes"
    check_rejection(kind, tmp_path / "out.json", EXPECTED)


@pytest.mark.parametrize("kind", KINDS)
def test_given_bomb_on_the_python_path_then_the_same_bounded_rejection(
    kind: str, bomb_file: Callable[[str, int], Path], tmp_path: Path
) -> None:
    code, rss = translate(
        bomb_file(kind, 4 * MB), tmp_path / "out.json", {"GATEWAY_NO_SPEEDUPS": "1"}
    )
    assert code == 1 and rss < MAX_RSS_MB
    check_rejection(kind, tmp_path / "out.json", SMALLER)
