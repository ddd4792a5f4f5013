"""Access to the shared real-world corpus (../shared/corpus), never copied into the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
