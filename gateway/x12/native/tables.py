"""Compile the segment dictionary and the transaction-set structures into ``_fastscan`` tables.

The C scanner reads flat arrays of native int64 records instead of walking Python objects, so the
specs are flattened here, once per (dictionary, structure family, accepted sets). The encoding is
the contract with ``_fastscan.c`` (which checks every index when it loads a table):

``elements``   type, flags, min, max, code start, code count, component start, component count
``code_spans`` offset, length in ``code_chars`` (the code values as native UCS4)
``segments``   tag id, element start, element count, rule start, rule count
``rules``      kind (``ord("P")``...), first position, mask of the other positions
``nodes``      item start, item count, is the set level (``id == "ST"``)
``items``      tag id, child node (-1 for a segment), mandatory, max use / max repeat
``sets``       code tag id, root node, check HL (856), tag id counted by CTT01 (-1: none)

Every choice the validator makes is read from the specs or from the validator's own modules, so a
change there reaches the fast path too; the differential tests prove the two agree.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Mapping

from gateway.x12.hl_ctt_checks import _COUNTED as CTT_COUNTED
from gateway.x12.spec import ElementSpec, LoopSpec, SegmentSpec, SegmentUse, TransactionSpec

T_AN, T_ID, T_DT, T_TM, T_R, T_N, T_OTHER, T_COMPOSITE = range(8)
_TYPES = {"AN": T_AN, "ID": T_ID, "DT": T_DT, "TM": T_TM, "R": T_R}
F_MANDATORY, F_NO_COMPONENT, F_CODES = 1, 2, 4
NO_COMPONENT_TYPES = frozenset({"R", "N0", "DT", "TM"})
"""Types ``elements._check_one`` reports a component separator in (code 13)."""
HIERARCHY_SETS = frozenset({"856"})
"""Sets ``validate_transaction`` runs ``check_hierarchy`` on."""
MAX_POSITION = 62
_TAG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UCS4 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


def tag_id(tag: str) -> int:
    """Dense id of a 2-3 character ``[0-9A-Z]`` tag, -1 otherwise (twin of ``tag_id`` in C)."""
    if len(tag) not in (2, 3) or any(ch not in _TAG_CHARS for ch in tag):
        return -1
    digits = [_TAG_CHARS.index(ch) for ch in tag]
    if len(tag) == 2:
        return digits[0] * 36 + digits[1]
    return 36 * 36 + (digits[0] * 36 + digits[1]) * 36 + digits[2]


def _known_tag(tag: str) -> int:
    tid = tag_id(tag)
    if tid < 0:
        raise ValueError(f"tag {tag!r} cannot be compiled for the fast path")
    return tid


class _Dictionary:
    """Flattens ``SegmentSpec``s; a segment's elements are consecutive, components after them."""

    def __init__(self) -> None:
        self.elements: list[list[int]] = []
        self.code_spans: list[int] = []
        self.code_chars: list[str] = []
        self.segments: list[int] = []
        self.rules: list[int] = []
        self._chars = 0

    def add_segment(self, spec: SegmentSpec) -> None:
        if len(spec.elements) > MAX_POSITION:
            raise ValueError(f"{spec.tag}: more than {MAX_POSITION} elements")
        start = len(self.elements)
        self.elements.extend(self._element(es) for es in spec.elements)
        for offset, es in enumerate(spec.elements):
            if es.composite is not None:
                record = self.elements[start + offset]
                record[6], record[7] = len(self.elements), len(es.composite)
                self.elements.extend(self._element(cs) for cs in es.composite)
        rule_start = len(self.rules) // 3
        for rule in spec.rules:
            self.rules.extend(_rule(spec.tag, rule))
        self.segments += [_known_tag(spec.tag), start, len(spec.elements)]
        self.segments += [rule_start, len(spec.rules)]

    def _element(self, es: ElementSpec) -> list[int]:
        if es.composite is not None:
            kind = T_COMPOSITE
        elif es.type[:1] == "N":
            kind = T_N
        else:
            kind = _TYPES.get(es.type, T_OTHER)
        flags = (F_MANDATORY if es.usage == "M" else 0) | (
            F_NO_COMPONENT if es.type in NO_COMPONENT_TYPES else 0
        )
        code_start, code_count = len(self.code_spans) // 2, 0
        if es.type == "ID" and es.codes is not None:
            flags |= F_CODES
            for code in sorted(es.codes):
                self.code_spans += [self._chars, len(code)]
                self.code_chars.append(code)
                self._chars += len(code)
            code_count = len(es.codes)
        return [kind, flags, es.min, es.max, code_start, code_count, 0, 0]


def _rule(tag: str, rule: str) -> list[int]:
    """``elements._compile_rule``: the first position, and the others as a mask (summed alike)."""
    positions = [int(rule[i : i + 2]) for i in range(1, len(rule), 2)]
    if len(set(positions)) != len(positions) or not all(0 < p <= MAX_POSITION for p in positions):
        raise ValueError(f"{tag}: syntax note {rule!r} cannot be compiled for the fast path")
    return [ord(rule[0]), positions[0], sum(1 << p for p in positions[1:])]


class _Structures:
    """Flattens ``LoopSpec`` trees; a node's items are consecutive, children come after it."""

    def __init__(self) -> None:
        self.nodes: list[list[int]] = []
        self.items: list[list[int]] = []

    def add_loop(self, loop: LoopSpec) -> int:
        index = len(self.nodes)
        self.nodes.append([])
        own: list[list[int]] = []
        for item in loop.items:
            if isinstance(item, SegmentUse):
                own.append([_known_tag(item.tag), -1, item.usage == "M", item.max_use])
            else:
                child = self.add_loop(item)
                own.append([_known_tag(item.id), child, item.usage == "M", item.max_repeat])
        self.nodes[index] = [len(self.items), len(own), loop.id == "ST"]
        self.items.extend(own)
        return index


def _pack(values: Iterable[int]) -> bytes:
    return array("q", (int(v) for v in values)).tobytes()


def compile_profile(
    dictionary: Mapping[str, SegmentSpec], specs: Mapping[str, TransactionSpec]
) -> dict[str, bytes]:
    """Keyword arguments for ``_fastscan.Profile``: ``dictionary`` plus the sets in ``specs``
    (ST01 code -> structure). A set whose code is not a tag-like id is left out (never certified);
    a dictionary segment whose tag is not tag-like is left out too, which is safe because such a
    segment is never placed by a structure either."""
    d = _Dictionary()
    for tag, segment in dictionary.items():
        if tag_id(tag) >= 0:
            d.add_segment(segment)
    s = _Structures()
    sets: list[int] = []
    for code, structure in specs.items():
        if tag_id(code) < 0:
            continue
        root = s.add_loop(structure.root)
        counted = CTT_COUNTED.get(code)
        sets += [tag_id(code), root, code in HIERARCHY_SETS]
        sets.append(_known_tag(counted) if counted else -1)
    return {
        "elements": _pack(v for record in d.elements for v in record),
        "code_spans": _pack(d.code_spans),
        "code_chars": "".join(d.code_chars).encode(_UCS4),
        "segments": _pack(d.segments),
        "rules": _pack(d.rules),
        "nodes": _pack(v for record in s.nodes for v in record),
        "items": _pack(v for record in s.items for v in record),
        "sets": _pack(sets),
    }
