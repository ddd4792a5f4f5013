"""Element-level validation of one segment against its ``SegmentSpec``.

Checks usage (mandatory), syntax notes (P/R/C/L/E), length, data type (R, Nn, DT, TM), code lists
(only where the dictionary lists codes) and component/repetition structure. Returns ``ElementError``
objects with the AK4/IK4 codes; never raises on data.

Lengths follow X12: for numeric types (R, Nn) the sign and decimal point do not count.
Trailing empty elements (``N3*ADDR*~``) are tolerated: they are not data.

Bounded whatever the segment (``limits.Limits``): more elements than ``max_elements_per_segment``
(the reader stopped splitting there), components than ``max_components_per_element`` or
repetitions than ``max_repeats_per_element`` are one error each (AK4 3, 13, 12), and values are
only ever split that far; at most ``max_errors_per_transaction`` errors are kept per segment, the
rest counted (``Findings.more``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gateway.x12 import results as r
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Segment
from gateway.x12.spec import ElementSpec, SegmentSpec

# re.ASCII: X12 digits are 0-9 only ("²" or Arabic-Indic digits are not numbers here).
_NUMERIC = re.compile(r"-?\d+", re.ASCII)
_DECIMAL = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE]-?\d+)?", re.ASCII)
_TIME = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d(?:\d{1,2})?)?", re.ASCII)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_date(value: str) -> bool:
    """CCYYMMDD or YYMMDD with a real month and day (leap years included)."""
    if len(value) not in (6, 8) or not (value.isascii() and value.isdigit()):
        return False
    year = int(value[:-4])
    month, day = int(value[-4:-2]), int(value[-2:])
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    if month == 2 and day == 29:
        if len(value) == 6:
            year += 2000 if year < 50 else 1900
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def _shown(value: str) -> str:
    """A value as messages quote it: whole up to 80 characters, else its start."""
    return repr(value) if len(value) <= 80 else repr(value[:80]) + "..."


def _check_value(value: str, spec: ElementSpec) -> tuple[str, str] | None:
    """(code, message) for the first problem with a non-empty simple value, or None."""
    kind = spec.type
    if kind == "R" or kind[0] == "N":
        pattern = _DECIMAL if kind == "R" else _NUMERIC
        if not pattern.fullmatch(value):
            return r.ELEMENT_INVALID_CHARACTER, f"{_shown(value)} is not a valid {kind} number"
        # Only digits, sign, point and exponent passed the pattern: count the non-digits in C.
        size = len(value) - sum(value.count(ch) for ch in "-.eE")
    else:
        size = len(value)
    shown = _shown(value)
    if size < spec.min:
        return r.ELEMENT_TOO_SHORT, f"{shown} is shorter than {spec.min}"
    if size > spec.max:
        return r.ELEMENT_TOO_LONG, f"{shown} is longer than {spec.max}"
    if kind == "DT" and not valid_date(value):
        return r.ELEMENT_INVALID_DATE, f"{shown} is not a valid date"
    if kind == "TM" and not _TIME.fullmatch(value):
        return r.ELEMENT_INVALID_TIME, f"{shown} is not a valid time"
    if kind == "ID" and spec.codes is not None and value not in spec.codes:
        return r.ELEMENT_INVALID_CODE, f"{shown} is not a valid code for element {spec.ref}"
    if kind == "AN" and not value.isprintable():
        return r.ELEMENT_INVALID_CHARACTER, f"{shown} holds control characters"
    return None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A ``SegmentSpec`` precompiled for the hot path (built once per spec)."""

    specs: tuple[ElementSpec, ...]
    mandatory: tuple[int, ...]
    simple: tuple[bool, ...]
    """Per position: a plain AN/ID without code list, checkable by length alone."""
    rules: tuple[tuple[str, tuple[int, ...], int, int, int], ...]
    """(rule, positions, mask of all positions, mask of the first, mask of the rest)."""


_PLANS: dict[int, tuple[SegmentSpec, _Plan]] = {}


def _plan(spec: SegmentSpec) -> _Plan:
    cached = _PLANS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    plan = _Plan(
        spec.elements,
        tuple(i for i, es in enumerate(spec.elements, 1) if es.usage == "M"),
        tuple(
            es.composite is None and es.codes is None and es.type in ("AN", "ID")
            for es in spec.elements
        ),
        tuple(_compile_rule(rule) for rule in spec.rules),
    )
    _PLANS[id(spec)] = (spec, plan)
    return plan


