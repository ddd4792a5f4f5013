"""Validate one transaction set: structure (loops, order, usage), elements, HL hierarchy, CTT.

Fills the unit's ``TransactionResult`` and returns the loop tree for mapping (None when the set is
not supported). Which findings reject the set and which only note it is a ``ValidationPolicy``:
the defaults follow the standard; a partner profile may relax segment order for a partner known to
send segments out of sequence, which turns those findings into AK5=E instead of R.

Bounded (``limits``): a set longer than ``max_segments_per_transaction`` is rejected unread (AK3
code 2 where it went over, AK5 R 5); a set with more findings than ``max_errors_per_transaction``
(AK3 and AK4 count one each) is rejected whatever they are. Findings are kept in position order
as long as the set and the document's budget have room, and counted beyond (``more_errors``):
each pass (structure, then elements and HL in one walk) keeps no more than that room.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.x12 import results as r
from gateway.x12.dictionary import segments_for
from gateway.x12.elements import Findings, segment_findings, too_many_elements
from gateway.x12.hl_ctt_checks import HierarchyCheck, check_ctt
from gateway.x12.interchanges import TransactionUnit
from gateway.x12.limits import Limits
from gateway.x12.loops import SEGMENT_ID, build_tree, tree_from_placements
from gateway.x12.model import Loop, Segment
from gateway.x12.set_tables import transaction_spec
from gateway.x12.spec import SegmentSpec

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
    if unit.oversized is not None:
        _reject_oversized(unit, policy)
        return None
    limits = unit.budget.limits
    cap = limits.max_errors_per_transaction
    structure = build_tree(segments, spec, cap)
    loop_of = _loop_ids(structure.tree)
    body = segments[1:-1] if segments[-1].elements[0] == "SE" else segments[1:]
    elements = _ElementPass(cap, loop_of)
    elements.run(body, segments_for(version), limits, hierarchy=tr.code == "856")
    noted = check_ctt(structure.tree, tr.code, loop_of)
    found = sorted(structure.errors + elements.errors, key=lambda e: e.position)
    found = sorted(found + noted, key=lambda e: e.position)
    total = len(structure.errors) + structure.more + elements.total + _cost(noted)
    _keep(unit, found, total)
    rejecting = elements.total > 0 or any(
        not (policy.segment_order == "tolerant" and code in TOLERATED_SEGMENT_CODES)
        for code in structure.codes
    )
    if total > cap:
        tr.notes.insert(0, _too_many(total, cap))
        rejecting = True
    _decide(tr, rejecting, total > 0, policy)
    return structure.tree


def accept_certified(unit: TransactionUnit, policy: ValidationPolicy = DEFAULT_POLICY) -> None:
    """What ``validate_transaction`` concludes for a set it finds nothing wrong with (the native
    scanner certified it so): the business key, and the ST01/GS01 policy decision."""
    _business_key(unit)
    _decide(unit.result, False, False, policy)


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
    return certified_loop_tree(unit, placements)


def certified_loop_tree(unit: TransactionUnit, placements: bytes | None = None) -> Loop:
    """The loop tree of a certified set ``accept_certified`` has been through."""
    if placements is not None:
        return tree_from_placements(unit.segments, placements)
    spec = transaction_spec(unit.result.code, unit.group.version)
    assert spec is not None, "certified sets are always supported"
    return build_tree(unit.segments, spec).tree


class _ElementPass:
    """Element and HL findings, segment by segment in position order: each segment with any
    becomes one AK3 (code 8) holding its AK4s; entries are kept while their cost (1 + AK4s)
    fits ``cap``, and everything is counted in ``total``."""

    def __init__(self, cap: int, loop_of: dict[int, str]) -> None:
        self.cap = cap
        self.loop_of = loop_of
        self.errors: list[r.SegmentError] = []
        self.total = 0
        self._room = cap

    def run(
        self,
        body: list[Segment],
        dictionary: dict[str, SegmentSpec],
        limits: Limits,
        *,
        hierarchy: bool,
    ) -> None:
        hl = HierarchyCheck() if hierarchy else None
        for seg in body:
            tag = seg.elements[0]
            spec = dictionary.get(tag)
            if spec is not None:
                found = segment_findings(seg, spec, limits)
            else:
                found = Findings(self.cap)
                unknown = too_many_elements(seg, limits)
                if unknown is not None:
                    found.add(unknown)
            if hl is not None and tag == "HL":
                for error in hl.check(seg):
                    found.add(error)
            if found.total:
                self._add(seg, found)

    def _add(self, seg: Segment, found: Findings) -> None:
        self.total += 1 + found.total
        if self._room <= 0:
            return
        tag, position = seg.elements[0], seg.position
        kept = found.errors[: self._room - 1]
        self._room -= 1 + len(kept)
        self.errors.append(
            r.SegmentError(
                tag if SEGMENT_ID.fullmatch(tag) else "???",
                position,
                r.SEGMENT_HAS_ELEMENT_ERRORS,
                f"{tag[:20]} at position {position} has data element errors",
                self.loop_of.get(position, ""),
                kept,
            )
        )


def _cost(errors: list[r.SegmentError]) -> int:
    """Findings in ``errors``: each AK3 and each AK4 counts one."""
    return sum(1 + len(e.elements) for e in errors)


def _keep(unit: TransactionUnit, found: list[r.SegmentError], total: int) -> None:
    """The first findings of ``found`` that the budget has room for become the set's
    ``segment_errors``; the budget is charged for them and the rest are counted."""
    room = unit.budget.room()
    kept: list[r.SegmentError] = []
    for error in found:
        if room <= 0:
            break
        if len(error.elements) >= room:  # only part of its AK4s fit
            error.elements = error.elements[: room - 1]
        kept.append(error)
        room -= 1 + len(error.elements)
    spent = _cost(kept)
    unit.budget.spend(spent)
    unit.result.segment_errors = kept
    unit.result.more_errors = total - spent


def _too_many(total: int, cap: int) -> str:
    return (
        f"{total:,} errors, more than the {cap:,} a transaction set may have "
        "(limit max_errors_per_transaction): rejected"
    )


def _reject_oversized(unit: TransactionUnit, policy: ValidationPolicy) -> None:
    """A set past a size limit: rejected without being validated."""
    tr, over = unit.result, unit.oversized
    assert over is not None
    limits = unit.budget.limits
    if over.limit == "max_segments_per_transaction":
        most = f"{limits.max_segments_per_transaction:,} segments"
        size = f"{tr.segment_count:,} segments: "
    else:
        most = f"{limits.max_elements_per_transaction:,} data elements"
        size = ""
    error = r.SegmentError(
        over.tag if SEGMENT_ID.fullmatch(over.tag) else "???",
        over.position,
        r.SEGMENT_UNEXPECTED,
        f"segment {over.position:,} goes past the {most} a transaction set may have",
    )
    tr.notes.insert(
        0,
        f"{size}more than the {most} a transaction set may have (limit {over.limit}); "
        "rejected without validation",
    )
    _keep(unit, [error], 1)
    _decide(tr, True, True, policy)


def _decide(
    tr: r.TransactionResult, rejecting: bool, found: bool, policy: ValidationPolicy
) -> None:
    """``rejecting``: a finding the policy does not tolerate; ``found``: any finding at all."""
    if tr.group_mismatch:
        if policy.group_mismatch == "reject":
            tr.reject(r.SET_INVALID_IDENTIFIER)
        else:
            tr.note_error(r.SET_INVALID_IDENTIFIER)
    if rejecting:
        tr.reject(r.SET_SEGMENTS_IN_ERROR)
    elif found:
        tr.note_error(r.SET_SEGMENTS_IN_ERROR)


def _business_key(unit: TransactionUnit) -> None:
    key = BUSINESS_KEYS.get(unit.result.code)
    if key is None or len(unit.segments) < 2:
        return
    tag, n = key
    for seg in unit.segments[1:4]:
        if seg.elements[0] == tag:
            unit.result.business_key = seg.get(n)[:80]
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
