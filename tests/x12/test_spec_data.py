"""Well-formedness of the X12 data tables: the segment dictionary and the set structures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.x12.dictionary import SEGMENTS_4010, SEGMENTS_5010, segments_for, version_family
from gateway.x12.set_tables import (
    FUNCTIONAL_IDS,
    transaction_spec,
    ts810,
    ts855,
    ts856,
    ts997,
    ts999,
)
from gateway.x12.spec import UNBOUNDED, ElementSpec, LoopSpec, SegmentSpec, SegmentUse

SETS = {"855": ts855, "856": ts856, "810": ts810, "997": ts997, "999": ts999}
VERSIONS = ("004010", "005010")
GS08_SAMPLES = (
    "004010",
    "004010VICS",
    "004010X348",
    "004010X358",
    "004030",
    "004060",
    "003060",
    "002001",
    "005010",
    "005010X231A1",
    "",
)
TYPES = {"AN", "ID", "DT", "TM", "R", "B", "C"}


def _tables() -> Iterator[tuple[str, dict[str, SegmentSpec]]]:
    for version in GS08_SAMPLES:
        yield version, segments_for(version)


def _elements(spec: SegmentSpec) -> Iterator[tuple[str, ElementSpec]]:
    for pos, element in enumerate(spec.elements, 1):
        yield f"{spec.tag}{pos:02d}", element
        for k, component in enumerate(element.composite or (), 1):
            yield f"{spec.tag}{pos:02d}-{k}", component


def _loops(loop: LoopSpec) -> Iterator[LoopSpec]:
    yield loop
    for item in loop.items:
        if isinstance(item, LoopSpec):
            yield from _loops(item)


def _segment_uses(loop: LoopSpec) -> Iterator[SegmentUse]:
    for node in _loops(loop):
        for item in node.items:
            if isinstance(item, SegmentUse):
                yield item


# --- dictionary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "table"), list(_tables()), ids=[v or "empty" for v in GS08_SAMPLES]
)
def test_dictionary_elements_well_formed(version: str, table: dict[str, SegmentSpec]) -> None:
    for tag, spec in table.items():
        assert spec.tag == tag
        assert spec.elements, tag
        for where, element in _elements(spec):
            assert element.usage in {"M", "O", "X"}, where
            kind = element.type
            assert kind in TYPES or (kind[0] == "N" and kind[1:].isdigit()), where
            assert 0 <= element.min <= element.max, where
            if element.codes is not None:
                assert kind == "ID", f"{where}: codes on a {kind} element"
                assert element.codes, where
            if kind == "C":
                assert element.composite, where
            else:
                assert element.composite is None, where
                assert element.min >= 1, where
        for rule in spec.rules:
            assert rule[0] in "PRCLE" and len(rule) % 2 == 1, f"{tag}: {rule}"
            positions = [int(rule[i : i + 2]) for i in range(1, len(rule), 2)]
            assert len(positions) >= 2, f"{tag}: {rule}"
            assert all(1 <= p <= len(spec.elements) for p in positions), f"{tag}: {rule}"


def test_segments_for_picks_the_version_table() -> None:
    assert segments_for("004010") is SEGMENTS_4010
    assert segments_for("004010VICS") is SEGMENTS_4010
    assert segments_for("004010X358") is SEGMENTS_4010
    assert segments_for("") is SEGMENTS_4010
    assert segments_for("garbage") is SEGMENTS_4010
    assert segments_for("005010") is SEGMENTS_5010
    assert segments_for("005010X231A1") is SEGMENTS_5010
    assert segments_for("006020") is SEGMENTS_5010
    assert version_family("004060") == "4010"
    assert version_family("005010X222A1") == "5010"


def test_every_table_has_the_same_segments() -> None:
    tags = set(SEGMENTS_4010)
    for _, table in _tables():
        assert set(table) == tags


def test_envelope_segments() -> None:
    isa = SEGMENTS_4010["ISA"]
    assert len(isa.elements) == 16
    assert [(e.min, e.max) for e in isa.elements[:8]] == [
        (2, 2),
        (10, 10),
        (2, 2),
        (10, 10),
        (2, 2),
        (15, 15),
        (2, 2),
        (15, 15),
    ]
    assert (isa.elements[8].type, isa.elements[8].min, isa.elements[8].max) == ("DT", 6, 6)
    assert (isa.elements[9].type, isa.elements[9].min, isa.elements[9].max) == ("TM", 4, 4)
    assert isa.elements[13].codes == {"0", "1"}
    assert isa.elements[14].codes == {"P", "T", "I"}
    gs = SEGMENTS_4010["GS"]
    assert (gs.elements[3].type, gs.elements[3].min, gs.elements[3].max) == ("DT", 8, 8)
    assert (gs.elements[4].type, gs.elements[4].min, gs.elements[4].max) == ("TM", 4, 8)
    assert SEGMENTS_4010["TA1"].elements[3].codes == {"A", "E", "R"}
    assert len(SEGMENTS_4010["ST"].elements) == 2
    st03 = SEGMENTS_5010["ST"].elements[2]
    assert (st03.ref, st03.usage, st03.type, st03.min, st03.max) == ("1705", "O", "AN", 1, 35)


def test_5010_differences() -> None:
    assert len(SEGMENTS_4010["AK1"].elements) == 2
    assert SEGMENTS_5010["AK1"].elements[2].usage == "O"
    ak203 = SEGMENTS_5010["AK2"].elements[2]
    assert (ak203.usage, ak203.type, ak203.min, ak203.max) == ("O", "AN", 1, 35)
    assert SEGMENTS_4010["REF"].elements[1].max == 30
    assert SEGMENTS_5010["REF"].elements[1].max == 50
    assert SEGMENTS_5010["PER"].elements[3].max == 256
    assert SEGMENTS_4010["AK3"].elements[1].max == 6
    assert SEGMENTS_5010["AK3"].elements[1].max == 10
    assert len(SEGMENTS_5010["N4"].elements) == 7
    ak401 = SEGMENTS_5010["AK4"].elements[0].composite
    assert ak401 is not None and len(ak401) == 3
    ref04 = SEGMENTS_5010["REF"].elements[3].composite
    assert ref04 is not None and ref04[1].max == 50


def test_older_and_later_releases_are_read_tolerantly() -> None:
    assert segments_for("003060")["BSN"].elements[2].min == 6
    assert segments_for("003060")["GS"].elements[3].min == 6
    assert segments_for("002001")["DTM"].elements[1].min == 6
    assert segments_for("004030")["REF"].elements[1].max == 50
    assert segments_for("004010")["BSN"].elements[2].min == 8


def test_code_lists() -> None:
    bak02 = SEGMENTS_4010["BAK"].elements[1].codes
    assert bak02 is not None
    assert {"AC", "AD", "AE", "AH", "AK", "AP", "AT", "NA", "RD", "RF", "RJ", "ZZ"} <= bak02
    ack01 = SEGMENTS_4010["ACK"].elements[0].codes
    assert ack01 is not None
    expected = {"AC", "AR", "BP", "DR", "IA", "IB", "IC", "ID", "IH", "IP", "IQ", "IR", "IS", "R2"}
    assert expected <= ack01
    for table in (SEGMENTS_4010, SEGMENTS_5010):
        assert table["AK5"].elements[0].codes == {"A", "E", "M", "R", "W", "X"}
        assert table["IK5"].elements[0].codes == {"A", "E", "M", "R", "W", "X"}
        ak901 = table["AK9"].elements[0].codes
        assert ak901 is not None and {"A", "E", "P", "R"} <= ak901
        assert table["HL"].elements[2].codes is None


# --- structures -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("code", sorted(SETS))
def test_structure_well_formed(code: str, version: str) -> None:
    spec = transaction_spec(code, version)
    assert spec is not None
    assert spec.code == code
    assert spec.functional_id == FUNCTIONAL_IDS[code]
    root = spec.root
    assert (root.id, root.usage, root.max_repeat) == ("ST", "M", 1)
    assert root.items[0] == SegmentUse("ST", "M", 1)
    assert root.items[-1] == SegmentUse("SE", "M", 1)
    dictionary = segments_for(version)
    for use in _segment_uses(root):
        assert use.tag in dictionary, f"{code}/{version}: {use.tag} not in the dictionary"
        assert use.usage in {"M", "O"}
        assert 1 <= use.max_use <= UNBOUNDED
    for loop in _loops(root):
        first = loop.items[0]
        assert isinstance(first, SegmentUse), loop.id
        assert first.tag == loop.id, f"loop {loop.id} starts with {first.tag}"
        assert first.usage == "M", loop.id
        assert loop.usage in {"M", "O"}
        assert 1 <= loop.max_repeat <= UNBOUNDED
        siblings = [item.id for item in loop.items if isinstance(item, LoopSpec)]
        assert len(siblings) == len(set(siblings)), f"{loop.id}: sibling loops {siblings}"
        segments = {item.tag for item in loop.items[1:] if isinstance(item, SegmentUse)}
        assert not segments & set(siblings), f"{loop.id}: segment and loop share a tag"


@pytest.mark.parametrize("code", sorted(SETS))
def test_module_specs_match_lookup(code: str) -> None:
    module = SETS[code]
    assert transaction_spec(code, "004010") == module.SPEC_4010
    assert transaction_spec(code, "004010VICS") == module.SPEC_4010
    assert transaction_spec(code, "003060") == module.SPEC_4010
    assert transaction_spec(code, "005010") == module.SPEC_5010
    assert transaction_spec(code, "005010X231A1") == module.SPEC_5010


def test_unknown_sets_have_no_structure() -> None:
    assert transaction_spec("850", "004010") is None
    assert transaction_spec("", "005010") is None


def test_structure_choices() -> None:
    def find(loop: LoopSpec, loop_id: str) -> LoopSpec:
        for node in _loops(loop):
            if node.id == loop_id and node is not loop:
                return node
        raise AssertionError(loop_id)

    spec855 = transaction_spec("855", "004010")
    assert spec855 is not None
    assert find(spec855.root, "PO1").usage == "O"
    assert find(spec855.root, "CTT").usage == "O"
    assert find(find(spec855.root, "PO1"), "ACK").max_repeat == 104
    spec810 = transaction_spec("810", "005010")
    assert spec810 is not None
    assert SegmentUse("TDS", "M", 1) in spec810.root.items
    spec856 = transaction_spec("856", "004010")
    assert spec856 is not None
    hl = find(spec856.root, "HL")
    assert hl.usage == "M" and hl.max_repeat > 1
    assert all(item.usage == "O" for item in hl.items[1:])
    spec999 = transaction_spec("999", "005010X231A1")
    assert spec999 is not None
    ik3 = find(find(spec999.root, "AK2"), "IK3")
    assert SegmentUse("CTX", "O", 10) in ik3.items
    assert find(ik3, "IK4").items[1] == SegmentUse("CTX", "O", 10)


def test_functional_ids() -> None:
    expected = {
        "810": "IN",
        "820": "RA",
        "830": "PS",
        "840": "RQ",
        "850": "PO",
        "855": "PR",
        "856": "SH",
        "860": "PC",
        "861": "RC",
        "864": "TX",
        "865": "CA",
        "997": "FA",
        "999": "FA",
        "824": "AG",
        "846": "IB",
        "852": "PD",
        "812": "CD",
        "180": "AN",
        "940": "OW",
        "945": "SW",
        "753": "GM",
        "754": "GM",
        "214": "QM",
        "204": "SM",
        "990": "GF",
    }
    for code, functional_id in expected.items():
        assert FUNCTIONAL_IDS[code] == functional_id
