"""997/999/TA1 generated from validation results: exact text, version-matched, per set."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.pipeline.translate import TranslateOptions, translate_bytes
from gateway.x12.acks.reply_envelope import MemoryControlNumbers

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)


def isa(version: str = "00401", rep: str = "U", ack: str = "0", date: str = "261123") -> str:
    return (
        f"ISA*00*          *00*          *ZZ*ACMEFAST       *ZZ*GATEWAYBUYER   *{date}*1200*{rep}*"
        f"{version}*000000042*{ack}*P*>~\n"
    )


def interchange(
    sets: list[str], version: str = "004010", isa_version: str = "00401", **kw: str
) -> str:
    body = "".join(sets)
    rep = "^" if isa_version >= "00501" else "U"
    return (
        isa(isa_version, rep, **kw)
        + f"GS*PR*ACMEFAST*GATEWAYBUYER*20261123*1200*7*X*{version}~\n"
        + body
        + f"GE*{len(sets)}*7~\nIEA*1*000000042~\n"
    )


def po_ack(control: str, bak04: str = "20261120", se_count: int | None = None) -> str:
    segments = [
        f"ST*855*{control}",
        f"BAK*00*AC*4500012345*{bak04}",
        "PO1*1*10*EA*2.50**BP*BOLT-M8*VP*V-100",
        "ACK*IA*10*EA",
        "CTT*1",
    ]
    count = se_count if se_count is not None else len(segments) + 1
    return "".join(s + "~\n" for s in [*segments, f"SE*{count}*{control}"])


def acks(text: str) -> dict[str, str]:
    result = translate_bytes(
        text.encode(), options=TranslateOptions(now=NOW), counters=MemoryControlNumbers(500)
    )
    return {a["kind"]: a["edi"] for a in result.acknowledgments}


def body(edi: str) -> list[str]:
    """Segments between GS and GE (the ack's own envelope carries today's control numbers)."""
    segments = [s.strip() for s in edi.split("~") if s.strip()]
    return segments[2:-2]


def test_given_one_bad_set_among_good_ones_when_acked_then_only_it_is_rejected() -> None:
    text = interchange(
        [po_ack("0001"), po_ack("0002", bak04="20261345"), po_ack("0003", se_count=9)]
    )
    assert body(acks(text)["997"]) == [
        "ST*997*0001",
        "AK1*PR*7",
        "AK2*855*0001",
        "AK5*A",
        "AK2*855*0002",
        "AK3*BAK*2**8",
        "AK4*4*373*8*20261345",
        "AK5*R*5",
        "AK2*855*0003",
        "AK5*R*4",
        "AK9*P*3*3*1",
        "SE*12*0001",
    ]


def test_given_5010_group_when_acked_then_999_with_ik_segments_and_ctx() -> None:
    text = interchange([po_ack("0001", bak04="20260230")], version="005010", isa_version="00501")
    edi = acks(text)["999"]
    assert body(edi) == [
        "ST*999*0001*005010X231A1",
        "AK1*PR*7*005010",
        "AK2*855*0001",
        "IK3*BAK*2**8",
        "CTX*BAK03:4500012345",
        "IK4*4*373*8*20260230",
        "IK5*R*5",
        "AK9*R*1*1*0",
        "SE*9*0001",
    ]
    assert edi.startswith(
        "ISA*00*          *00*          *ZZ*GATEWAYBUYER   *ZZ*ACMEFAST       *261123*1405*^*00501*000000500*0*P*:~"
    )
    assert "GS*FA*GATEWAYBUYER*ACMEFAST*20261123*1405*500*X*005010X231A1~" in edi


def test_given_ta1_requested_when_clean_then_ta1_accepted() -> None:
    edi = acks(interchange([po_ack("0001")], ack="1"))["TA1"]
    assert "TA1*000000042*261123*1200*A*000~" in edi
    assert edi.rstrip().endswith("IEA*0*000000500~")


def test_given_unreadable_header_date_when_received_then_ta1_rejects_and_nothing_is_processed() -> (
    None
):
    text = interchange([po_ack("0001")], date="261399")
    result = translate_bytes(text.encode(), options=TranslateOptions(now=NOW))
    kinds = [a["kind"] for a in result.acknowledgments]
    assert kinds == ["TA1"]
    assert "TA1*000000042*261399*1200*R*014~" in result.acknowledgments[0]["edi"]
    assert result.documents == [] and not result.ok


def test_given_trailer_only_fault_when_received_then_ta1_e_and_content_processed() -> None:
    text = interchange([po_ack("0001")]).replace("IEA*1*000000042", "IEA*1*000000043")
    result = translate_bytes(text.encode(), options=TranslateOptions(now=NOW))
    ta1 = next(a["edi"] for a in result.acknowledgments if a["kind"] == "TA1")
    assert "*E*001~" in ta1
    assert [d.type for d in result.documents] == ["po_acknowledgment"]


def test_given_group_count_wrong_when_acked_then_ak9_code_5_but_sets_accepted() -> None:
    text = interchange([po_ack("0001")]).replace("GE*1*7", "GE*2*7")
    assert "AK9*E*2*1*1*5" in acks(text)["997"]


def test_given_duplicate_st02_when_acked_then_second_rejected_with_23() -> None:
    segments = body(acks(interchange([po_ack("0001"), po_ack("0001")]))["997"])
    assert segments[2:6] == ["AK2*855*0001", "AK5*A", "AK2*855*0001", "AK5*R*23"]


def test_given_partner_997_when_translated_then_no_ack_of_the_ack() -> None:
    text = (
        isa()
        + "GS*FA*ACMEFAST*GATEWAYBUYER*20261123*1200*8*X*004010~\n"
        + "ST*997*0001~\nAK1*PO*1001~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\n"
        + "GE*1*8~\nIEA*1*000000042~\n"
    )
    result = translate_bytes(text.encode())
    assert result.acknowledgments == []
    assert [d.type for d in result.documents] == ["functional_ack"]


def test_given_control_numbers_when_two_acks_then_counter_advances() -> None:
    counters = MemoryControlNumbers(7)
    text = interchange([po_ack("0001")], ack="1").encode()
    result = translate_bytes(text, options=TranslateOptions(now=NOW), counters=counters)
    controls = [a["edi"][90:99] for a in result.acknowledgments]
    assert controls == ["000000007", "000000008"]