def _compile_rule(rule: str) -> tuple[str, tuple[int, ...], int, int, int]:
    positions = tuple(int(rule[i : i + 2]) for i in range(1, len(rule), 2))
    first = 1 << positions[0]
    rest = sum(1 << p for p in positions[1:])
    return rule, positions, first | rest, first, rest


def _rule_holds(kind: str, present: int, all_: int, first: int, rest: int) -> bool:
    """X12 syntax notes as bit tests on the mask of present element positions."""
    hit = present & all_
    if kind == "P":
        return hit in (0, all_)
    if kind == "R":
        return hit != 0
    if kind == "E":
        return hit & (hit - 1) == 0
    if kind == "C":
        return not present & first or present & rest == rest
    return not present & first or present & rest != 0  # "L"


@dataclass(slots=True)
class Findings:
    """The element errors of one segment: the first ``cap`` kept, how many more were found."""

    cap: int
    errors: list[r.ElementError] = field(default_factory=list)
    more: int = 0

    def add(self, error: r.ElementError) -> None:
        if len(self.errors) < self.cap:
            self.errors.append(error)
        else:
            self.more += 1

    @property
    def total(self) -> int:
        return len(self.errors) + self.more


def check_segment(
    seg: Segment, spec: SegmentSpec, limits: Limits = DEFAULT_LIMITS
) -> list[r.ElementError]:
    """The element errors of ``seg`` (empty list when the segment is clean); at most
    ``limits.max_errors_per_transaction`` of them, see ``segment_findings`` for the count."""
    return segment_findings(seg, spec, limits).errors


def segment_findings(seg: Segment, spec: SegmentSpec, limits: Limits = DEFAULT_LIMITS) -> Findings:
    """Every element error in ``seg``, kept up to the limit and counted beyond it."""
    plan = _plan(spec)
    elements = seg.elements
    specs = plan.specs
    found = Findings(limits.max_errors_per_transaction)
    count = len(elements) - 1
    over = count > limits.max_elements_per_segment
    if over or (count > len(specs) and any(elements[len(specs) + 1 :])):
        many = f"more than {limits.max_elements_per_segment}" if over else str(count)
        found.add(
            r.ElementError(
                len(specs) + 1,
                r.ELEMENT_TOO_MANY,
                f"{seg.tag} has {many} elements, at most {len(specs)} defined",
                value=elements[len(specs) + 1][:80],
            )
        )
    for pos in plan.mandatory:
        if pos > count or not elements[pos]:
            message = f"{seg.tag}{pos:02d} is required"
            found.add(r.ElementError(pos, r.ELEMENT_MANDATORY_MISSING, message, specs[pos - 1].ref))
    rep = seg.delimiters.repetition
    simple = plan.simple
    for pos in range(1, min(count, len(specs)) + 1):
        value = elements[pos]
        if not value:
            continue
        es = specs[pos - 1]
        if (
            simple[pos - 1]
            and es.min <= len(value) <= es.max
            and (not rep or rep not in value)
            and (es.type == "ID" or value.isprintable())
        ):
            continue  # the common case: a plain value of the right length
        if rep and rep in value:
            _check_repeats(seg, pos, value, es, found, limits)
        else:
            _check_one(seg, pos, value, es, found, None, limits)
    if plan.rules:
        _check_rules(seg, spec, plan, found)
    return found


def too_many_elements(seg: Segment, limits: Limits = DEFAULT_LIMITS) -> r.ElementError | None:
    """For a segment the dictionary does not define: more elements than any segment may have."""
    if len(seg.elements) - 1 <= limits.max_elements_per_segment:
        return None
    position = limits.max_elements_per_segment + 1
    return r.ElementError(
        position,
        r.ELEMENT_TOO_MANY,
        f"{seg.tag[:20]} has more than {limits.max_elements_per_segment} elements",
        value=seg.elements[position][:80],
    )


def _check_repeats(
    seg: Segment, pos: int, value: str, es: ElementSpec, found: Findings, limits: Limits
) -> None:
    rep = seg.delimiters.repetition
    assert rep is not None
    most = limits.max_repeats_per_element
    parts = value.split(rep, most)
    if len(parts) > most:  # the last part is the unsplit rest
        found.add(
            r.ElementError(
                pos,
                r.ELEMENT_TOO_MANY_REPETITIONS,
                f"{seg.tag}{pos:02d} repeats more than {most} times",
                es.ref,
                value=value[:80],
            )
        )
        del parts[most:]
    for k, part in enumerate(parts, 1):
        _check_one(seg, pos, part, es, found, k, limits)


