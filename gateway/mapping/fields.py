"""``FieldReader``: reads canonical values from a scope of segments, collecting warnings.

One reader lives for one ``to_canonical`` call, so the warnings it gathers belong to one event.
They are bounded whatever the document (a set of 100,000 levels nested too deep once made one
warning per level, and a quadratic duplicate check): the first ``MAX_WARNINGS`` distinct ones
are kept, each at most ``MAX_WARNING_CHARS`` long, and a last line counts the rest. It applies the map's shared tables (UOM, product id qualifiers, date formats, implied decimals)
wherever a value of that kind is read, so extraction modules never repeat them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from gateway.mapping.config import MapConfig
from gateway.mapping.paths import (
    Hit,
    all_hits,
    compile_paths,
    first_hit,
    pairs_aligned,
    qualified_pairs,
)
from gateway.mapping.values import parse_date, parse_decimal, parse_integer, parse_time
from gateway.x12.model import Segment

T = TypeVar("T", bound=str)
V = TypeVar("V")

Scope = Sequence[Segment]
MAX_WARNINGS = 100
MAX_WARNING_CHARS = 300


class FieldReader:
    def __init__(self, config: MapConfig) -> None:
        self.config = config
        self.warnings: list[str] = []
        """What the event's ``warnings`` become: kept ones, then possibly the count line."""
        self._kept: set[str] = set()
        self._more = 0

    def warn(self, message: str) -> None:
        if len(message) > MAX_WARNING_CHARS:
            message = message[:MAX_WARNING_CHARS] + "..."
        if message in self._kept:
            return
        if len(self._kept) < MAX_WARNINGS:
            self._kept.add(message)
            self.warnings.append(message)
            return
        self._more += 1  # repeats past the cap are not told apart: that would need them all
        line = f"... and {self._more:,} more warnings"
        if self._more == 1:
            self.warnings.append(line)
        else:
            self.warnings[-1] = line

    def text(self, scope: Scope, paths: Sequence[str]) -> str | None:
        hit = first_hit(scope, paths)
        return None if hit is None else hit.value

    def texts(self, scope: Scope, paths: Sequence[str]) -> list[str]:
        return [hit.value for hit in all_hits(scope, paths)]

    def expect(self, value: T | None, label: str, paths: Sequence[str]) -> T | None:
        """Pass ``value`` through, warning when a field the consumer relies on is missing."""
        if value is None:
            where = ", ".join(paths) if paths else "no source configured"
            self.warn(f"{label}: not found ({where})")
        return value

    def date(self, scope: Scope, paths: Sequence[str], label: str) -> str | None:
        return self.date_of(first_hit(scope, paths), label)

    def time(self, scope: Scope, paths: Sequence[str], label: str) -> str | None:
        return self.time_of(first_hit(scope, paths), label)

    def decimal(self, scope: Scope, paths: Sequence[str], label: str) -> str | None:
        return self.decimal_of(first_hit(scope, paths), label)

    def integer(self, scope: Scope, paths: Sequence[str], label: str) -> int | None:
        hit = first_hit(scope, paths)
        return None if hit is None else self._checked(parse_integer(hit.value), hit, label)

    def uom(self, scope: Scope, paths: Sequence[str]) -> str | None:
        return self.uom_of(self.text(scope, paths))

    # The same conversions for a hit already found (``FieldPlan.first_hits``).

    def date_of(self, hit: Hit | None, label: str) -> str | None:
        if hit is None:
            return None
        dates = self.config.dates
        return self._checked(parse_date(hit.value, dates.formats, dates.century_pivot), hit, label)

    def time_of(self, hit: Hit | None, label: str) -> str | None:
        return None if hit is None else self._checked(parse_time(hit.value), hit, label)

    def decimal_of(self, hit: Hit | None, label: str) -> str | None:
        if hit is None:
            return None
        implied = 0
        if self.config.implied_decimals:  # most maps have none: no element name to build
            element = f"{hit.path.tag}{hit.path.ref.element:02d}"
            implied = self.config.implied_decimals.get(element, 0)
            if implied and "." in hit.value:
                self.warn(f"{label}: {element} {hit.value!r} has a decimal point; taken as written")
        return self._checked(parse_decimal(hit.value, implied), hit, label)

    def uom_of(self, value: str | None) -> str | None:
        return None if value is None else self.config.uom.get(value, value)

    def code(
        self, scope: Scope, paths: Sequence[str], table: Mapping[str, T], label: str
    ) -> tuple[str | None, T | None]:
        """The raw code and its canonical meaning; an unknown code keeps the raw value only."""
        raw = self.text(scope, paths)
        if raw is None:
            return None, None
        meaning = table.get(raw)
        if meaning is None:
            self.warn(f"{label}: unknown code {raw!r}")
        return raw, meaning

    def product_ids(self, scope: Scope, starts: Iterable[str], label: str) -> dict[str, str]:
        """Qualifier/value pairs, qualifiers translated; the first value for a key wins."""
        names = self.config.product_id_qualifiers
        found: dict[str, str] = {}
        for path in compile_paths(starts if isinstance(starts, tuple) else tuple(starts)):
            tag, conditions = path.ref.tag, path.conditions
            for segment in scope:
                if segment.elements[0] != tag:  # inline: this runs for every segment of a line
                    continue
                if conditions and not all(c.holds(segment) for c in conditions):
                    continue
                if not pairs_aligned(segment, path.ref.element):
                    self.warn(f"{label}: {path.tag} qualifier/value pairs are misaligned")
                for qualifier, value in qualified_pairs(segment, path.ref.element):
                    key = names.get(qualifier, qualifier)
                    if key is not None:
                        found.setdefault(key, value)
        return found

    def _checked(self, value: V | None, hit: Hit, label: str) -> V | None:
        if value is None:
            self.warn(f"{label}: unreadable value {hit.value!r} at {hit.path.text}")
        return value
