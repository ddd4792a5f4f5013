"""``FastSets`` hands on exactly the sets and loop trees of the pure-Python path (differential).

Every input runs through ``FastSets`` and through ``walk_interchanges`` + ``validate_transaction``:
each set's segments (elements, ordinal, position), its loop tree, its result, then every
interchange result, the reader's counts and warnings and the exception that ends the stream, if
any, must be equal. Inputs: the shared corpus, our samples and golden files, generated 856 files
and the hypothesis mutations of ``test_fastpath``, with reader chunks small enough to cut sets
across buffers.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import GatewayError
from gateway.x12 import loops
from gateway.x12.interchanges import TransactionUnit, walk_interchanges
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Loop, Segment
from gateway.x12.native import fastpath, fastsets
from gateway.x12.native.fastsets import FastSets
from gateway.x12.reader import CHUNK_SIZE, SegmentReader
from gateway.x12.validate import DEFAULT_POLICY, ValidationPolicy, validate_transaction
from tests.corpus import mutated_bytes
from tests.x12.test_fastpath import (
    CHUNKS,
    CORPUS_FILES,
    EXAMPLES,
    LIMITS,
    OWN_FILES,
    PARSED,
    POLICIES,
    ROOT,
    SEEDS,
    _fastscan,
    assert_paths_agree,
    bomb,
    element_mutated,
    generated_856,
    needs_native,
)


def segment_data(segments: list[Segment]) -> list[tuple[Any, ...]]:
    return [(s.elements, s.ordinal, s.position, s.delimiters) for s in segments]


def tree_data(loop: Loop | None) -> Any:
    if loop is None:
        return None
    return (loop.id, segment_data(loop.segments), [tree_data(c) for c in loop.children])


def outcome(
    data: bytes,
    fast: bool,
    chunk: int = CHUNK_SIZE,
    policy: ValidationPolicy = DEFAULT_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Every set as handed on, every interchange result, and how the stream ended."""
    sets: list[tuple[Any, ...]] = []

    def on_set(unit: TransactionUnit, tree: Loop | None) -> None:
        result = dataclasses.asdict(unit.result)
        sets.append((segment_data(unit.segments), tree_data(tree), result))

    def handle(unit: TransactionUnit) -> None:
        on_set(unit, validate_transaction(unit, policy))

    if fast:
        run = FastSets(io.BytesIO(data), on_set, policy, chunk_size=chunk, limits=limits)
        reader: SegmentReader = run.reader
        results: Iterator[Any] = iter(run)
    else:
        reader = SegmentReader(io.BytesIO(data), chunk, limits)
        results = walk_interchanges(reader, handle)
    interchanges: list[dict[str, Any]] = []
    failure: tuple[str, Any] | None = None
    try:
        interchanges.extend(dataclasses.asdict(ir) for ir in results)
    except GatewayError as exc:
        failure = (type(exc).__name__, exc.as_dict())
    except Exception as exc:  # a bug must at least be the same bug on both paths
        failure = (type(exc).__name__, str(exc))
    trailing = reader.trailing_error
    return {
        "sets": sets,
        "interchanges": interchanges,
        "failure": failure,
        "segments": reader.ordinal,
        "trailing": trailing.as_dict() if trailing else None,
        "warnings": reader.warnings,
    }


def assert_same(
    data: bytes,
    chunk: int = CHUNK_SIZE,
    policy: ValidationPolicy = DEFAULT_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    assert_paths_agree(functools.partial(outcome, limits=limits), data, chunk, policy)


@needs_native
@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=["/".join(p.parts[-2:]) for p in CORPUS_FILES])
def test_given_corpus_file_then_fast_sets_match(path: Path) -> None:
    for chunk in CHUNKS:
        assert_same(path.read_bytes(), chunk)


@needs_native
@pytest.mark.parametrize("path", OWN_FILES, ids=[str(p.relative_to(ROOT)) for p in OWN_FILES])
def test_given_sample_then_fast_sets_match_for_every_policy(path: Path) -> None:
    for policy in POLICIES:
        for chunk in CHUNKS:
            assert_same(path.read_bytes(), chunk, policy)


@needs_native
@pytest.mark.parametrize("size", [30_000, 200_000])
def test_given_generated_856_then_fast_sets_match(size: int, tmp_path: Path) -> None:
    data = generated_856(tmp_path, size, seed=size + 1)
    for chunk in (CHUNK_SIZE, 1000, 61):
        assert_same(data, chunk)


