"""Mutated corpus files into translate: nothing escapes but the gateway's own documented errors.

``translate_stream`` reports document errors instead of raising, so the only acceptable exception
is a ``GatewayError`` (and none is expected); any other exception is a bug in the reader, the
validator, the maps or the ack writers.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import GatewayError
from gateway.pipeline.translate import translate_bytes
from tests.corpus import corpus_files, require_corpus

SEEDS = [p.read_bytes() for p in corpus_files()]
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "400"))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate", "swap"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.sampled_from(list(b"*~>^|:\n\r 0A\x00\xff\xe2")))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=30))
        elif op == "truncate":
            del data[i:]
        elif op == "duplicate":
            j = min(len(data), i + draw(st.integers(1, 200)))
            data[j:j] = data[i:j]
        else:
            j = draw(st.integers(0, len(data) - 1))
            data[i], data[j] = data[j], data[i]
    return bytes(data)


@pytest.mark.skipif(not SEEDS, reason="shared corpus absent: fuzz seeds come from it")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_given_mutated_corpus_file_when_translated_then_only_documented_outcomes(
    data: bytes,
) -> None:
    try:
        result = translate_bytes(data)
    except GatewayError:
        return
    for ack in result.acknowledgments:
        assert ack["kind"] in ("TA1", "997", "999")
        assert ack["edi"].startswith("ISA*")
    for error in result.errors:
        assert error["code"] and error["message"]


def test_corpus_is_present_or_skip_is_explained() -> None:
    require_corpus()
    assert len(SEEDS) >= 80
