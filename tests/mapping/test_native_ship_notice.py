"""The native 856 mapper (``gateway.mapping.native``) against the Python one, its reference.

Every event the C writes must be byte for byte what ``ShipNoticeMap`` + pydantic + the JSON
writer would have written, and every set it declines must be one the Python mapper takes with a
warning (or one with a value the C does not convert). Checked three ways: the mapper alone on
generated ship notices (hypothesis: hierarchies, values with quotes, backslashes, non-ASCII,
control characters, odd dates and decimals, under the base map, a partner's and one that uses
every kind of path), ``gateway translate``'s whole output with and without it on the samples,
the corpus's 856s and generated files, and the maps it must refuse.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.canonical import ShipNoticeEvent
from gateway.mapping import load_map
from gateway.mapping.native import ship_notice as native
from gateway.mapping.ship_notice import ShipNoticeMap
from gateway.mapping.values import parse_date, parse_decimal, parse_time
from gateway.pipeline.translate import TranslateOptions, translate_stream
from gateway_app.translate_output import StreamingJson
from tests.corpus import CORPUS, require_corpus

from .x12tree import context, tree

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "samples").glob("*/*.edi"))
needs_native = pytest.mark.skipif(
    not native.available(), reason="C mapper not built (see test_extension_is_built)"
)


def test_extension_is_built() -> None:
    """CI must notice when ``pip install -e .`` silently stops compiling ``_shipmap.c``."""
    assert native._shipmap is not None, "gateway.mapping.native._shipmap did not build"


# ---- the mapper alone, on generated ship notices ----

ODD = [*'AZ09 .-+Ee"\\/é☃😀\x7f\x01\t', "\u2028"]
"""Characters a value may hold besides the usual: JSON escapes, non-ASCII, astral, controls."""

value = st.one_of(
    st.text(alphabet=st.sampled_from(ODD), max_size=6),
    st.sampled_from(["", " ", "PO-1", "  X  ", "000111", "12", "0017.60", "-0.0", ".5", "17."]),
)
odd_date = st.one_of(
    st.sampled_from(["20240301", "240301", "20240230", "000229", "500101", "491231", "2024030"]),
    st.sampled_from(
        [
            "20000229",
            "19000229",
            "00000101",
            "\uff12\uff10\uff12\uff14\uff10\uff13\uff10\uff11",
            "abc",
            "",
        ]
    ),
    value,
)
time_value = st.sampled_from(["1200", "235959", "2400", "0860", "120000", "1200001", "12", ""])
quantity = st.one_of(
    st.sampled_from(["12", "0017.60", "+5", "-0", "-0.00", ".5", "17.", "1E2", "1e-2", "-", "."]),
    st.sampled_from(["12.5.1", "٣", "00", "-12.50", " 7 ", "", "1,5"]),
    value,
)
code = st.sampled_from(["S", "O", "T", "P", "Q", "I", "X", "", " I "])


@st.composite
def level_segments(draw: st.DrawFn) -> list[str]:
    """What one HL level carries, in any order."""
    qualifier = st.sampled_from(["BP", "VP", "UP", "PL", "LT", "ON", "IN", "ZZ", "", "CN"])
    templates = [
        lambda: f"PRF*{draw(value)}",
        lambda: (
            f"REF*{draw(st.sampled_from(['PO', 'BM', 'CN', '2I', 'LT', 'ZZ', '']))}*{draw(value)}"
        ),
        lambda: f"MAN*{draw(st.sampled_from(['GM', 'CP', '']))}*{draw(value)}",
        lambda: (
            "LIN*"
            + "*".join(draw(st.one_of(value, qualifier)) for _ in range(draw(st.integers(1, 7))))
        ),
        lambda: f"SN1*{draw(value)}*{draw(quantity)}*{draw(st.sampled_from(['EA', 'CA', '']))}",
        lambda: f"PID*F****{draw(value)}",
        lambda: (
            f"DTM*{draw(st.sampled_from(['036', '011', '017']))}*{draw(odd_date)}*{draw(time_value)}"
        ),
        lambda: (
            f"TD5*B*{draw(st.sampled_from(['2', 'ZZ']))}*{draw(value)}*{draw(value)}*{draw(value)}"
        ),
        lambda: f"N1*{draw(st.sampled_from(['ST', 'SF', '']))}*{draw(value)}*92*{draw(value)}",
        lambda: f"N3*{draw(value)}*{draw(value)}",
        lambda: f"N4*{draw(value)}*{draw(value)}*{draw(value)}*{draw(value)}",
        lambda: f"PO4*{draw(value)}",
    ]
    picks = draw(st.lists(st.integers(0, len(templates) - 1), max_size=7))
    return [templates[i]() for i in picks]


@st.composite
def ship_notices(draw: st.DrawFn) -> str:
    """A body (BSN to CTT) shaped as a certified 856 is: heading, HL levels, summary."""
    body = [f"BSN*{draw(value)}*{draw(value)}*{draw(odd_date)}*{draw(time_value)}"]
    for _ in range(draw(st.integers(0, 2))):
        body.append(
            f"DTM*{draw(st.sampled_from(['011', '017', '002']))}*{draw(odd_date)}*{draw(time_value)}"
        )
    ids: list[str] = []
    for n in range(1, draw(st.integers(1, 9)) + 1):
        own = draw(st.sampled_from([str(n), str(n), str(n), "1", f" {n} "]))
        parent = draw(st.one_of(st.just(""), st.sampled_from(ids or [""]), st.just("99")))
        body.append(f"HL*{own}*{parent}*{draw(code)}")
        body += draw(level_segments())
        ids.append(own.strip())
    body.append(f"CTT*{len(ids)}")
    return "~".join(body) + "~"


text = st.text(alphabet=st.sampled_from(ODD), min_size=1, max_size=6).filter(str.strip)
"""A value that is there (not blank), of odd characters."""
valid_date = st.dates(date(1000, 1, 1), date(2999, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
valid_quantity = st.from_regex(r"[+-]?[0-9]{1,4}(\.[0-9]{0,3})?", fullmatch=True)


@st.composite
def clean_ship_notices(draw: st.DrawFn) -> str:
    """A ship notice the mappers read without a warning (odd characters in its free text); one
    in five gets a segment that makes the Python mapper warn (an empty PRF, an unreadable
    quantity or date, a lone qualifier, a second HL 1...): the declines' side."""
    body = [f"BSN*00*{draw(text)}*{draw(valid_date)}*1200", f"DTM*017*{draw(valid_date)}"]
    levels: list[list[str]] = [["HL*1**S", f"TD5*B*2*{draw(text)}*M*{draw(text)}"]]
    if draw(st.booleans()):
        levels[0] += [f"N1*ST*{draw(text)}*92*{draw(text)}", f"N3*{draw(text)}", f"N4*{draw(text)}"]
    n = 1
    for _ in range(draw(st.integers(1, 3))):
        n += 1
        order = n
        levels.append(
            [
                f"HL*{order}*{draw(st.sampled_from(['1', '']))}*O",
                f"PRF*{draw(text)}",
                f"REF*PO*{draw(text)}",
            ]
        )
        parent = order
        if draw(st.booleans()):
            n += 1
            levels.append(
                [
                    f"HL*{n}*{order}*{draw(st.sampled_from(['P', 'T']))}",
                    f"MAN*GM*{draw(text)}",
                    f"MAN*CP*{draw(text)}",
                ]
            )
            parent = n
        for _ in range(draw(st.integers(1, 3))):
            n += 1
            pairs = "".join(
                f"*{q}*{draw(text)}"
                for q in draw(
                    st.lists(st.sampled_from(["BP", "VP", "UP", "ZZ", "CN", "LT"]), max_size=3)
                )
            )
            item = [
                f"HL*{n}*{draw(st.sampled_from([str(parent), '']))}*I",
                f"LIN*{draw(text)}{pairs}",
                f"SN1**{draw(valid_quantity)}*{draw(st.sampled_from(['EA', 'CA', 'XX']))}",
            ]
            if draw(st.booleans()):
                item += [f"PID*F****{draw(text)}", f"DTM*036*{draw(valid_date)}"]
            levels.append(item)
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(levels) - 1))
        levels[at].insert(
            draw(st.integers(1, len(levels[at]))),
            draw(
                st.sampled_from(
                    [
                        "PRF*",
                        "SN1**x*EA",
                        "DTM*036*20241340",
                        "LIN**BP",
                        "HL*1**I",
                        "MAN*GM*",
                        "REF*PO*",
                    ]
                )
            ),
        )
    for level in levels:
        body += level
    body.append(f"CTT*{n}")
    return "~".join(body) + "~"


