"""856 ship notice -> ``ship_notice``.

The HL tree is rebuilt by ``hl_tree``. Each level's own facts (PO number, SSCC, tracking number)
come from the ``level`` sources; lines and packs then inherit along the lineage:

* a line's PO number is the nearest PO number of the item or an ancestor (PRF01 by default, or
  what the partner's map names, e.g. ``REF02[REF01=PO]``), else null with a warning;
* a line's SSCC is its own, else the nearest pack's, else the nearest tare's (carton before pallet);
* a pack's ``parent_sscc`` is the nearest enclosing pack or tare SSCC (a carton's pallet).

A line is every item level, plus any other level that carries a ``line_tags`` segment (LIN/SN1),
for partners who put items on the pack level. The heading is everything outside the HL loops plus
the shipment levels.
"""

from __future__ import annotations

from typing import Any

from gateway.canonical import HierarchyRole, ShipNoticeEvent
from gateway.mapping.base import EventContext, Map
from gateway.mapping.config import MapConfig, PairStarts, Paths, Section, SegmentTag
from gateway.mapping.fields import FieldReader
from gateway.mapping.hl_tree import Level, build_levels
from gateway.mapping.parties import parties_from
from gateway.mapping.paths import Hit
from gateway.mapping.plans import FieldPlan
from gateway.mapping.scopes import outside
from gateway.x12.model import Loop, Segment


class ShipNoticeHeaderSources(Section):
    shipment_id: Paths
    purpose: Paths
    ship_date: Paths
    ship_time: Paths
    estimated_delivery: Paths
    bill_of_lading: Paths
    tracking_numbers: Paths


class CarrierSources(Section):
    scac: Paths
    name: Paths
    mode: Paths


class LevelSources(Section):
    """Read from one HL level's own segments."""

    po_number: Paths
    sscc: Paths
    tracking_number: Paths


class ShipLineSources(Section):
    line_number: Paths
    quantity: Paths
    uom: Paths
    lot: Paths
    expiration_date: Paths
    description: Paths
    product_ids: PairStarts


class ShipNoticeMapConfig(MapConfig):
    levels: dict[str, HierarchyRole]
    line_tags: tuple[SegmentTag, ...] = ("LIN", "SN1")
    header: ShipNoticeHeaderSources
    carrier: CarrierSources
    level: LevelSources
    line: ShipLineSources


# The fields read together, in the order the plans answer them.
_LEVEL_FIELDS = ("po_number", "sscc", "tracking_number")
_LINE_FIELDS = ("line_number", "quantity", "uom", "lot", "expiration_date", "description")
_HEADER_FIELDS = (
    "shipment_id",
    "purpose",
    "ship_date",
    "ship_time",
    "estimated_delivery",
    "bill_of_lading",
)
_CARRIER_FIELDS = ("scac", "name", "mode")


class _Facts:
    """A level's own facts, read once, and the nearest ones along its lineage.

    ``build_levels`` lists parents before their children, so each "nearest" value is the level's
    own, else its parent's nearest: one step per level instead of a lineage walk per question."""

    __slots__ = (
        "children",
        "container",
        "nearest_po_number",
        "pack_sscc",
        "parent_container",
        "po_number",
        "sscc",
        "tare_sscc",
        "tracking_number",
    )
    po_number: str | None
    sscc: str | None
    tracking_number: str | None
    nearest_po_number: str | None
    container: str | None
    """The nearest pack or tare SSCC, the level's own included."""
    parent_container: str | None
    """A pack's ``parent_sscc``: the nearest enclosing pack or tare SSCC."""
    pack_sscc: str | None
    tare_sscc: str | None
    children: list[dict[str, Any]]
    """The children of the level's hierarchy node, added as they are read."""

    def __init__(self, role: HierarchyRole | None, own: list[str | None], up: _Facts) -> None:
        self.po_number, self.sscc, self.tracking_number = own
        self.children = []
        sscc, po_number = self.sscc, self.po_number
        self.nearest_po_number = po_number if po_number is not None else up.nearest_po_number
        self.parent_container = up.container
        mine = sscc if role == "pack" or role == "tare" else None
        self.container = mine if mine is not None else up.container
        self.pack_sscc = sscc if role == "pack" and sscc is not None else up.pack_sscc
        self.tare_sscc = sscc if role == "tare" and sscc is not None else up.tare_sscc

    @property
    def item_sscc(self) -> str | None:
        """The item's own SSCC, else its nearest pack's, else its nearest tare's."""
        if self.sscc is not None:
            return self.sscc
        return self.pack_sscc if self.pack_sscc is not None else self.tare_sscc


