"""Errors a supplier can act on (issue 14 §1): the headline of each error names the fault that
decided the outcome, as one sentence with the segment, its position and the element; group
faults say what is wrong rather than listing AK9 codes. Checked on every real file of the shared
corpus that is rejected or accepted with errors, and on the two the issue names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.pipeline.translate import translate_bytes
from gateway.x12.error_entries import first_reason, segment_sentence
from gateway.x12.results import ElementError, SegmentError, TransactionResult
from tests.corpus import CORPUS, corpus_files, require_corpus

SET_CODES = ("x12.transaction.rejected", "x12.transaction.errors")


def deciding(entry: dict[str, Any]) -> str:
    """What the headline must contain, worked out from the entry's own details."""
    limit = next((n for n in entry["notes"] if "max_" in n), None)
    if limit is not None:
        return limit
    segments = entry["segment_errors"]
    if entry["status"] == "R" and segments:
        return f"{segments[0]['tag']} at position {segments[0]['position']}"
    if entry["notes"]:
        return str(entry["notes"][0])
    if segments:
        return f"{segments[0]['tag']}"
    return ""


def failing_entries() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in corpus_files():
        result = translate_bytes(path.read_bytes())
        for entry in result.errors:
            found.append((f"{path.parent.name}/{path.name}", entry))
    return found


@pytest.fixture(scope="module")
def corpus_errors() -> list[tuple[str, dict[str, Any]]]:
    require_corpus()
    return failing_entries()


def test_every_rejected_or_flawed_set_in_the_corpus_heads_with_its_deciding_fault(
    corpus_errors: list[tuple[str, dict[str, Any]]],
) -> None:
    sets = [(name, e) for name, e in corpus_errors if e.get("code") in SET_CODES]
    wrong = [
        (name, e["message"], deciding(e)) for name, e in sets if deciding(e) not in e["message"]
    ]

    assert len(sets) >= 10, "the corpus has rejected and flawed sets to check"
    assert wrong == []


def test_no_group_fault_in_the_corpus_is_reported_as_bare_codes(
    corpus_errors: list[tuple[str, dict[str, Any]]],
) -> None:
    groups = [(n, e["message"]) for n, e in corpus_errors if e.get("code") == "x12.group.errors"]

    assert [m for _, m in groups if "AK9 codes" in m] == []


def test_the_855_rejected_for_a_syntax_rule_says_so_not_its_group_note() -> None:
    require_corpus()
    path = CORPUS / "x12-855" / "stupidedi_855_X358_aerospace_minor_changes.edi"

    (entry,) = [e for e in translate_bytes(path.read_bytes()).errors if e["code"] in SET_CODES]

    assert entry["status"] == "R"
    assert entry["message"].startswith("855 0001 rejected: ACK at position 8, ACK03: ")
    assert "syntax rule P0203" in entry["message"] and "PR group" not in entry["message"]
    assert "ST01 855 belongs in a PR group, not SC" in entry["notes"]  # still in the details


def test_the_dollar_terminated_856_says_what_broke_not_the_count() -> None:
    require_corpus()
    path = CORPUS / "x12-856" / "stupidedi_856_dollar_terminator_fail.edi"

    (entry,) = [e for e in translate_bytes(path.read_bytes()).errors if e["code"] in SET_CODES]

    assert entry["message"] == (
        "856 0000001 rejected: N1 at position 11: N1 has 13 elements, at most 6 defined"
    )


def test_an_element_error_names_the_element_and_its_value() -> None:
    error = SegmentError(
        "DTM", 7, "8", "DTM at position 7 has data element errors", "",
        [ElementError(2, "8", "not a date (CCYYMMDD)", "373", value="20261341")],
    )  # fmt: skip

    assert segment_sentence(error) == ("DTM at position 7, DTM02 '20261341': not a date (CCYYMMDD)")


def test_a_set_accepted_with_errors_heads_with_its_note() -> None:
    result = TransactionResult(
        "855", "0001", "", status="E", notes=["ST01 855 belongs in a PR group"]
    )

    assert first_reason(result) == "ST01 855 belongs in a PR group"


def test_a_group_count_that_is_off_says_how(tmp_path: Path) -> None:
    sample = (
        Path(__file__).resolve().parents[2] / "samples/demo-supplier/broken/855-ge-count-wrong.edi"
    )

    (entry,) = translate_bytes(sample.read_bytes()).errors

    assert entry["message"] == "functional group 205: GE01 says '2' transaction sets, 1 received"
