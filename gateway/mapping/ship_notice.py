"""856 ship notice -> ``ship_notice``.

The HL tree is rebuilt by ``hierarchy``. Each level's own facts (PO number, SSCC, tracking number)
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

from gateway.canonical import (
    Carrier,
    HierarchyNode,
    HierarchyRole,
    Pack,
    ShipNotice,
    ShipNoticeEvent,
    ShipNoticeLine,
)
from gateway.mapping.base import EventContext, Map
from gateway.mapping.config import MapConfig, PairStarts, Paths, Section, SegmentTag
from gateway.mapping.fields import FieldReader
from gateway.mapping.hierarchy import Level, build_levels, nearest
from gateway.mapping.parties import parties_from
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


class _Facts:
    """A level's own facts, read once."""

    def __init__(self, level: Level, src: LevelSources, reader: FieldReader) -> None:
        self.po_number = reader.text(level.segments, src.po_number)
        self.sscc = reader.text(level.segments, src.sscc)
        self.tracking_number = reader.text(level.segments, src.tracking_number)


class ShipNoticeMap(Map):
    def __init__(self, config: ShipNoticeMapConfig) -> None:
        self.config = config

    def to_canonical(self, ts: Loop, context: EventContext) -> ShipNoticeEvent:
        reader = FieldReader(self.config)
        levels = build_levels(ts, self.config.levels, reader.warn)
        facts = {level: _Facts(level, self.config.level, reader) for level in levels}
        heading = outside(ts, "HL") + [
            s for level in levels if level.role == "shipment" for s in level.segments
        ]
        packs = [self._pack(lv, facts) for lv in levels if lv.role in ("pack", "tare")]
        line_levels = [lv for lv in levels if self._is_line(lv)]
        lines = [self._line(lv, n, facts, reader) for n, lv in enumerate(line_levels)]
        if not lines:
            reader.warn("lines: the ship notice has no item levels")
        document = self._document(heading, reader, packs, lines, _tree(levels, facts))
        return ShipNoticeEvent(
            id=context.event_id,
            partner_id=context.partner_id,
            source=context.source,
            document=document,
            warnings=reader.warnings,
        )

    def _is_line(self, level: Level) -> bool:
        if level.role == "item":
            return True
        return level.role != "shipment" and any(
            s.tag in self.config.line_tags for s in level.segments
        )

    def _document(
        self,
        heading: list[Segment],
        reader: FieldReader,
        packs: list[Pack],
        lines: list[ShipNoticeLine],
        hierarchy: list[HierarchyNode],
    ) -> ShipNotice:
        src, car = self.config.header, self.config.carrier
        carrier = Carrier(
            scac=reader.text(heading, car.scac),
            name=reader.text(heading, car.name),
            mode=reader.text(heading, car.mode),
        )
        return ShipNotice(
            shipment_id=reader.expect(
                reader.text(heading, src.shipment_id), "shipment_id", src.shipment_id
            ),
            purpose=reader.text(heading, src.purpose),
            ship_date=reader.date(heading, src.ship_date, "ship_date"),
            ship_time=reader.time(heading, src.ship_time, "ship_time"),
            estimated_delivery=reader.date(heading, src.estimated_delivery, "estimated_delivery"),
            carrier=carrier if carrier != Carrier() else None,
            bill_of_lading=reader.text(heading, src.bill_of_lading),
            tracking_numbers=_tracking(reader.texts(heading, src.tracking_numbers), packs),
            parties=parties_from(heading),
            packs=packs,
            lines=lines,
            hierarchy=hierarchy,
        )

    def _pack(self, level: Level, facts: dict[Level, _Facts]) -> Pack:
        return Pack(
            hl_id=level.id,
            level=level.code,
            role=level.role,
            sscc=facts[level].sscc,
            parent_sscc=nearest(level, lambda lv: _container_sscc(lv, facts), self_too=False),
            po_number=nearest(level, lambda lv: facts[lv].po_number),
            tracking_number=facts[level].tracking_number,
        )

    def _line(
        self, level: Level, index: int, facts: dict[Level, _Facts], reader: FieldReader
    ) -> ShipNoticeLine:
        src, scope, label = self.config.line, level.segments, f"lines[{index}]"
        po_number = nearest(level, lambda lv: facts[lv].po_number)
        if po_number is None:
            where = ", ".join(self.config.level.po_number) or "no source configured"
            reader.warn(f"{label}.po_number: not found on HL {level.id!r} or above ({where})")
        return ShipNoticeLine(
            hl_id=level.id,
            po_number=po_number,
            sscc=_item_sscc(level, facts),
            line_number=reader.text(scope, src.line_number),
            quantity=reader.expect(
                reader.decimal(scope, src.quantity, f"{label}.quantity"),
                f"{label}.quantity",
                src.quantity,
            ),
            uom=reader.uom(scope, src.uom),
            product_ids=reader.product_ids(scope, src.product_ids, f"{label}.product_ids"),
            lot=reader.text(scope, src.lot),
            expiration_date=reader.date(scope, src.expiration_date, f"{label}.expiration_date"),
            description=reader.text(scope, src.description),
        )


def _container_sscc(level: Level, facts: dict[Level, _Facts]) -> str | None:
    return facts[level].sscc if level.role in ("pack", "tare") else None


def _item_sscc(level: Level, facts: dict[Level, _Facts]) -> str | None:
    if facts[level].sscc is not None:
        return facts[level].sscc
    for role in ("pack", "tare"):
        for candidate in level.lineage():
            if candidate.role == role and facts[candidate].sscc is not None:
                return facts[candidate].sscc
    return None


def _tracking(numbers: list[str], packs: list[Pack]) -> list[str]:
    for pack in packs:
        if pack.tracking_number and pack.tracking_number not in numbers:
            numbers.append(pack.tracking_number)
    return numbers


def _tree(levels: list[Level], facts: dict[Level, _Facts]) -> list[HierarchyNode]:
    """Nested nodes, built children-first (children always follow their parent)."""
    built: dict[Level, HierarchyNode] = {}
    for level in reversed(levels):
        built[level] = HierarchyNode(
            id=level.id,
            level=level.code,
            role=level.role,
            parent_id=level.parent.id if level.parent else None,
            po_number=facts[level].po_number,
            sscc=facts[level].sscc,
            tracking_number=facts[level].tracking_number,
            parties=parties_from(level.segments),
            children=[built[child] for child in level.children],
        )
    return [built[level] for level in levels if level.parent is None]
