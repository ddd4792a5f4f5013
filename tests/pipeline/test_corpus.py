"""Every X12 file of the shared real-world corpus: translated, or refused with the precise error.

``tests/data/corpus_expectations.json`` records, per file, the outcome of every transaction set
(``855:A:``, ``810:R:4``), group (AK9) and interchange (TA1), the events produced, the error codes,
and for every file that is not clean a ``why`` written by a person who read the file. A change in
any outcome fails here and must be justified by editing that table.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gateway.pipeline.translate import TranslationResult, translate_bytes
from tests.corpus import CORPUS, corpus_files, require_corpus

EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "data" / "corpus_expectations.json").read_text()
)
FILES = corpus_files()
IDS = ["/".join(p.parts[-2:]) for p in FILES]


def outcome(result: TranslationResult) -> dict[str, Any]:
    sets = [t for ir in result.interchanges for g in ir.groups for t in g.transactions]
    return {
        "sets": [f"{t.code}:{t.status}:{','.join(t.set_codes)}" for t in sets],
        "groups": [
            f"{g.status}:{','.join(g.group_codes)}" for ir in result.interchanges for g in ir.groups
        ],
        "ta1": [f"{ir.ta1_status}:{ir.ta1_code}" for ir in result.interchanges],
        "documents": dict(sorted(Counter(d.type for d in result.documents).items())),
        "errors": [e["code"] for e in result.errors],
    }


REQUIRED = {
    "po_acknowledgment": ("po_number", "status"),
    "ship_notice": ("shipment_id",),
    "invoice": ("invoice_number", "invoice_date", "total_amount"),
    "functional_ack": ("acknowledged_group", "status"),
    "interchange_ack": ("acknowledged_interchange", "status"),
}


def check_documents(result: TranslationResult) -> None:
    for event in result.documents:
        data = event.model_dump(mode="json")
        assert data["id"].startswith("evt_")
        assert data["source"]["syntax"] == "x12" and data["source"]["control_number"]
        for name in REQUIRED[data["type"]]:
            assert data["document"][name] not in (None, ""), f"{data['type']}.{name} missing"


def test_corpus_is_listed_completely() -> None:
    require_corpus()
    assert sorted(IDS) == sorted(EXPECTED), "corpus and expectation table disagree"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_given_corpus_file_when_translated_then_outcome_is_as_reviewed(path: Path) -> None:
    key = "/".join(path.parts[-2:])
    expected = {k: v for k, v in EXPECTED[key].items() if k != "why"}
    result = translate_bytes(path.read_bytes())
    assert outcome(result) == expected
    check_documents(result)
    if expected["errors"]:
        assert EXPECTED[key].get("why"), "every refused file needs a reviewed reason"
        assert all(e["message"] for e in result.errors)


def test_corpus_tally_is_printed() -> None:
    require_corpus()
    tally: Counter[str] = Counter()
    events: Counter[str] = Counter()
    for path in FILES:
        result = translate_bytes(path.read_bytes())
        tally[
            "clean"
            if result.ok
            else ("translated with findings" if result.documents else "refused")
        ] += 1
        events.update(d.type for d in result.documents)
    print(f"\ncorpus {CORPUS}: {len(FILES)} X12 files: {dict(tally)}; events: {dict(events)}")
    assert sum(tally.values()) == len(FILES)
    assert (
        events["po_acknowledgment"] >= 15 and events["ship_notice"] >= 8 and events["invoice"] >= 10
    )
