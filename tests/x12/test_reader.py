"""The tolerant reader: delimiters from the ISA, every terminator style, streaming across chunks."""

from __future__ import annotations

import io

import pytest

from gateway.errors import EnvelopeMissingError, InterchangeError
from gateway.x12.reader import SegmentReader, iter_segments

ISA = "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*BUYER          *261123*1200*U*00401*000000123*0*P*>"
BODY = [
    "GS*SH*SUPPLIER*BUYER*20261123*1200*7*X*004010",
    "ST*856*0001",
    "BSN*00*ASN1*20261123*1200",
    "SE*3*0001",
    "GE*1*7",
    "IEA*1*000000123",
]


def read(text: str | bytes, chunk_size: int = 1 << 20) -> tuple[list[list[str]], SegmentReader]:
    data = text.encode() if isinstance(text, str) else text
    reader = SegmentReader(io.BytesIO(data), chunk_size=chunk_size)
    return [seg.elements for seg in reader], reader


def tags(text: str | bytes, **kw: int) -> list[str]:
    return [e[0] for e in read(text, **kw)[0]]


EXPECTED = ["ISA", "GS", "ST", "BSN", "SE", "GE", "IEA"]


@pytest.mark.parametrize(
    "terminator",
    ["~", "~\n", "~\r\n", "\n", "\r\n", "!", "$\n", "|\r\n", "\u2026", "\u2026\n"],
)
def test_given_any_terminator_when_read_then_the_same_segments(terminator: str) -> None:
    text = terminator.join([ISA, *BODY]) + terminator
    segments, _ = read(text)
    assert [s[0] for s in segments] == EXPECTED
    assert segments[3] == ["BSN", "00", "ASN1", "20261123", "1200"]
    assert segments[0][16] == ">"


def test_given_bom_and_indentation_when_read_then_they_are_ignored() -> None:
    text = "\ufeff" + "\n".join("\t" * i + s + "~" for i, s in enumerate([ISA, *BODY]))
    assert tags(text) == EXPECTED


def test_given_collapsed_isa_padding_when_read_then_elements_are_trimmed_values() -> None:
    isa = "ISA*00* *00* *ZZ*SUPPLIER *ZZ*BUYER *261123*1200*U*00401*000000123*0*P*>"
    segments, _ = read("~\n".join([isa, *BODY]) + "~\n")
    assert segments[0][6].strip() == "SUPPLIER"
    assert [s[0] for s in segments] == EXPECTED


def test_given_nbsp_padding_when_read_then_the_isa_still_parses() -> None:
    isa = ISA.replace("SUPPLIER       ", "SUPPLIER\u00a0\u00a0\u00a0")
    assert tags("~\n".join([isa, *BODY]) + "~\n") == EXPECTED


def test_given_missing_isa16_when_read_then_the_terminator_is_found_and_reported() -> None:
    isa = ISA[:-1]  # "...*P*" then the terminator: ISA16 left out
    segments, reader = read("~\n".join([isa, *BODY]) + "~\n")
    assert [s[0] for s in segments] == EXPECTED
    assert any("ISA16" in w for _, w in reader.warnings)
    assert segments[0][16] == ""  # as sent: absent


def test_given_isa11_repetition_separator_when_read_then_delimiters_carry_it() -> None:
    isa = ISA.replace("*U*00401*", "*^*00501*")
    segments = list(iter_segments(io.BytesIO(("~".join([isa, *BODY]) + "~").encode())))
    assert segments[1].delimiters.repetition == "^"


def test_given_exotic_separators_when_read_then_elements_split_on_the_declared_ones() -> None:
    isa = ISA.replace("*", "~")[:-1] + "`"
    body = [s.replace("*", "~") for s in BODY]
    segments, _ = read("*\r\n".join([isa, *body]) + "*\r\n")
    assert segments[3] == ["BSN", "00", "ASN1", "20261123", "1200"]


def test_given_two_interchanges_with_different_delimiters_when_read_then_both_parse() -> None:
    first = "~\n".join([ISA, *BODY]) + "~\n"
    second = (
        "!".join([ISA.replace("*", "|")[:-1] + "@", *[s.replace("*", "|") for s in BODY]]) + "!"
    )
    segments, _ = read(first + second)
    assert [s[0] for s in segments] == EXPECTED * 2
    assert segments[10] == ["BSN", "00", "ASN1", "20261123", "1200"]


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 105, 106, 107, 4096])
def test_given_tiny_chunks_when_read_then_nothing_is_lost_at_chunk_edges(chunk_size: int) -> None:
    text = ("~\n".join([ISA, *BODY]) + "~\n") * 3
    assert tags(text, chunk_size=chunk_size) == EXPECTED * 3


def test_given_multibyte_utf8_split_across_chunks_when_read_then_decoded_once() -> None:
    body = [*BODY[:3], "N1*ST*Müller \u00e9tabli", *BODY[3:]]
    segments, _ = read("\u2026".join([ISA, *body]) + "\u2026", chunk_size=3)
    assert ["N1", "ST", "Müller \u00e9tabli"] in segments


def test_given_latin1_bytes_when_read_then_they_are_kept_as_latin1_characters() -> None:
    data = ("~".join([ISA, *BODY[:3], "N1*ST*M\u00fcller", *BODY[3:]]) + "~").encode("latin-1")
    segments, _ = read(data)
    assert ["N1", "ST", "M\u00fcller"] in segments


def test_given_st_without_envelope_when_read_then_envelope_missing_error() -> None:
    with pytest.raises(EnvelopeMissingError) as info:
        read("ST*810*0001~BIG*20261123*INV1~SE*3*0001~")
    assert info.value.context["transaction_set"] == "810"


def test_given_not_x12_when_read_then_interchange_error() -> None:
    with pytest.raises(InterchangeError) as info:
        read("UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'")
    assert info.value.code == "x12.isa.missing"


def test_given_truncated_isa_when_read_then_premature_end_code() -> None:
    with pytest.raises(InterchangeError) as info:
        read(ISA[:50])
    assert info.value.context["ta1_code"] == "023"


def test_given_alphanumeric_element_separator_when_read_then_rejected() -> None:
    with pytest.raises(InterchangeError) as info:
        read("ISAX00X" + "~")
    assert info.value.context["ta1_code"] == "026"


def test_given_junk_after_iea_when_read_then_reported_not_dropped() -> None:
    _, reader = read("~\n".join([ISA, *BODY]) + "~\nthis is not x12\n")
    assert reader.trailing_error is not None
    assert "not an interchange" in reader.trailing_error.message


def test_given_space_before_crlf_terminator_when_read_then_names_with_spaces_survive() -> None:
    body = [*BODY[:3], "N1*ST*ACME WIDGET CO", *BODY[3:]]
    segments, _ = read(" \r\n".join([ISA, *body]) + " \r\n")
    assert ["N1", "ST", "ACME WIDGET CO"] in segments