def write_map(folder: Path, name: str, document: dict[str, Any]) -> Path:
    (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / name / "x12-856.yaml").write_text(yaml.safe_dump(document))
    return folder


EVERY_PATH = {
    "extends": "base",
    "levels": {
        "S": "shipment",
        "O": "order",
        "T": "tare",
        "P": "pack",
        "Q": "pack",
        "I": "item",
        "X": "item",
    },
    "line_tags": ["LIN", "SN1", "PO4"],
    "header": {
        "shipment_id": ["BSN02", "TD503[TD502!=ZZ]"],
        "tracking_numbers": ["REF02[REF01=CN|2I]", "MAN02[MAN01]", "LIN03/CN"],
        "bill_of_lading": ["REF02[REF01=BM][REF02!=X]"],
    },
    "level": {"po_number": ["LIN02/ON", "PRF01", "REF02[REF01=PO]"]},
    "line": {"product_ids": ["LIN02", "REF01[REF01!=PO]"], "uom": ["SN103", "PO401"]},
    "product_id_qualifiers": {"BP": "buyer_part_number", "ZZ": None, "CN": "container"},
    "uom": {"EA": "EACH", "CA": "CS"},
    "dates": {"formats": ["MMDDYY", "CCYYMMDD", "YYMMDD"], "century_pivot": 30},
}


