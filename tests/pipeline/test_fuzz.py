"""Mutated corpus files into translate: nothing escapes but the gateway's own documented errors.

``translate_stream`` reports document errors instead of raising, so the only acceptable exception
is a ``GatewayError`` (and none is expected); any other exception is a bug in the reader, the
validator, the maps or the ack writers.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from gateway.errors import GatewayError
from gateway.pipeline.translate import translate_bytes
from tests.corpus import corpus_files, mutated_bytes, require_corpus

SEEDS = [p.read_bytes() for p in corpus_files()]
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "400"))


@pytest.mark.skipif(not SEEDS, reason="shared corpus absent: fuzz seeds come from it")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bytes(SEEDS))
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
