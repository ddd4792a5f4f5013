"""A TA1 a partner sends us (their answer to an interchange of ours) is a canonical
``interchange_ack`` event, delivered to the ERP like any other, and a visible problem when it does
not accept ours (issue 14 §1: it used to be a warning, exit 0)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gateway.canonical import InterchangeAckEvent
from gateway.erp.memory import MemoryErpConnector
from gateway.pipeline.translate import translate_bytes
from gateway_app.cli import main
from tests.transports.harness import DEMO_KEY, Gateway, bearer, client, gateway

__all__ = ["client", "gateway"]  # the API harness fixtures


def ta1(status: str, note: str, control: int = 501) -> bytes:
    return (
        "ISA*00*          *00*          *ZZ*DEMOSUPPLIER   *ZZ*GATEWAYBUYER   *261204*1015*U*00401*"
        f"{control:09d}*0*P*>~TA1*000000041*261204*0930*{status}*{note}~IEA*0*{control:09d}~"
    ).encode()


def test_given_a_rejecting_ta1_then_an_event_and_an_error_that_says_why() -> None:
    result = translate_bytes(ta1("R", "006"), "demo-supplier")

    (event,) = result.documents
    assert isinstance(event, InterchangeAckEvent)
    assert event.partner_id == "demo-supplier"
    assert (event.document.acknowledged_interchange, event.document.status) == (
        "000000041",
        "rejected",
    )
    assert (event.document.note_code, event.document.note) == (
        "006",
        "invalid interchange sender ID",
    )
    assert (event.source.document_type, event.source.control_number) == ("TA1", "000000041")
    assert not result.ok
    (error,) = result.errors
    assert error["code"] == "x12.ta1.received"
    assert error["message"] == (
        "the partner rejected our interchange 000000041: TA1 note 006 (invalid interchange sender ID)"
    )
    assert result.acknowledgments == []  # never answer an answer


def test_given_an_accepting_ta1_then_an_event_and_no_error() -> None:
    result = translate_bytes(ta1("A", "000"), "demo-supplier")

    (event,) = result.documents
    assert isinstance(event, InterchangeAckEvent) and event.document.status == "accepted"
    assert result.ok and result.errors == []
    assert translate_bytes(ta1("A", "000"), "demo-supplier").documents[0].id == event.id


def test_gateway_translate_exits_1_on_a_rejecting_ta1(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ta1.edi"
    path.write_bytes(ta1("R", "024"))

    assert main(["translate", "--indent", "0", str(path)]) == 1
    assert "the partner rejected our interchange 000000041" in capsys.readouterr().out


def test_given_a_ta1_over_the_api_then_the_erp_gets_it_and_the_receipt_shows_the_problem(
    gateway: Gateway, client: TestClient
) -> None:
    answer = client.post("/v1/x12", content=ta1("R", "006"), headers=bearer(DEMO_KEY))

    assert answer.status_code == 202, answer.text
    receipt = client.get(answer.json()["links"]["self"], headers=bearer(DEMO_KEY)).json()
    assert [(t["code"], t["control_number"]) for t in receipt["transactions"]] == [
        ("TA1", "000000041")
    ]
    assert any("rejected our interchange 000000041" in e["message"] for e in receipt["errors"])
    erp = gateway.runtime.connector
    assert isinstance(erp, MemoryErpConnector)
    (event,) = erp.events.values()
    assert isinstance(event, InterchangeAckEvent) and event.document.status == "rejected"