@functools.cache
def every_path_maps() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="native-maps-"))
    for base in (ROOT / "maps" / "base").glob("*.yaml"):
        (folder / "base").mkdir(exist_ok=True)
        (folder / "base" / base.name).write_text(base.read_text())
    return write_map(folder, "every-path", EVERY_PATH)


def _mappers() -> list[tuple[str | None, Path | None]]:
    return [(None, None), ("acme-fasteners", None), ("every-path", every_path_maps())]


def compare(body: str, partner: str | None, maps_dir: Path | None) -> str:
    """Map ``body`` both ways; returns which way the native mapper went."""
    mapper = load_map("856", partner, maps_dir)
    assert isinstance(mapper, ShipNoticeMap)
    plan = native.compile_plan(mapper)
    assert plan is not None
    event = mapper.to_canonical(tree(f"ST*856*0001~{body}SE*99*0001~"), context("856", partner))
    assert isinstance(event, ShipNoticeEvent)
    head = native.event_head(event.id, partner, event.source.model_dump(mode="json"))
    expected = json.dumps(event.model_dump(mode="json"), indent=2)
    for indent, depth, reference in ((2, 0, expected), (-1, 0, None), (4, 2, None)):
        plan.load(body, "*", "~", 1_000_000)
        written = plan.encode(head, indent, depth)
        if event.warnings:
            assert written is None, f"the Python mapper warned {event.warnings}, the C did not"
            return "declined"
        if written is None:
            # the C converts less than Python: only exponents and non-ASCII digits
            assert any(c in body for c in "eE") or not body.isascii(), body
            return "declined"
        if reference is None:
            python = event.model_dump(mode="json")
            reference = json.dumps(python, indent=None if indent < 0 else indent)
            if depth:
                reference = reference.replace("\n", "\n" + " " * (indent * depth))
        assert written == reference
    return "native"


@needs_native
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(clean_ship_notices(), ship_notices()), which=st.integers(0, 2))
def test_generated_ship_notices_map_the_same(body: str, which: int) -> None:
    partner, maps_dir = _mappers()[which]
    compare(body, partner, maps_dir)


