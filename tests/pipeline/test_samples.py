"""Golden tests: every sample we wrote (``samples/<partner>/<doc>.edi``) translates exactly to the
``<doc>.canonical.json`` beside it: events, acknowledgements (997/999/TA1 text) and errors.

Set ``UPDATE_GOLDEN=1`` to rewrite the expected files after a deliberate change, then review the
diff like code.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.partners import load_partner
from gateway.pipeline.translate import TranslateOptions, translate_bytes
from gateway.x12.acks.reply_envelope import MemoryControlNumbers

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FILES = sorted(SAMPLES.glob("*/*.edi")) + sorted(SAMPLES.glob("*/broken/*.edi"))
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def partner_of(path: Path) -> str:
    return path.relative_to(SAMPLES).parts[0]


def translate_sample(path: Path) -> dict[str, object]:
    partner = load_partner(partner_of(path))
    options = TranslateOptions(
        partner_id=partner.id,
        policy=partner.policy(),
        ack=partner.x12.ack.kind,
        ta1=partner.x12.ack.ta1,
        ack_options=partner.ack_options(),
        identities=partner.expected_identities(),
        now=NOW,
    )
    result = translate_bytes(path.read_bytes(), options=options, counters=MemoryControlNumbers(1))
    return result.as_json()


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SAMPLES)) for p in FILES])
def test_given_sample_when_translated_then_matches_its_golden_file(path: Path) -> None:
    golden = path.with_suffix(".canonical.json")
    actual = translate_sample(path)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.is_file(), f"{golden.name} missing: run with UPDATE_GOLDEN=1 and review it"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_every_clean_sample_yields_events_and_every_broken_one_an_error() -> None:
    assert len(FILES) >= 25
    for path in FILES:
        outcome = translate_sample(path)
        if "broken" in path.parts:
            assert outcome["errors"], f"{path.name} should be refused"
        else:
            assert outcome["documents"] and not outcome["errors"], path.name