@needs_native
@pytest.mark.parametrize("limits", LIMITS, ids=range(len(LIMITS)))
def test_given_small_limits_then_fast_sets_match(limits: Limits, tmp_path: Path) -> None:
    data = generated_856(tmp_path, 60_000, seed=7)
    for chunk in (CHUNK_SIZE, 1000, 61):
        assert_same(data, chunk, limits=limits)


@needs_native
@pytest.mark.parametrize("kind", ["undefined", "elements", "repeats", "deep_hl"])
def test_given_bomb_then_fast_sets_match(kind: str, tmp_path: Path) -> None:
    data = bomb(tmp_path, kind, 80_000)
    for limits in (DEFAULT_LIMITS, Limits(max_segments_per_transaction=500)):
        for chunk in (CHUNK_SIZE, 97):
            assert_same(data, chunk, limits=limits)


@needs_native
def test_given_clean_856_then_trees_come_from_placements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speed comes from certified sets: neither the validator nor the structure walker runs."""
    calls: list[str] = []
    monkeypatch.setattr(fastsets, "validate_transaction", lambda *a: calls.append("validate"))
    monkeypatch.setattr(loops, "build_tree", lambda *a: calls.append("walk"))
    trees: list[Loop | None] = []
    run = FastSets(io.BytesIO(generated_856(tmp_path, 100_000)), lambda u, t: trees.append(t))
    assert sum(1 for _ in run) == 1
    assert len(trees) > 10 and calls == [] and all(t is not None for t in trees)


@needs_native
def test_given_trees_not_wanted_then_certified_sets_get_none(tmp_path: Path) -> None:
    trees: list[Loop | None] = []
    run = FastSets(
        io.BytesIO(generated_856(tmp_path, 30_000)), lambda u, t: trees.append(t), trees=False
    )
    results = list(run)
    assert trees and trees == [None] * len(trees)
    assert all(t.accepted for ir in results for g in ir.groups for t in g.transactions)


@needs_native
@pytest.mark.skipif(not SEEDS, reason="no seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bytes(SEEDS, text=True), st.sampled_from(CHUNKS))
def test_given_byte_mutated_file_then_fast_sets_match(data: bytes, chunk: int) -> None:
    assert_same(data, chunk)


@needs_native
@pytest.mark.skipif(not PARSED, reason="no parseable seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(element_mutated(), st.sampled_from(CHUNKS), st.sampled_from(POLICIES))
def test_given_element_mutated_file_then_fast_sets_match(
    data: bytes, chunk: int, policy: ValidationPolicy
) -> None:
    assert_same(data, chunk, policy)


CLEAN_856 = (
    "GS*SH*S*R*20240102*1200*1*X*004010~ST*856*0001~BSN*00*SH1*20240102*1200*0001~HL*1**S~TD5*B*2*UPSN~N1*ST*BUYER*92*0249~"
    "N3*1 MAIN ST~HL*2*1*O~PRF*PO-1~HL*3*2*I~LIN*1*UP*012345678905~SN1*1*2*EA~CTT*3~SE*13*0001~"
)


def verdicts(text: str, placements: bool) -> list[tuple[Any, ...]]:
    profile = fastpath._profile(DEFAULT_POLICY.accepted_sets, "004010")
    scanner = _fastscan.Scanner(lambda version: profile, placements=placements)  # at the GS
    scanner.reset("*", ">", "~", "^", False)
    events, _ = scanner.scan(text, len(text))
    return [event for event in events if event[0] == 3]


@needs_native
def test_given_placements_wanted_then_a_clean_verdict_carries_one_per_body_segment() -> None:
    [verdict] = verdicts(CLEAN_856, placements=True)
    # BSN at the set level; HL S opens a loop under it, TD5 goes into that loop; N1 opens a loop
    # in the HL loop, N3 goes into it; HL O opens the next HL loop, PRF in it; HL I, LIN and SN1
    # in it; CTT at the set level again.
    assert verdict == (3, True, bytes([0, 16, 1, 17, 2, 16, 1, 16, 1, 1, 0]))
    assert verdicts(CLEAN_856, placements=False) == [(3, True, None)]


@needs_native
def test_placement_codes_agree_between_c_and_python() -> None:
    assert _fastscan.PLACE_NEW_LOOP == loops.NEW_LOOP


@needs_native
def test_given_set_not_clean_then_its_verdict_has_no_placements() -> None:
    broken = CLEAN_856.replace("SN1*1*2*EA", "SN1*1*X*EA")  # SN102 must be a number
    assert verdicts(broken, placements=True) == [(3, False, None)]