@needs_native
def test_the_native_mapper_takes_clean_notices_and_declines_warned_ones() -> None:
    clean = (
        "BSN*00*SHP-1*20240301*1200~DTM*017*20240305~HL*1**S~TD5*B*2*EXLA*M*ESTES~REF*CN*PRO1~"
        'N1*ST*PLANT "2" \\ É☃😀*92*P2~N3*1 MAIN*DOCK 7~N4*DAYTON*OH*45414*US~HL*2*1*O~PRF*PO-1~REF*PO*PO-1~'
        "HL*3*2*P~MAN*GM*0001~MAN*CP*TRK1~HL*4*3*I~LIN*1*BP*A-1*VP*B-2*PL*9~SN1*1*0012.50*EA~"
        "DTM*036*281031~HL*5*2*I~LIN**UP*012~SN1**-0*CA~PID*F****WIDGET\x7f~CTT*5~"
    )
    for partner, maps_dir in _mappers():
        assert compare(clean, partner, maps_dir) == "native", partner
    no_po = clean.replace("PRF*PO-1~REF*PO*PO-1~", "")
    assert compare(no_po, None, None) == "declined"
    assert compare(clean.replace("HL*4*3*I", "HL*4*77*I"), None, None) == "declined"
    assert (
        compare(clean.replace("LIN*1*BP*A-1*VP*B-2*PL*9", "LIN*1*BP**VP*B-2"), None, None)
        == "declined"
    )


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(quantity, odd_date, time_value))
def test_values_convert_as_python_converts_them(text: str) -> None:
    """Quantities, dates and times through the C converters: Python's answer, or a decline."""
    body = f"BSN*00*S*{text}*{text}~HL*1**O~PRF*P~HL*2*1*I~SN1**{text}*EA~DTM*036*{text}~CTT*2~"
    outcome = compare(body, None, None)
    stripped = text.strip()
    readable = (
        parse_decimal(stripped) is not None
        and (parse_date(stripped, ("CCYYMMDD", "YYMMDD")) is not None or "DTM" not in body)
        and parse_time(stripped) is not None
    )
    if outcome == "native":
        assert readable


@needs_native
def test_a_map_the_c_cannot_express_gets_no_plan(tmp_path: Path) -> None:
    maps = write_map(tmp_path, "comp", {"extends": "base", "line": {"lot": ["REF04-2"]}})
    for base in (ROOT / "maps" / "base").glob("*.yaml"):
        (maps / "base").mkdir(exist_ok=True)
        (maps / "base" / base.name).write_text(base.read_text())
    write_map(maps, "on-st", {"extends": "base", "header": {"purpose": ["ST02", "BSN01"]}})
    write_map(maps, "implied", {"extends": "base", "implied_decimals": {"SN102": 2}})
    write_map(maps, "implied-elsewhere", {"extends": "base", "implied_decimals": {"TDS01": 2}})
    for partner in ("comp", "on-st", "implied"):
        mapper = load_map("856", partner, maps)
        assert isinstance(mapper, ShipNoticeMap)
        assert native.compile_plan(mapper) is None, partner
    mapper = load_map("856", "implied-elsewhere", maps)
    assert isinstance(mapper, ShipNoticeMap)
    assert native.compile_plan(mapper) is not None
    assert (
        translated(SAMPLES[0].read_bytes(), "comp", "json", maps_dir=maps)[0]
        == translated(SAMPLES[0].read_bytes(), "comp", "python", maps_dir=maps)[0]
    )


def test_event_keys_are_pydantics() -> None:
    """The head ``event_head`` writes plus "document" are the event's keys in pydantic's order."""
    assert native._event_keys() == list(native.EVENT_KEYS)


# ---- gateway translate's whole output, with and without the native mapper ----


def translated(
    data: bytes,
    partner: str | None,
    way: str,
    indent: int | None = 2,
    maps_dir: Path | None = None,
) -> tuple[str, int]:
    """``gateway translate``'s output and how many events the native mapper wrote as text.

    ``way``: ``json`` (native events straight to the output, as the command does), ``events``
    (native events read back into ``Event``s, as the worker gets them) or ``python`` (no
    native mapper: the reference)."""
    out = io.StringIO()
    writer = StreamingJson(out, indent)
    taken = []

    class Counting:
        depth = writer.depth

        def __init__(self) -> None:
            self.indent = writer.indent

        def event_json(self, text: str) -> None:
            taken.append(text)
            writer.event_json(text)

    options = TranslateOptions(
        partner_id=partner, maps_dir=maps_dir, now=datetime(2026, 1, 2, 3, 4)
    )
    sink = Counting() if way == "json" else None
    with mock.patch.object(
        native, "available", lambda: way != "python" and native._shipmap is not None
    ):
        result = translate_stream(
            io.BytesIO(data), on_event=writer.event, options=options, json_sink=sink
        )
    writer.close(
        {
            "acknowledgments": result.acknowledgments,
            "errors": result.errors,
            "warnings": result.warnings,
        }
    )
    return out.getvalue(), len(taken)


