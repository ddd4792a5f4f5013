"""``translate_stream`` gives byte-identical output with and without the native fast path.

Each input is translated twice, once as shipped and once with ``GATEWAY_NO_SPEEDUPS=1`` (the
pure-Python reader and validator), and everything it produces is compared: each event's JSON,
the acknowledgements (997/999/TA1 text), errors, warnings, counts and the interchange results.
Inputs: the shared corpus, our samples (with their partners' options) and golden map files,
generated 856 files, and hypothesis mutations of all of them.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.canonical import Event
from gateway.partners import gateway_ids, load_partner
from gateway.pipeline.translate import TranslateOptions, translate_stream
from gateway.settings import parse_our_ids
from gateway.x12.acks.reply_envelope import MemoryControlNumbers
from gateway.x12.native import fastpath
from gateway.x12.validate import ValidationPolicy
from tests.corpus import mutated_bytes
from tests.identity_matrix import (
    AUTHENTICATED,
    MATRIX_OUR_IDS,
    Case,
    envelope_bytes,
    matrix_partners,
)
from tests.identity_matrix import CASES as MATRIX
from tests.identity_matrix import IDS as MATRIX_IDS
from tests.x12.test_fastpath import (
    CORPUS_FILES,
    EXAMPLES,
    OWN_FILES,
    PARSED,
    POLICIES,
    ROOT,
    SEEDS,
    element_mutated,
    generated_856,
    needs_native,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SAMPLES = ROOT / "samples"


def translation(data: bytes, fast: bool, options: TranslateOptions) -> dict[str, Any]:
    """Everything ``translate_stream`` produces for ``data``, as plain data."""
    with pytest.MonkeyPatch.context() as patch:
        if fast:
            patch.delenv("GATEWAY_NO_SPEEDUPS", raising=False)
        else:
            patch.setenv("GATEWAY_NO_SPEEDUPS", "1")
        assert fastpath.available() == fast
        events: list[str] = []

        def on_event(event: Event) -> None:
            events.append(event.model_dump_json())

        try:
            result = translate_stream(
                io.BytesIO(data),
                on_event=on_event,
                options=options,
                counters=MemoryControlNumbers(1),
            )
        except Exception as exc:  # translate reports, never raises: a bug on both paths alike
            return {"events": events, "raised": (type(exc).__name__, str(exc))}
    return {
        "events": events,
        "acknowledgments": result.acknowledgments,
        "errors": result.errors,
        "warnings": result.warnings,
        "counts": (result.transaction_count, result.segment_count, result.event_count),
        "interchanges": [dataclasses.asdict(ir) for ir in result.interchanges],
    }


def assert_same(data: bytes, options: TranslateOptions | None = None) -> None:
    options = options or TranslateOptions(now=NOW)
    fast, slow = translation(data, True, options), translation(data, False, options)
    for key in slow:
        assert fast[key] == slow[key], f"{key} differs"


def sample_options(path: Path) -> TranslateOptions:
    """A sample's partner settings, as ``tests/pipeline/test_samples.py`` translates it."""
    if not path.is_relative_to(SAMPLES):
        return TranslateOptions(now=NOW)
    partner = load_partner(path.relative_to(SAMPLES).parts[0])
    return TranslateOptions(
        partner_id=partner.id,
        policy=partner.policy(),
        ack=partner.x12.ack.kind,
        ta1=partner.x12.ack.ta1,
        ack_options=partner.ack_options(),
        identities=partner.expected_identities(),
        now=NOW,
    )


@needs_native
@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=["/".join(p.parts[-2:]) for p in CORPUS_FILES])
def test_given_corpus_file_then_fast_translation_is_identical(path: Path) -> None:
    assert_same(path.read_bytes())


@needs_native
@pytest.mark.parametrize("path", OWN_FILES, ids=[str(p.relative_to(ROOT)) for p in OWN_FILES])
def test_given_sample_then_fast_translation_is_identical(path: Path) -> None:
    assert_same(path.read_bytes(), sample_options(path))
    for policy in POLICIES:
        assert_same(path.read_bytes(), TranslateOptions(policy=policy, now=NOW))


@needs_native
@pytest.mark.parametrize("case", MATRIX, ids=MATRIX_IDS)
def test_given_an_identity_matrix_envelope_then_fast_translation_is_identical(
    case: Case, tmp_path: Path
) -> None:
    partner = load_partner(AUTHENTICATED, matrix_partners(tmp_path))
    identities = partner.expected_identities(gateway_ids(parse_our_ids(MATRIX_OUR_IDS)))
    assert_same(envelope_bytes(case), TranslateOptions(identities=identities, now=NOW))


@needs_native
@pytest.mark.parametrize("partner", [None, "acme-fasteners"])
def test_given_generated_856_then_fast_translation_is_identical(
    partner: str | None, tmp_path: Path
) -> None:
    data = generated_856(tmp_path, 150_000, seed=7)
    assert_same(data, TranslateOptions(partner_id=partner, now=NOW))
    assert_same(data, TranslateOptions(partner_id=partner, map_documents=False, now=NOW))


@pytest.mark.parametrize("window", [1, 97, 4096])
def test_given_small_scan_windows_then_fast_translation_is_identical(
    window: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scanner gets at most ``SCAN_WINDOW`` characters at a time: sets, segments and
    interchanges cut at any window edge (or longer than a window) read the same."""
    monkeypatch.setattr(fastpath, "SCAN_WINDOW", window)
    data = generated_856(tmp_path, 60_000, seed=11)
    two = data + data.replace(b"*000000001*", b"*000000002*")  # a second interchange after it
    assert_same(two, TranslateOptions(now=NOW))


@needs_native
@pytest.mark.skipif(not SEEDS, reason="no seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bytes(SEEDS, text=True))
def test_given_byte_mutated_file_then_fast_translation_is_identical(data: bytes) -> None:
    assert_same(data)


@needs_native
@pytest.mark.skipif(not PARSED, reason="no parseable seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(element_mutated(), st.sampled_from(POLICIES))
def test_given_element_mutated_file_then_fast_translation_is_identical(
    data: bytes, policy: ValidationPolicy
) -> None:
    assert_same(data, TranslateOptions(policy=policy, now=NOW))
