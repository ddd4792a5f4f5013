"""The native fast path gives exactly the results of the pure-Python path (differential tests).

Every input runs through both: ``FastValidation`` and ``walk_interchanges`` + ``validate_transaction``
compared interchange by interchange (every field of every result: TA1, AK9, AK5 codes, segment and
element errors, notes, business keys, counts), plus the exception if one ends the stream; and
``validate_stream`` with and without ``GATEWAY_NO_SPEEDUPS`` compared summary for summary. Inputs:
the shared corpus, our samples and golden files, generated 856 files, and hypothesis mutations of
all of them, byte-level (as ``tests/pipeline/test_fuzz.py``) and element-level (values chosen to hit
each check the scanner makes). Small reader chunks put set boundaries across buffers. The same
again under tiny ``Limits`` and on repetition bombs (``bench/bombs.py``), so that every cap is
hit on both paths.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import io
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import GatewayError
from gateway.pipeline.translate import validate_stream
from gateway.x12.dictionary import SEGMENTS_5010
from gateway.x12.interchanges import walk_interchanges
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Segment
from gateway.x12.native import fastpath
from gateway.x12.native import tables as fastpath_tables
from gateway.x12.reader import CHUNK_SIZE, SegmentReader
from gateway.x12.spec import ElementSpec
from gateway.x12.validate import DEFAULT_POLICY, ValidationPolicy, validate_transaction
from tests.corpus import CORPUS, mutated_bytes

ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = sorted(p for p in CORPUS.glob("x12-*/*") if p.is_file())
OWN_FILES = sorted(ROOT.glob("samples/**/*.edi")) + sorted(
    ROOT.glob("tests/mapping/golden/**/*.edi")
)
CHUNKS = (CHUNK_SIZE, 4096, 97, 7)
POLICIES = (
    DEFAULT_POLICY,
    ValidationPolicy(segment_order="strict", group_mismatch="reject"),
    ValidationPolicy(accepted_sets=frozenset({"856", "997"})),
)

try:
    from gateway.x12.native import _fastscan
except ImportError:  # reported by test_extension_is_built
    _fastscan = None  # type: ignore[assignment]

needs_native = pytest.mark.skipif(
    _fastscan is None, reason="C extension not built (see test_extension_is_built)"
)


@functools.cache
def _gen856() -> Any:
    """``bench/gen856.py`` (bench is not a package)."""
    spec = importlib.util.spec_from_file_location("gen856", ROOT / "bench" / "gen856.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen856", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@functools.cache
def bombs() -> Any:
    """``bench/bombs.py``."""
    spec = importlib.util.spec_from_file_location("bombs", ROOT / "bench" / "bombs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bomb(tmp: Path, kind: str, size: int) -> bytes:
    return bytes(bombs().write_bomb(kind, tmp / f"{kind}-{size}.edi", size).read_bytes())


def generated_856(tmp: Path, size: int, seed: int = 856) -> bytes:
    path = tmp / f"gen-{size}-{seed}.edi"
    _gen856().generate_856(path, size, seed=seed)
    return path.read_bytes()


# --- the two paths -------------------------------------------------------------------------------


def outcome(
    data: bytes,
    fast: bool,
    chunk: int = CHUNK_SIZE,
    policy: ValidationPolicy = DEFAULT_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Everything either path produces for ``data``, as plain data."""
    handled = [0]
    if fast:
        run = fastpath.FastValidation(io.BytesIO(data), policy, chunk, limits=limits)
        reader: SegmentReader = run.reader
        results: Iterator[Any] = iter(run)
    else:
        reader = SegmentReader(io.BytesIO(data), chunk, limits)

        def handle(unit: Any) -> None:
            handled[0] += 1
            validate_transaction(unit, policy)

        results = walk_interchanges(reader, handle)
    interchanges: list[dict[str, Any]] = []
    failure: tuple[str, Any] | None = None
    try:
        interchanges.extend(dataclasses.asdict(ir) for ir in results)
    except GatewayError as exc:
        failure = (type(exc).__name__, exc.as_dict())
    except Exception as exc:  # a validator bug must at least be the same bug on both paths
        failure = (type(exc).__name__, str(exc))
    trailing = reader.trailing_error
    return {
        "interchanges": interchanges,
        "failure": failure,
        "segments": reader.ordinal,
        "transactions": run.transaction_count if fast else handled[0],
        "trailing": trailing.as_dict() if trailing else None,
        "warnings": reader.warnings,
    }