def same_both_ways(data: bytes, partner: str | None = None, indent: int | None = 2) -> int:
    """The output is the same all three ways; how many events went native as text."""
    with_native, taken = translated(data, partner, "json", indent)
    reference = translated(data, partner, "python", indent)[0]
    assert with_native == reference
    assert translated(data, partner, "events", indent)[0] == reference
    return taken


@needs_native
@pytest.mark.parametrize("indent", [2, None, 4])
@pytest.mark.parametrize("partner", [None, "acme-fasteners", "demo-supplier"])
def test_samples_translate_the_same(partner: str | None, indent: int | None) -> None:
    taken = sum(same_both_ways(path.read_bytes(), partner, indent) for path in SAMPLES)
    # the clean demo ship notices, at least; Acme's map wants REF*PO, which one of them carries
    assert taken >= (1 if partner == "acme-fasteners" else 4)


@needs_native
def test_corpus_ship_notices_translate_the_same() -> None:
    require_corpus()
    files = sorted((CORPUS / "x12-856").glob("*"))
    assert files
    taken = sum(
        same_both_ways(path.read_bytes(), partner)
        for path in files
        for partner in (None, "acme-fasteners")
    )
    assert taken > 0


@functools.cache
def _gen856() -> Any:
    spec = importlib.util.spec_from_file_location("gen856", ROOT / "bench" / "gen856.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen856", module)
    spec.loader.exec_module(module)
    return module


@needs_native
@pytest.mark.parametrize("seed", [856, 4242, 7])
def test_generated_files_translate_the_same_and_all_natively(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "asn.edi"
    stats = _gen856().generate_856(path, 300_000, seed=seed)
    taken = same_both_ways(path.read_bytes())
    assert taken == stats.transactions


@needs_native
def test_the_native_path_is_off_with_no_speedups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_NO_SPEEDUPS", "1")
    assert not native.available()
    sample = ROOT / "samples" / "demo-supplier" / "856-SOTPI-4010.edi"
    assert translated(sample.read_bytes(), None, "json")[1] == 0


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from([*ODD, "*", "~"]), max_size=4),
            st.sampled_from(
                ["HL*1**I", "HL**1*O", "HL*2*2*P", "SN1**1", "LIN*1*BP", "N1*ST", "CTT"]
            ),
            st.sampled_from(["~", "*", "PRF*P", "MAN*GM*1", "DTM*036*20240101"]),
        ),
        max_size=40,
    ).map("".join),
    which=st.integers(0, 2),
)
def test_any_text_is_read_safely(body: str, which: int) -> None:
    """Text no scanner certified (the C only ever gets certified sets, but must not care):
    never a crash, and JSON whenever it writes anything."""
    partner, maps_dir = _mappers()[which]
    mapper = load_map("856", partner, maps_dir)
    assert isinstance(mapper, ShipNoticeMap)
    plan = native.compile_plan(mapper)
    assert plan is not None
    for indent in (2, -1):
        plan.load(body, "*", "~", 3)
        written = plan.encode(native.event_head("evt_x", partner, {}), indent, 1)
        if written is not None:
            assert json.loads(written)["document"]["lines"]


@needs_native
def test_a_file_of_every_kind_keeps_its_events_in_order() -> None:
    """Native and Python events interleave in the order of their sets."""
    demo = ROOT / "samples" / "demo-supplier"
    names = ["855-accepted-4010.edi", "856-SOTPI-4010.edi", "810-4010.edi", "856-SOI-4010.edi"]
    data = b"\n".join((demo / name).read_bytes() for name in names)
    with_native, taken = translated(data, None, "json")
    assert taken == 2
    assert with_native == translated(data, None, "python")[0]
    assert with_native == translated(data, None, "events")[0]
    types = [event["type"] for event in json.loads(with_native)["documents"]]
    assert types == ["po_acknowledgment", "ship_notice", "invoice", "ship_notice"]
