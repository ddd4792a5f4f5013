"""``x12.identities`` through the envelope walker: ISA and GS held against the expected ids."""

from __future__ import annotations

from gateway.pipeline.translate import TranslateOptions, TranslationResult, translate_bytes
from gateway.x12.identities import EnvelopeId, ExpectedIdentities

OURS = ExpectedIdentities(
    senders=(EnvelopeId("ZZ", "SUPPLIER"), EnvelopeId("01", "123456789")),
    receivers=(EnvelopeId("ZZ", "BUYER"),),
)


def interchange(sender: str, receiver: str, control: str = "000000001", gs: str = "") -> str:
    gs = gs or f"{sender.split('*')[1]}*{receiver.split('*')[1]}"
    return (
        f"ISA*00*          *00*          *{sender.ljust(18)}*{receiver.ljust(18)}*261123*1200*U*"
        f"00401*{control}*0*P*>~GS*PR*{gs}*20261123*1200*7*X*004010~ST*855*0001~"
        "BAK*00*AC*4500012345*20261120~SE*3*0001~GE*1*7~IEA*1*" + control + "~"
    )


def translate(text: str, identities: ExpectedIdentities | None = OURS) -> TranslationResult:
    return translate_bytes(text.encode(), options=TranslateOptions(identities=identities))


def test_given_every_isa_id_wrong_then_each_is_noted_and_the_first_decides_ta105() -> None:
    result = translate(interchange("ZZ*ACMEFAST", "ZZ*OTHERBUYER"))

    [ir] = result.interchanges
    assert (ir.ta1_status, ir.ta1_code, ir.groups) == ("R", "006", [])
    assert ir.messages == [
        "TA1 006: ISA06 'ACMEFAST' is not your sender id "
        "(expected one of: ZZ/SUPPLIER, 01/123456789)",
        "TA1 009: ISA08 'OTHERBUYER' is not one of our ids (expected one of: ZZ/BUYER)",
    ]
    assert result.documents == []


def test_given_an_empty_isa06_then_only_the_syntax_finding_is_reported() -> None:
    [ir] = translate(interchange("ZZ*", "ZZ*BUYER", gs="SUPPLIER*BUYER")).interchanges

    assert ir.ta1_code == "006" and ir.messages == ["TA1 006: ISA06 sender id is empty"]


def test_given_two_interchanges_one_foreign_then_only_that_one_is_rejected() -> None:
    text = interchange("01*123456789", "ZZ*BUYER") + interchange(
        "ZZ*SOMEONE", "ZZ*BUYER", control="000000002"
    )

    result = translate(text)

    assert [(ir.control_number, ir.ta1_status) for ir in result.interchanges] == [
        ("000000001", "A"),
        ("000000002", "R"),
    ]
    assert [d.source.sender_id for d in result.documents] == ["123456789"]


def test_given_gs02_of_another_sender_id_of_the_same_partner_then_accepted() -> None:
    result = translate(interchange("ZZ*SUPPLIER", "ZZ*BUYER", gs="123456789*BUYER"))

    assert result.ok and len(result.documents) == 1


def test_given_gs03_not_ours_then_the_group_is_rejected_in_the_997_with_the_reason() -> None:
    result = translate(interchange("ZZ*SUPPLIER", "ZZ*BUYER", gs="SUPPLIER*ELSEWHERE"))

    [group] = result.interchanges[0].groups
    assert (group.status, group.group_codes) == ("R", ["1"])
    assert [t.status for t in group.transactions] == ["R"]
    [group_error, set_error] = result.errors
    assert group_error["message"].endswith(
        "GS03 'ELSEWHERE' is not one of our ids (expected one of: BUYER)"
    )
    assert "855 0001 rejected: GS03 'ELSEWHERE'" in set_error["message"]
    assert "AK9*R*1*1*0*1~" in result.acknowledgments[0]["edi"]


def test_given_no_expected_identities_then_nothing_is_checked() -> None:
    result = translate(interchange("ZZ*ANYONE", "ZZ*ANYBODY"), identities=None)

    assert result.ok and len(result.documents) == 1