def assert_paths_agree(
    outcome_of: Callable[[bytes, bool, int, ValidationPolicy], dict[str, Any]],
    data: bytes,
    chunk: int = CHUNK_SIZE,
    policy: ValidationPolicy = DEFAULT_POLICY,
) -> None:
    """``outcome_of(data, fast, chunk, policy)`` is the same on the native and the Python path."""
    fast = outcome_of(data, True, chunk, policy)
    slow = outcome_of(data, False, chunk, policy)
    for key in slow:
        assert fast[key] == slow[key], f"{key} differs (chunk {chunk}, {policy})"


def assert_same(
    data: bytes,
    chunk: int = CHUNK_SIZE,
    policy: ValidationPolicy = DEFAULT_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    assert_paths_agree(functools.partial(outcome, limits=limits), data, chunk, policy)


TINY = Limits(
    max_errors_per_transaction=5,
    max_errors_per_interchange=12,
    max_errors_per_document=20,
    max_error_entries=3,
    max_segments_per_transaction=30,
    max_elements_per_transaction=250,
    max_elements_per_segment=64,
    max_components_per_element=16,
    max_repeats_per_element=3,
    max_transactions_per_document=40,
    max_groups_per_document=2,
    max_interchanges_per_document=2,
)
LIMITS = (
    TINY,
    Limits(max_segments_per_transaction=4),  # every set with a body is over
    Limits(max_segments_per_transaction=45),  # some sets over, some within, some exactly at it
    Limits(max_elements_per_transaction=400),  # over by elements before the segment limit
    Limits(max_transactions_per_document=3, max_errors_per_document=0),
)
"""Small enough for the samples and generated files to hit every cap."""


def summaries(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    monkeypatch.delenv("GATEWAY_NO_SPEEDUPS", raising=False)
    assert fastpath.available()
    fast = validate_stream(io.BytesIO(data))
    monkeypatch.setenv("GATEWAY_NO_SPEEDUPS", "1")
    assert not fastpath.available()
    slow = validate_stream(io.BytesIO(data))
    return fast, slow


# --- the extension itself ------------------------------------------------------------------------


def test_extension_is_built() -> None:
    """CI must notice when ``pip install -e .`` silently stops compiling ``_fastscan.c``."""
    assert _fastscan is not None, "gateway.x12.native._fastscan did not build: is gcc installed?"
    assert fastpath.available() or os.environ.get("GATEWAY_NO_SPEEDUPS")


@needs_native
def test_tag_ids_agree_between_c_and_python() -> None:
    for tag in ["ST", "SE", "ISA", "N1", "ZZZ", "00", "A", "ABCD", "st", "S*", "", "É1", "HL"]:
        assert _fastscan.tag_id(tag) == fastpath_tables.tag_id(tag), tag


@needs_native
@pytest.mark.parametrize("version", ["002001", "003060", "004010", "004060", "005010X231A1", ""])
def test_every_profile_compiles(version: str) -> None:
    """A spec the tables cannot express would silently send its sets to the slow path."""
    for accepted in (DEFAULT_POLICY.accepted_sets, frozenset({"856"})):
        assert fastpath._profile(accepted, version) is not None


@needs_native
@pytest.mark.parametrize(
    "broken",
    [
        {"elements": b"\x01"},  # not whole records
        {"segments": (99).to_bytes(8, "little") * 5},  # elements out of range
        {"nodes": (0).to_bytes(8, "little") * 3},  # a loop without items
        {"code_chars": b"abc"},  # not UCS4
    ],
)
def test_given_malformed_tables_when_loaded_then_value_error(broken: dict[str, bytes]) -> None:
    tables = {name: b"" for name in fastpath_tables.compile_profile({}, {})} | broken
    with pytest.raises(ValueError):
        _fastscan.Profile(**tables)


@needs_native
def test_scanner_survives_arbitrary_text() -> None:
    scanner = _fastscan.Scanner(lambda version: None)
    scanner.reset("*", ">", "~", "^", False)
    for text in ["", "~~~", "ST*856*1~SE*2*1", "ST~" * 50, "\u20ac*\U0001f600~ST*\x00~", "*" * 999]:
        events, stop = scanner.scan(text, len(text))
        assert isinstance(events, list) and stop >= -1


# --- differential: files -------------------------------------------------------------------------


@needs_native
@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=["/".join(p.parts[-2:]) for p in CORPUS_FILES])
def test_given_corpus_file_then_fast_path_matches(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for chunk in CHUNKS:
        assert_same(path.read_bytes(), chunk)
    fast, slow = summaries(path.read_bytes(), monkeypatch)
    assert fast == slow


def test_corpus_differential_ran_or_says_why() -> None:
    if not CORPUS_FILES:
        reason = f"shared corpus not found at {CORPUS}: corpus differential tests skipped"
        print(reason)
        pytest.skip(reason)


@needs_native
@pytest.mark.parametrize("path", OWN_FILES, ids=[str(p.relative_to(ROOT)) for p in OWN_FILES])
def test_given_sample_then_fast_path_matches_for_every_policy(path: Path) -> None:
    for policy in POLICIES:
        for chunk in CHUNKS:
            assert_same(path.read_bytes(), chunk, policy)


@needs_native
@pytest.mark.parametrize("path", OWN_FILES, ids=[str(p.relative_to(ROOT)) for p in OWN_FILES])
def test_given_sample_then_validate_stream_summaries_match(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = summaries(path.read_bytes(), monkeypatch)
    assert fast == slow


@needs_native
@pytest.mark.parametrize("size", [30_000, 200_000])
def test_given_generated_856_then_fast_path_matches(
    size: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = generated_856(tmp_path, size, seed=size)
    for chunk in (CHUNK_SIZE, 1000, 61):
        assert_same(data, chunk)
    fast, slow = summaries(data, monkeypatch)
    assert fast == slow and fast.accepted == fast.transaction_count > 0


@needs_native
def test_given_clean_856_then_no_set_falls_back_to_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speed comes from certifying clean sets: a clean file must not reach the validator."""
    calls: list[str] = []
    monkeypatch.setattr(fastpath, "validate_transaction", lambda unit, policy: calls.append("x"))
    summary = fastpath.validate_stream_fast(io.BytesIO(generated_856(tmp_path, 100_000)))
    assert summary.transaction_count > 10 and calls == []


@needs_native
def test_given_several_interchanges_in_one_stream_then_fast_path_matches(tmp_path: Path) -> None:
    one = generated_856(tmp_path, 20_000)
    streams = (one + b"junk between\n" + one.replace(b"~\n", b"|\r\n").replace(b"*", b"^"), one * 3)
    for data in streams:
        for chunk in CHUNKS:
            assert_same(data, chunk)


@needs_native
@pytest.mark.parametrize("limits", LIMITS, ids=range(len(LIMITS)))
def test_given_small_limits_then_fast_path_matches(limits: Limits, tmp_path: Path) -> None:
    data = generated_856(tmp_path, 60_000)
    for chunk in CHUNKS:
        assert_same(data, chunk, limits=limits)
    for path in OWN_FILES:
        assert_same(path.read_bytes(), 97, limits=limits)


@needs_native
@pytest.mark.parametrize(
    "kind", ["undefined", "elements", "components", "repeats", "tiny_sets", "deep_hl"]
)
def test_given_bomb_then_fast_path_matches(kind: str, tmp_path: Path) -> None:
    """Each repetition bomb hits its cap (segments, elements, components, repeats, sets) the
    same way on both paths, also with a set cut across buffers."""
    data = bomb(tmp_path, kind, 120_000)
    cut = data[: data.rfind(b"SE*")]  # as issue 17's file: the stream ends inside the set
    for limits in (
        DEFAULT_LIMITS,
        TINY,
        Limits(max_segments_per_transaction=700),
        Limits(max_elements_per_transaction=500),
        Limits(max_segments_per_transaction=700, max_elements_per_transaction=400),
    ):
        for chunk in (CHUNK_SIZE, 4096, 97):
            assert_same(data, chunk, limits=limits)
        assert_same(cut, 4096, limits=limits)


@needs_native
def test_given_set_ending_exactly_at_the_segment_limit_then_paths_agree(tmp_path: Path) -> None:
    """SE at position ``max_segments_per_transaction + 1`` takes a clean set over: not certified."""
    data = generated_856(tmp_path, 30_000)
    for size in range(4, 80):
        assert_same(data, 4096, limits=Limits(max_segments_per_transaction=size))
    for elements in range(390, 700, 7):  # and by elements, alone or with the segment limit
        assert_same(data, 4096, limits=Limits(max_elements_per_transaction=elements))
        both = Limits(max_elements_per_transaction=elements, max_segments_per_transaction=60)
        assert_same(data, 97, limits=both)


@needs_native
def test_given_values_around_each_split_limit_then_paths_agree() -> None:
    """A clean set with a value of exactly N repetitions, components or elements, for N around
    each limit: the scanner must certify it exactly when Python finds nothing (trailing empty
    components and elements are clean; past the limit they are not)."""
    sample = (ROOT / "samples/demo-supplier/856-5010.edi").read_bytes()
    ref = b"REF*BM*BOL2026112106~"
    limits = Limits(
        max_elements_per_segment=64, max_components_per_element=16, max_repeats_per_element=4
    )
    variants = [b"REF*BM*" + b"^".join([b"BOL1"] * n) + b"~" for n in range(1, 8)]
    variants += [b"REF*BM*BOL1**BM>BOL1" + b">" * n + b"~" for n in range(10, 20)]
    variants += [b"REF*BM*BOL1" + b"*" * n + b"~" for n in range(60, 70)]
    for variant in variants:
        data = sample.replace(ref, variant)
        for chunk in (CHUNK_SIZE, 61):
            assert_same(data, chunk, limits=limits)


# --- differential: mutations ---------------------------------------------------------------------

SEEDS = [p.read_bytes() for p in CORPUS_FILES + OWN_FILES]
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "400"))


@needs_native
@pytest.mark.skipif(not SEEDS, reason="no seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bytes(SEEDS, text=True), st.sampled_from(CHUNKS))
def test_given_byte_mutated_file_then_fast_path_matches(data: bytes, chunk: int) -> None:
    assert_same(data, chunk)


def _segments(data: bytes) -> list[Segment]:
    try:
        return list(SegmentReader(io.BytesIO(data)))
    except GatewayError:
        return []


PARSED = [segs for segs in map(_segments, SEEDS) if len(segs) > 4]
VALUES = [
    *("", " ", "0", "1", "2", "01", "-1", "1.5", ".5", "1.", "-.5", "1e5", "1E-2", "-", "e5", "1e"),
    *("20240229", "20230229", "20000229", "19000229", "240229", "000229", "500229", "20241301"),
    *("20240431", "2400", "2359", "0960", "235960", "1200599", "12005999", "120059999", "123"),
    *("A", "AB", "ABC", "ZZ", "00", "SH", "PO", "ST", "BM", "EA", "US", "92", "X" * 81, "A" * 10),
    *("A>B", "A^B", ">", "^", "A:B", "AB>>", "1>2", "EA>1", "a\x01b", "\xa0", "é", "€", "١٢", "²"),
]


def typed_value(seg: Segment, k: int) -> st.SearchStrategy[str]:
    """Values for element ``k`` of ``seg`` around what its spec allows: lengths min-1..max+1,
    codes and near-codes, dates, times, numbers, composites and repetitions."""
    spec = SEGMENTS_5010.get(seg.elements[0])
    if spec is None or k > len(spec.elements):
        return st.text(max_size=5)
    es = spec.elements[k - 1]
    d = seg.delimiters
    if es.composite is not None:
        parts = [simple_value(c) for c in es.composite] + [st.sampled_from(["", "X"])]
        count = st.integers(0, len(parts))
        value = count.flatmap(lambda n: st.tuples(*parts[:n])).map(d.component.join)
    else:
        value = simple_value(es)
    if d.repetition:
        value = value | st.lists(value, min_size=2, max_size=3).map(d.repetition.join)
    return value


def simple_value(es: ElementSpec) -> st.SearchStrategy[str]:
    sizes = st.integers(max(0, es.min - 1), min(es.max + 1, es.min + 12))
    digits = sizes.flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
    if es.type == "ID" and es.codes:
        return st.sampled_from(sorted(es.codes)) | st.text("ABCZ019", min_size=1, max_size=3)
    if es.type == "DT":
        return digits | st.dates().map(lambda day: day.strftime(draw_date_format(day)))
    if es.type == "TM":
        return digits
    if es.type == "R":
        return st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str) | digits.map(
            lambda v: f"-{v[:-1]}.{v[-1:]}e1"
        )
    if es.type.startswith("N"):
        return digits | digits.map(lambda v: "-" + v)
    letters = "ABC xyz-.,&/#'()\x7f\x1f"
    return sizes.flatmap(lambda n: st.text(letters, min_size=n, max_size=n))


def draw_date_format(day: date) -> str:
    return "%y%m%d" if day.day % 2 else "%Y%m%d"


def _serialize(segments: list[Segment]) -> bytes:
    out = []
    for seg in segments:
        d = seg.delimiters
        out.append(d.element.join(seg.elements) + d.segment + ("" if d.line_mode else "\n"))
    return "".join(out).encode("utf-8")


@st.composite
def element_mutated(draw: st.DrawFn) -> bytes:
    """Valid documents with a few values, elements or segments changed: aimed at every check the
    scanner certifies (types, lengths, codes, composites, syntax notes, order, HL, CTT, SE01)."""
    segments = [Segment(list(s.elements), s.delimiters) for s in draw(st.sampled_from(PARSED))]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(1, len(segments) - 1))
        seg = segments[i]
        op = draw(
            st.sampled_from(["value", "value", "value", "append", "drop", "delete", "copy", "swap"])
        )
        if op == "value":
            k = draw(st.integers(1, max(1, len(seg.elements))))
            other = draw(st.sampled_from(segments)).elements
            choices = st.sampled_from([*VALUES, *other[1:]]) | typed_value(seg, k)
            seg.elements[k : k + 1] = [draw(choices)]
        elif op == "append":
            seg.elements.append(draw(st.sampled_from(["", "X", "1"])))
        elif op == "drop" and len(seg.elements) > 1:
            seg.elements.pop()
        elif op == "delete":
            del segments[i]
        elif op == "copy":
            segments.insert(
                draw(st.integers(1, len(segments))), Segment(list(seg.elements), seg.delimiters)
            )
        else:
            j = draw(st.integers(1, len(segments) - 1))
            segments[i], segments[j] = segments[j], seg
    return _serialize(segments)


@needs_native
@pytest.mark.skipif(not PARSED, reason="no parseable seed files")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(element_mutated(), st.sampled_from(CHUNKS), st.sampled_from(POLICIES))
def test_given_element_mutated_file_then_fast_path_matches(
    data: bytes, chunk: int, policy: ValidationPolicy
) -> None:
    assert_same(data, chunk, policy)


@needs_native
@pytest.mark.skipif(not PARSED, reason="no parseable seed files")
@settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(element_mutated(), st.sampled_from(CHUNKS), st.sampled_from(LIMITS))
def test_given_element_mutated_file_under_small_limits_then_fast_path_matches(
    data: bytes, chunk: int, limits: Limits
) -> None:
    assert_same(data, chunk, limits=limits)
