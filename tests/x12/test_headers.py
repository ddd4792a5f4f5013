"""``headers.interchange_headers``: the ISA headers read without parsing the rest, for the
duplicate check that runs before translation. It must find what translation finds."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.pipeline.translate import translate_bytes
from gateway.x12.headers import interchange_headers, interchange_headers_in
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


def whole_scan(raw: bytes) -> list[tuple[str, ...]]:
    """The headers as a scan of the whole body finds them (one chunk)."""
    headers = interchange_headers_in(io.BytesIO(raw), chunk_size=len(raw) + 1)
    return [(h.sender_id, h.control_number, h.delimiters.segment) for h in headers]


def chunked_scan(raw: bytes, chunk_size: int) -> list[tuple[str, ...]]:
    headers = interchange_headers_in(io.BytesIO(raw), chunk_size=chunk_size)
    return [(h.sender_id, h.control_number, h.delimiters.segment) for h in headers]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 64, 2047, 2048, 2049])
def test_given_a_body_read_in_chunks_then_the_scan_finds_what_a_whole_read_finds(
    chunk_size: int,
) -> None:
    """A stored body is scanned a chunk at a time (``store.raw_bodies``): an ``ISA`` cut by a
    chunk boundary, or a header whose window spans two chunks, is found all the same."""
    one = SAMPLES[0].read_bytes()
    bodies = [
        one,
        one + b"\n" + one.replace(b"000000301", b"000000399"),
        b"x" * (chunk_size * 3 + 1) + one,
        one.replace(b"ACME FASTENERS", b"VISA*ISA*X", 1) + one.replace(b"000000301", b"000000302"),
        b"ISA",
        b"",
    ]
    for raw in bodies:
        assert chunked_scan(raw, chunk_size) == whole_scan(raw)
    assert len(chunked_scan(bodies[1], chunk_size)) == 2
    assert [h[1] for h in chunked_scan(bodies[3], chunk_size)] == ["000000301", "000000302"]


@settings(max_examples=200, deadline=None)
@given(mutated_bytes([p.read_bytes() for p in SAMPLES]), st.integers(1, 4096))
def test_given_mangled_input_in_any_chunks_then_the_scan_agrees_with_a_whole_read(
    raw: bytes, chunk_size: int
) -> None:
    assert chunked_scan(raw, chunk_size) == whole_scan(raw)


def test_given_a_limit_then_the_scan_stops_after_that_many() -> None:
    one = SAMPLES[0].read_bytes()
    raw = b"\n".join(one.replace(b"000000301", f"{n:09d}".encode()) for n in range(5))
    assert [h.control_number for h in interchange_headers_in(io.BytesIO(raw), 2, 7)] == [
        "000000000",
        "000000001",
    ]
