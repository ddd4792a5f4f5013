"""Golden files: each sample set under ``golden/<partner or base>/`` next to its expected event.

``UPDATE_GOLDEN=1 pytest tests/mapping/test_golden.py`` rewrites the expectations; review the diff.
The comparison is on the exact JSON text, so it also proves the output is deterministic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.mapping import load_map

from .x12tree import context, tree

GOLDEN = Path(__file__).with_name("golden")
SAMPLES = sorted(GOLDEN.glob("*/*.edi"))


def render(sample: Path) -> str:
    ts = tree(sample.read_text(encoding="utf-8"), component=">")
    partner = None if sample.parent.name == "base" else sample.parent.name
    document_type = ts.segments[0].get(1)
    event = load_map(document_type, partner).to_canonical(ts, context(document_type, partner))
    return json.dumps(event.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_maps_to_its_golden_event(sample: Path) -> None:
    expected_path = sample.with_suffix(".json")
    actual = render(sample)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"no golden file; run with UPDATE_GOLDEN=1 for {sample.name}"
    assert actual == expected_path.read_text(encoding="utf-8")
    assert render(sample) == actual  # a second run gives the very same text


def test_there_is_a_sample_for_every_document_type() -> None:
    assert {p.stem.split("-")[0] for p in SAMPLES} >= {"855", "856", "810", "997", "999"}
