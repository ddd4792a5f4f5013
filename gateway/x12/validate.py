"""Validate one transaction set: structure (loops, order, usage), elements, HL hierarchy, CTT.

Fills the unit's ``TransactionResult`` and returns the loop tree for mapping (None when the set is
not supported). Which findings reject the set and which only note it is a ``ValidationPolicy``:
the defaults follow the standard; a partner profile may relax segment order for a partner known to
send segments out of sequence, which turns those findings into AK5=E instead of R.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.x12 import results as r
from gateway.x12.dictionary import segments_for
from gateway.x12.elements import check_segment
from gateway.x12.envelope import TransactionUnit
from gateway.x12.hierarchy import check_ctt, check_hierarchy
from gateway.x12.model import Loop
from gateway.x12.structure import build_tree, tree_from_placements
from gateway.x12.structures import transaction_spec

BUSINESS_KEYS = {"855": ("BAK", 3), "856": ("BSN", 2), "810": ("BIG", 2), "997": ("AK1", 2)}
SUPPORTED_SETS = frozenset({"855", "856", "810", "997", "999"})
TOLERATED_SEGMENT_CODES = frozenset(
    {
        r.SEGMENT_OUT_OF_SEQUENCE,
        r.SEGMENT_NOT_IN_SET,
        r.SEGMENT_OVER_MAX_USE,
        r.SEGMENT_LOOP_OVER_MAX,
    }
)
"""Findings that ``tolerant`` notes (AK5=E) instead of rejecting: the data is intact, only its
placement or repetition is off, and real suppliers do this all the time."""


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    accepted_sets: frozenset[str] = SUPPORTED_SETS
    segment_order: str = "tolerant"
    """``strict``: every structural finding rejects the set. ``tolerant`` (default): segments out of
    sequence, not defined in the set, or over their max use are reported (AK5=E) but the set is
    accepted; missing mandatory segments and element errors still reject."""
    group_mismatch: str = "note"
    """ST01 in the wrong functional group (an 855 under GS01=IN): ``note`` accepts with AK5=E and
    code 6, ``reject`` rejects the set."""


DEFAULT_POLICY = ValidationPolicy()


def validate_transaction(
    unit: TransactionUnit, policy: ValidationPolicy = DEFAULT_POLICY
) -> Loop | None:
    tr = unit.result
    segments = unit.segments
    version = unit.group.version
    spec = transaction_spec(tr.code, version) if tr.code in policy.accepted_sets else None
    if spec is None:
        if tr.group_mismatch and policy.group_mismatch == "reject":
            tr.reject(r.SET_INVALID_IDENTIFIER)
        tr.reject(r.SET_NOT_SUPPORTED)
        tr.notes.append(f"transaction set {tr.code!r} is not accepted from this partner")
        return None
    _business_key(unit)
    structure = build_tree(segments, spec)
    loop_of = _loop_ids(structure.tree)
    errors = structure.errors
    dictionary = segments_for(version)
    by_position = {e.position: e for e in errors if e.code == r.SEGMENT_HAS_ELEMENT_ERRORS}
    for seg in segments[1:-1] if segments[-1].elements[0] == "SE" else segments[1:]:
        seg_spec = dictionary.get(seg.elements[0])
        if seg_spec is None:
            continue
        element_errors = check_segment(seg, seg_spec)
        if element_errors:
            _attach(errors, by_position, seg.elements[0], seg.position, loop_of, element_errors)
    hierarchy_errors = check_hierarchy(structure.tree, loop_of) if tr.code == "856" else []
    for seg_error in hierarchy_errors:
        _attach(errors, by_position, seg_error.tag, seg_error.position, loop_of, seg_error.elements)
    noted = check_ctt(structure.tree, tr.code, loop_of)
    errors.sort(key=lambda e: e.position)
    tr.segment_errors = errors + noted
    tr.segment_errors.sort(key=lambda e: e.position)
    _decide(tr, errors, noted, policy)
    return structure.tree


def accept_certified(unit: TransactionUnit, policy: ValidationPolicy = DEFAULT_POLICY) -> None:
    """What ``validate_transaction`` concludes for a set it finds nothing wrong with (the native
    scanner certified it so): the business key, and the ST01/GS01 policy decision."""
    _business_key(unit)
    _decide(unit.result, [], [], policy)


def certified_tree(
    unit: TransactionUnit,
    policy: ValidationPolicy = DEFAULT_POLICY,
    placements: bytes | None = None,
) -> Loop:
    """``validate_transaction`` for a certified set: the same result and loop tree, without the
    element, HL and CTT checks that are known to find nothing, and with the scanner's
    ``placements`` (when given) instead of a structure walk. Only for certified sets: an
    unsupported set or a structural finding would go unreported here."""
    accept_certified(unit, policy)
    if placements is not None:
        return tree_from_placements(unit.segments, placements)
    spec = transaction_spec(unit.result.code, unit.group.version)
    assert spec is not None, "certified sets are always supported"
    return build_tree(unit.segments, spec).tree


def _attach(
    errors: list[r.SegmentError],
    by_position: dict[int, r.SegmentError],
    tag: str,
    position: int,
    loop_of: dict[int, str],
    element_errors: list[r.ElementError],
) -> None:
    existing = by_position.get(position)
    if existing is None:
        existing = r.SegmentError(
            tag,
            position,
            r.SEGMENT_HAS_ELEMENT_ERRORS,
            f"{tag} at position {position} has data element errors",
            loop_of.get(position, ""),
        )
        by_position[position] = existing
        errors.append(existing)
    existing.elements.extend(element_errors)


def _decide(
    tr: r.TransactionResult,
    errors: list[r.SegmentError],
    noted: list[r.SegmentError],
    policy: ValidationPolicy,
) -> None:
    rejecting = [
        e
        for e in errors
        if not (policy.segment_order == "tolerant" and e.code in TOLERATED_SEGMENT_CODES)
    ]
    if tr.group_mismatch:
        if policy.group_mismatch == "reject":
            tr.reject(r.SET_INVALID_IDENTIFIER)
        else:
            tr.note_error(r.SET_INVALID_IDENTIFIER)
    if rejecting:
        tr.reject(r.SET_SEGMENTS_IN_ERROR)
    elif errors or noted:
        tr.note_error(r.SET_SEGMENTS_IN_ERROR)


def _business_key(unit: TransactionUnit) -> None:
    key = BUSINESS_KEYS.get(unit.result.code)
    if key is None or len(unit.segments) < 2:
        return
    tag, n = key
    for seg in unit.segments[1:4]:
        if seg.elements[0] == tag:
            unit.result.business_key = seg.get(n)
            unit.result.business_key_ref = f"{tag}{n:02d}"
            return


def _loop_ids(tree: Loop) -> dict[int, str]:
    """Segment position -> id of the loop holding it ("" for the set's own level)."""
    out: dict[int, str] = {}
    stack: list[Loop] = [tree]
    while stack:
        loop = stack.pop()
        loop_id = "" if loop.id == "ST" else loop.id
        for seg in loop.segments:
            out[seg.position] = loop_id
        stack.extend(loop.children)
    return out
