"""855 purchase order acknowledgment -> ``po_acknowledgment``.

Lines are the ``PO1`` loops (found at any depth); everything outside them is the heading. A line's
status comes from its first ACK01 through ``codes.line_status``; a line without any ACK takes its
status from the header status through ``codes.line_status_without_ack`` (by default: lines of an
accepted or accepted-with-changes order are accepted, lines of a rejected order are rejected).
Product ids come from ``line.product_ids`` (first value per key wins), except on substituted
lines, where ``line.substitute_product_ids`` names the supplier's replacement first.
"""

from __future__ import annotations

from gateway.canonical import (
    LineAcknowledgment,
    LineStatus,
    PoAckLine,
    PoAcknowledgment,
    PoAcknowledgmentEvent,
    PoAckStatus,
)
from gateway.mapping.base import EventContext, Map
from gateway.mapping.config import MapConfig, PairStarts, Paths, Section, SegmentTag
from gateway.mapping.fields import FieldReader, Scope
from gateway.mapping.parties import parties_from
from gateway.mapping.scopes import find_loops, outside, own_segments
from gateway.x12.model import Loop, Segment


class PoAckHeaderSources(Section):
    po_number: Paths
    po_date: Paths
    status: Paths
    purpose: Paths
    supplier_order_number: Paths
    acknowledgment_date: Paths
    currency: Paths


class PoAckLineSources(Section):
    line_number: Paths
    ordered_quantity: Paths
    quantity: Paths
    uom: Paths
    unit_price: Paths
    status: Paths
    schedule_date: Paths
    description: Paths
    product_ids: PairStarts
    substitute_product_ids: PairStarts


class LineAckSources(Section):
    """Read from each ``segment`` (ACK) of a line on its own."""

    segment: SegmentTag
    status: Paths
    quantity: Paths
    uom: Paths
    date_qualifier: Paths
    date: Paths


class PoAckCodes(Section):
    status: dict[str, PoAckStatus]
    line_status: dict[str, LineStatus]
    line_status_without_ack: dict[PoAckStatus, LineStatus]


class PoAckMapConfig(MapConfig):
    line_loop: SegmentTag = "PO1"
    header: PoAckHeaderSources
    line: PoAckLineSources
    acknowledgment: LineAckSources
    codes: PoAckCodes


class PoAcknowledgmentMap(Map):
    def __init__(self, config: PoAckMapConfig) -> None:
        self.config = config

    def to_canonical(self, ts: Loop, context: EventContext) -> PoAcknowledgmentEvent:
        reader = FieldReader(self.config)
        document = self._document(ts, reader)
        return PoAcknowledgmentEvent(
            id=context.event_id,
            partner_id=context.partner_id,
            source=context.source,
            document=document,
            warnings=reader.warnings,
        )

    def _document(self, ts: Loop, reader: FieldReader) -> PoAcknowledgment:
        src, codes = self.config.header, self.config.codes
        heading = outside(ts, self.config.line_loop)
        status_code, status = reader.code(heading, src.status, codes.status, "status")
        reader.expect(status_code, "status", src.status)
        line_loops = find_loops(ts, self.config.line_loop)
        return PoAcknowledgment(
            po_number=reader.expect(
                reader.text(heading, src.po_number), "po_number", src.po_number
            ),
            po_date=reader.date(heading, src.po_date, "po_date"),
            status=status,
            status_code=status_code,
            purpose=reader.text(heading, src.purpose),
            supplier_order_number=reader.text(heading, src.supplier_order_number),
            acknowledgment_date=reader.date(
                heading, src.acknowledgment_date, "acknowledgment_date"
            ),
            currency=reader.text(heading, src.currency),
            parties=parties_from(heading),
            lines=[
                self._line(own_segments(loop, self.config.line_loop), n, status, reader)
                for n, loop in enumerate(line_loops, start=1)
            ],
        )

    def _line(
        self, scope: Scope, index: int, header_status: PoAckStatus | None, reader: FieldReader
    ) -> PoAckLine:
        src, codes = self.config.line, self.config.codes
        label = f"lines[{index - 1}]"
        status_code, status = reader.code(scope, src.status, codes.line_status, f"{label}.status")
        if status_code is None and header_status is not None:
            status = codes.line_status_without_ack.get(header_status)
        id_sources = src.substitute_product_ids if status == "substituted" else src.product_ids
        return PoAckLine(
            line_number=reader.text(scope, src.line_number) or str(index),
            ordered_quantity=reader.decimal(
                scope, src.ordered_quantity, f"{label}.ordered_quantity"
            ),
            quantity=reader.decimal(scope, src.quantity, f"{label}.quantity"),
            uom=reader.uom(scope, src.uom),
            unit_price=reader.decimal(scope, src.unit_price, f"{label}.unit_price"),
            product_ids=reader.product_ids(scope, id_sources, f"{label}.product_ids"),
            status=status,
            status_code=status_code,
            schedule_date=reader.date(scope, src.schedule_date, f"{label}.schedule_date"),
            description=reader.text(scope, src.description),
            acknowledgments=[
                self._acknowledgment(segment, f"{label}.acknowledgments[{n}]", reader)
                for n, segment in enumerate(
                    s for s in scope if s.tag == self.config.acknowledgment.segment
                )
            ],
        )

    def _acknowledgment(
        self, segment: Segment, label: str, reader: FieldReader
    ) -> LineAcknowledgment:
        src, scope = self.config.acknowledgment, [segment]
        status_code = reader.text(scope, src.status)  # unknown codes: warned once per line
        return LineAcknowledgment(
            status=self.config.codes.line_status.get(status_code or ""),
            status_code=status_code,
            quantity=reader.decimal(scope, src.quantity, f"{label}.quantity"),
            uom=reader.uom(scope, src.uom),
            date_qualifier=reader.text(scope, src.date_qualifier),
            date=reader.date(scope, src.date, f"{label}.date"),
        )