_TOP = _Facts.__new__(_Facts)
"""What a root level inherits: nothing (every fact None)."""
for _name in _Facts.__slots__:
    setattr(_TOP, _name, None)


class ShipNoticeMap(Map):
    def __init__(self, config: ShipNoticeMapConfig) -> None:
        self.config = config
        self._level_plan = FieldPlan(level_fields(config))
        self._line_plan = FieldPlan(level_fields(config) + line_fields(config))
        """A line level's own facts, then its line fields: one walk for both."""
        self._header_plan = FieldPlan(header_fields(config))
        self._carrier_plan = FieldPlan(_sources(config.carrier, _CARRIER_FIELDS))

    def to_canonical(self, ts: Loop, context: EventContext) -> ShipNoticeEvent:
        """Builds the document as plain data and validates it once: pydantic then makes every
        nested model in one call, about twice as fast as constructing them one by one."""
        reader = FieldReader(self.config)
        levels = build_levels(ts, self.config.levels, reader.warn)
        facts, line_levels, hierarchy = self._read_levels(levels)
        heading = outside(ts, "HL") + [
            s for level in levels if level.role == "shipment" for s in level.segments
        ]
        packs = [_pack(lv, facts[lv]) for lv in levels if lv.role in ("pack", "tare")]
        lines = [
            self._line(level, n, hits, facts[level], reader)
            for n, (level, hits) in enumerate(line_levels)
        ]
        if not lines:
            reader.warn("lines: the ship notice has no item levels")
        document = self._document(heading, reader, packs, lines, hierarchy)
        return ShipNoticeEvent.model_validate(
            {
                "id": context.event_id,
                "partner_id": context.partner_id,
                "source": context.source,
                "document": document,
                "warnings": reader.warnings,
            }
        )

    def _read_levels(
        self, levels: list[Level]
    ) -> tuple[dict[Level, _Facts], list[tuple[Level, list[Hit | None]]], list[dict[str, Any]]]:
        """Every level's facts; the line levels with the hits of their line fields; the
        hierarchy's root nodes (parents come first, so each node joins its parent's children)."""
        facts: dict[Level, _Facts] = {}
        lines: list[tuple[Level, list[Hit | None]]] = []
        roots: list[dict[str, Any]] = []
        for level in levels:
            up = _TOP if level.parent is None else facts[level.parent]
            if self._is_line(level):
                hits = self._line_plan.first_hits(level.segments)
                own = [None if hit is None else hit.value for hit in hits[:3]]
                lines.append((level, hits[3:]))
            else:
                own = self._level_plan.values(level.segments)
            facts[level] = mine = _Facts(level.role, own, up)
            (roots if level.parent is None else up.children).append(_node(level, mine))
        return facts, lines, roots

    def _is_line(self, level: Level) -> bool:
        if level.role == "item":
            return True
        return level.role != "shipment" and any(
            s.elements[0] in self.config.line_tags for s in level.segments
        )

    def _document(
        self,
        heading: list[Segment],
        reader: FieldReader,
        packs: list[dict[str, Any]],
        lines: list[dict[str, Any]],
        hierarchy: list[dict[str, Any]],
    ) -> dict[str, Any]:
        src = self.config.header
        scac, name, mode = self._carrier_plan.values(heading)
        hits = self._header_plan.first_hits(heading)
        shipment_id, purpose, ship_date, ship_time, delivery, lading = hits
        return {
            "shipment_id": reader.expect(_text(shipment_id), "shipment_id", src.shipment_id),
            "purpose": _text(purpose),
            "ship_date": reader.date_of(ship_date, "ship_date"),
            "ship_time": reader.time_of(ship_time, "ship_time"),
            "estimated_delivery": reader.date_of(delivery, "estimated_delivery"),
            "carrier": None
            if scac is None and name is None and mode is None
            else {"scac": scac, "name": name, "mode": mode},
            "bill_of_lading": _text(lading),
            "tracking_numbers": _tracking(reader.texts(heading, src.tracking_numbers), packs),
            "parties": parties_from(heading),
            "packs": packs,
            "lines": lines,
            "hierarchy": hierarchy,
        }

    def _line(
        self,
        level: Level,
        index: int,
        hits: list[Hit | None],
        facts: _Facts,
        reader: FieldReader,
    ) -> dict[str, Any]:
        src, scope, label = self.config.line, level.segments, f"lines[{index}]"
        line_number, quantity, uom, lot, expiration, description = hits
        po_number = facts.nearest_po_number
        if po_number is None:
            where = ", ".join(self.config.level.po_number) or "no source configured"
            reader.warn(f"{label}.po_number: not found on HL {level.id!r} or above ({where})")
        return {
            "hl_id": level.id,
            "po_number": po_number,
            "sscc": facts.item_sscc,
            "line_number": _text(line_number),
            "quantity": reader.expect(
                reader.decimal_of(quantity, f"{label}.quantity"), f"{label}.quantity", src.quantity
            ),
            "uom": reader.uom_of(_text(uom)),
            "product_ids": reader.product_ids(scope, src.product_ids, f"{label}.product_ids"),
            "lot": _text(lot),
            "expiration_date": reader.date_of(expiration, f"{label}.expiration_date"),
            "description": _text(description),
        }


