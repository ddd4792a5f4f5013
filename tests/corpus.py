"""Access to the shared real-world corpus (../shared/corpus), never copied into the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import strategies as st

CORPUS = Path(
    os.environ.get("GATEWAY_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
X12_FOLDERS = (
    "x12-810",
    "x12-850",
    "x12-855",
    "x12-856",
    "x12-860",
    "x12-865",
    "x12-997",
    "x12-999",
    "x12-TA1",
    "x12-misc",
)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for folder in X12_FOLDERS for p in (CORPUS / folder).glob("*") if p.is_file())


def require_corpus() -> None:
    if not CORPUS.is_dir():
        reason = f"shared corpus not found at {CORPUS} (set GATEWAY_CORPUS); corpus tests skipped"
        print(reason)
        pytest.skip(reason)


_OPS = ["flip", "delete", "insert", "truncate", "duplicate", "swap"]


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes], *, text: bool = False) -> bytes:
    """1-6 byte-level mutations of one seed file (``text``: also splice in arbitrary Unicode)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    ops = [*_OPS, "text"] if text else _OPS
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(ops))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.sampled_from(list(b"*~>^|:\n\r 0A\x00\xff\xe2")))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=30))
        elif op == "truncate":
            del data[i:]
        elif op == "duplicate":
            j = min(len(data), i + draw(st.integers(1, 200)))
            data[j:j] = data[i:j]
        elif op == "text":
            data[i:i] = draw(st.text(min_size=1, max_size=8)).encode()
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i], data[j] = data[j], data[i]
    return bytes(data)
