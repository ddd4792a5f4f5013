"""``parse_documents`` stays bounded: a body of too many documents is refused before any is
validated, and a body of many bad documents keeps the first ``MAX_ERRORS`` errors and counts
the rest (they once all went into the message, the 422 and the stored metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.errors import DocumentError
from gateway.pipeline.json_documents import MAX_ERRORS, parse_documents
from gateway.x12.limits import Limits

ROOT = Path(__file__).resolve().parents[2]


def body(count: int) -> bytes:
    return json.dumps({"documents": [{"type": "ship_notice"}] * count}).encode()


def test_given_more_documents_than_the_limit_then_refused_naming_it() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_documents(body(11), "demo-supplier", Limits(max_transactions_per_document=10))
    [error] = caught.value.context["errors"]
    assert error["type"] == "too_many_documents"
    assert "limit max_transactions_per_document" in error["message"]


def test_given_many_invalid_documents_then_first_errors_kept_and_all_counted() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_documents(body(500), "demo-supplier")
    errors = caught.value.context["errors"]
    assert len(errors) == MAX_ERRORS
    found = int(caught.value.message.split(" ", 1)[0])
    assert found > MAX_ERRORS and "in 500 document(s)" in caught.value.message


def test_given_a_document_naming_an_event_it_supersedes_then_refused() -> None:
    """Only an operator's corrected replay makes a correction (``supersedes``, the ERP contract
    in ``gateway/erp/base.py``): a supplier cannot claim to replace another event."""
    sample = ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.canonical.json"
    [event] = json.loads(sample.read_text())["documents"]
    with pytest.raises(DocumentError) as caught:
        parse_documents(json.dumps({**event, "supersedes": "evt_x"}).encode(), "demo-supplier")
    [error] = caught.value.context["errors"]
    assert (error["loc"], error["message"]) == ("supersedes", "set by the gateway only")
    assert parse_documents(json.dumps(event).encode(), "demo-supplier")[0].supersedes is None


def test_given_a_document_carrying_its_own_discrepancies_then_refused() -> None:
    """Discrepancies are the gateway's check against the PO: a supplier cannot write them."""
    sample = ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.canonical.json"
    [event] = json.loads(sample.read_text())["documents"]
    claimed = {"po_number": "1", "kind": "none", "severity": "info", "message": "All good."}
    with pytest.raises(DocumentError) as caught:
        parse_documents(json.dumps({**event, "discrepancies": [claimed]}).encode(), "demo-supplier")
    [error] = caught.value.context["errors"]
    assert (error["loc"], error["message"]) == ("discrepancies", "set by the gateway only")