def _sources(section: Section, names: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [getattr(section, name) for name in names]


def header_fields(config: ShipNoticeMapConfig) -> list[tuple[str, ...]]:
    """The header's candidate paths, field by field: shipment_id, purpose, ship_date, ship_time,
    estimated_delivery, bill_of_lading (the native mapper reads them in this order too)."""
    return _sources(config.header, _HEADER_FIELDS)


def level_fields(config: ShipNoticeMapConfig) -> list[tuple[str, ...]]:
    """An HL level's own facts: po_number, sscc, tracking_number."""
    return _sources(config.level, _LEVEL_FIELDS)


def line_fields(config: ShipNoticeMapConfig) -> list[tuple[str, ...]]:
    """A line's fields: line_number, quantity, uom, lot, expiration_date, description."""
    return _sources(config.line, _LINE_FIELDS)


def _text(hit: Hit | None) -> str | None:
    return None if hit is None else hit.value


def _pack(level: Level, facts: _Facts) -> dict[str, Any]:
    return {
        "hl_id": level.id,
        "level": level.code,
        "role": level.role,
        "sscc": facts.sscc,
        "parent_sscc": facts.parent_container,
        "po_number": facts.nearest_po_number,
        "tracking_number": facts.tracking_number,
    }


def _tracking(numbers: list[str], packs: list[dict[str, Any]]) -> list[str]:
    for pack in packs:
        number = pack["tracking_number"]
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _node(level: Level, facts: _Facts) -> dict[str, Any]:
    """The level's hierarchy node: its own facts (not inherited ones)."""
    return {
        "id": level.id,
        "level": level.code,
        "role": level.role,
        "parent_id": level.parent.id if level.parent else None,
        "po_number": facts.po_number,
        "sscc": facts.sscc,
        "tracking_number": facts.tracking_number,
        "parties": parties_from(level.segments),
        "children": facts.children,
    }