def _check_one(
    seg: Segment,
    pos: int,
    value: str,
    es: ElementSpec,
    found: Findings,
    repetition: int | None,
    limits: Limits,
) -> None:
    if es.composite is not None:
        _check_composite(seg, pos, value, es, found, repetition, limits)
        return
    if len(value) > 1 and seg.delimiters.component in value and es.type in ("R", "N0", "DT", "TM"):
        found.add(
            r.ElementError(
                pos,
                r.ELEMENT_TOO_MANY_COMPONENTS,
                f"{seg.tag}{pos:02d} is not a composite",
                es.ref,
                repetition=repetition,
                value=value[:80],
            )
        )
        return
    problem = _check_value(value, es)
    if problem:
        code, message = problem
        found.add(
            r.ElementError(
                pos, code, f"{seg.tag}{pos:02d}: {message}", es.ref, None, repetition, value[:80]
            )
        )


def _check_composite(
    seg: Segment,
    pos: int,
    value: str,
    es: ElementSpec,
    found: Findings,
    repetition: int | None,
    limits: Limits,
) -> None:
    assert es.composite is not None
    most = limits.max_components_per_element
    parts = value.split(seg.delimiters.component, most)
    over = len(parts) > most  # the last part is the unsplit rest
    if over or (len(parts) > len(es.composite) and any(parts[len(es.composite) :])):
        many = f"more than {most}" if over else str(len(parts))
        found.add(
            r.ElementError(
                pos,
                r.ELEMENT_TOO_MANY_COMPONENTS,
                f"{seg.tag}{pos:02d} has {many} components, {len(es.composite)} defined",
                es.ref,
                repetition=repetition,
                value=value[:80],
            )
        )
    for k, cs in enumerate(es.composite, 1):
        part = parts[k - 1] if k <= len(parts) else ""
        if not part:
            if cs.usage == "M":
                found.add(
                    r.ElementError(
                        pos,
                        r.ELEMENT_MANDATORY_MISSING,
                        f"{seg.tag}{pos:02d}-{k} is required",
                        cs.ref,
                        k,
                        repetition,
                    )
                )
            continue
        problem = _check_value(part, cs)
        if problem:
            code, message = problem
            found.add(
                r.ElementError(
                    pos,
                    code,
                    f"{seg.tag}{pos:02d}-{k}: {message}",
                    cs.ref,
                    k,
                    repetition,
                    part[:80],
                )
            )


_RULES: dict[str, tuple[str, str]] = {
    "P": (r.ELEMENT_CONDITIONAL_MISSING, "must all be present or all absent"),
    "R": (r.ELEMENT_CONDITIONAL_MISSING, "at least one is required"),
    "E": (r.ELEMENT_EXCLUSION_VIOLATED, "at most one may be present"),
    "C": (r.ELEMENT_CONDITIONAL_MISSING, "required when the first is present"),
    "L": (r.ELEMENT_CONDITIONAL_MISSING, "one required with the first"),
}


def _check_rules(seg: Segment, spec: SegmentSpec, plan: _Plan, found: Findings) -> None:
    present = 0
    for i, value in enumerate(seg.elements):
        if value:
            present |= 1 << i
    for rule, positions, all_, first, rest in plan.rules:
        if _rule_holds(rule[0], present, all_, first, rest):
            continue
        code, text = _RULES[rule[0]]
        flags = [bool(present >> p & 1) for p in positions]
        # Report the first element whose presence or absence breaks the rule.
        culprit = positions[0]
        if code == r.ELEMENT_CONDITIONAL_MISSING:
            culprit = next((p for p, f in zip(positions, flags, strict=True) if not f), culprit)
        elif code == r.ELEMENT_EXCLUSION_VIOLATED:
            culprit = [p for p, f in zip(positions, flags, strict=True) if f][1]
        idx = culprit - 1
        ref = spec.elements[idx].ref if idx < len(spec.elements) else ""
        names = ", ".join(f"{seg.tag}{p:02d}" for p in positions)
        found.add(
            r.ElementError(culprit, code, f"syntax rule {rule}: {names}: {text}", ref, value=None)
        )
