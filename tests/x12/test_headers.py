"""``headers.interchange_headers``: the ISA headers read without parsing the rest, for the
duplicate check that runs before translation. It must find what translation finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from gateway.pipeline.translate import translate_bytes
from gateway.x12.headers import interchange_headers
from tests.corpus import corpus_files, mutated_bytes, require_corpus

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*/*.edi"))


def translated(raw: bytes) -> list[tuple[str, str, str]]:
    return [
        (i.sender_id, i.receiver_id, i.control_number)
        for i in translate_bytes(raw).interchanges
        if i.control_number
    ]


def scanned(raw: bytes) -> list[tuple[str, str, str]]:
    return [(h.sender_id, h.receiver_id, h.control_number) for h in interchange_headers(raw)]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_given_our_samples_then_the_scan_finds_the_translated_interchanges(path: Path) -> None:
    raw = path.read_bytes()
    assert scanned(raw) == translated(raw)


@pytest.mark.corpus
def test_given_the_real_corpus_then_every_translated_interchange_is_scanned() -> None:
    require_corpus()
    checked = 0
    for path in corpus_files():
        raw = path.read_bytes()
        found = scanned(raw)
        for interchange in translated(raw):
            assert interchange in found, path.name
            checked += 1
    assert checked > 50


def test_given_two_interchanges_and_isa_inside_data_then_only_the_headers_are_found() -> None:
    one = SAMPLES[0].read_bytes()
    two = one.replace(b"000000301", b"000000399")
    noisy = one.replace(b"ACME FASTENERS", b"VISA*ISA*X", 1)
    assert len(scanned(one + b"\n" + two)) == 2
    assert [h[2] for h in scanned(one + two)] == ["000000301", "000000399"]
    assert scanned(noisy) == scanned(one)


@settings(max_examples=200, deadline=None)
@given(mutated_bytes([p.read_bytes() for p in SAMPLES]))
def test_given_mangled_input_then_the_scan_never_raises(raw: bytes) -> None:
    assert isinstance(interchange_headers(raw), list)
