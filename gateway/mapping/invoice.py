"""810 invoice -> ``invoice``.

Lines are the ``IT1`` loops (found at any depth); everything outside them is heading and summary.
Allowances/charges (SAC) and taxes (TXI) are read one segment at a time wherever they occur; those
inside a line loop carry that line's number, the others ``line_number: null``. N-type amounts
(TDS01, SAC05, ITD08...) get the implied decimals the map's ``implied_decimals`` table gives them;
R-type values (TXI02, SAC07) keep their decimals as sent.
"""

from __future__ import annotations

from gateway.canonical import (
    AllowanceCharge,
    AllowanceChargeIndicator,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    Tax,
    Terms,
)
from gateway.mapping.base import EventContext, Map
from gateway.mapping.config import MapConfig, PairStarts, Paths, Section, SegmentTag
from gateway.mapping.fields import FieldReader, Scope
from gateway.mapping.parties import parties_from
from gateway.mapping.scopes import find_loops, outside, own_segments
from gateway.x12.model import Loop, Segment


class InvoiceHeaderSources(Section):
    invoice_number: Paths
    invoice_date: Paths
    po_number: Paths
    po_date: Paths
    currency: Paths
    total_amount: Paths


class InvoiceLineSources(Section):
    line_number: Paths
    quantity: Paths
    uom: Paths
    unit_price: Paths
    description: Paths
    product_ids: PairStarts


class AllowanceChargeSources(Section):
    """Read from each ``segment`` (SAC) on its own."""

    segment: SegmentTag
    indicator: Paths
    code: Paths
    amount: Paths
    percent: Paths
    rate: Paths
    description: Paths


class TaxSources(Section):
    """Read from each ``segment`` (TXI) on its own."""

    segment: SegmentTag
    type: Paths
    amount: Paths
    percent: Paths
    jurisdiction_qualifier: Paths
    jurisdiction: Paths


class TermsSources(Section):
    """Read from the first heading ``segment`` (ITD)."""

    segment: SegmentTag
    type_code: Paths
    basis: Paths
    discount_percent: Paths
    discount_due_date: Paths
    discount_days_due: Paths
    net_due_date: Paths
    net_days: Paths
    discount_amount: Paths
    description: Paths


class InvoiceCodes(Section):
    indicator: dict[str, AllowanceChargeIndicator]


class InvoiceMapConfig(MapConfig):
    line_loop: SegmentTag = "IT1"
    header: InvoiceHeaderSources
    line: InvoiceLineSources
    allowance_charge: AllowanceChargeSources
    tax: TaxSources
    terms: TermsSources
    codes: InvoiceCodes


class InvoiceMap(Map):
    def __init__(self, config: InvoiceMapConfig) -> None:
        self.config = config

    def to_canonical(self, ts: Loop, context: EventContext) -> InvoiceEvent:
        reader = FieldReader(self.config)
        return InvoiceEvent(
            id=context.event_id,
            partner_id=context.partner_id,
            source=context.source,
            document=self._document(ts, reader),
            warnings=reader.warnings,
        )

    def _document(self, ts: Loop, reader: FieldReader) -> Invoice:
        src = self.config.header
        heading = outside(ts, self.config.line_loop)
        scopes = [
            own_segments(loop, self.config.line_loop)
            for loop in find_loops(ts, self.config.line_loop)
        ]
        lines = [self._line(scope, n, reader) for n, scope in enumerate(scopes, start=1)]
        owner = {
            id(s): line.line_number
            for scope, line in zip(scopes, lines, strict=True)
            for s in scope
        }
        in_order = ts.walk()
        return Invoice(
            invoice_number=reader.expect(
                reader.text(heading, src.invoice_number), "invoice_number", src.invoice_number
            ),
            invoice_date=reader.date(heading, src.invoice_date, "invoice_date"),
            po_number=reader.expect(
                reader.text(heading, src.po_number), "po_number", src.po_number
            ),
            po_date=reader.date(heading, src.po_date, "po_date"),
            currency=reader.text(heading, src.currency),
            total_amount=reader.expect(
                reader.decimal(heading, src.total_amount, "total_amount"),
                "total_amount",
                src.total_amount,
            ),
            lines=lines,
            allowances_charges=self._allowances_charges(in_order, owner, reader),
            taxes=self._taxes(in_order, owner, reader),
            terms=self._terms(heading, reader),
            parties=parties_from(heading),
        )

    def _line(self, scope: Scope, index: int, reader: FieldReader) -> InvoiceLine:
        src, label = self.config.line, f"lines[{index - 1}]"
        return InvoiceLine(
            line_number=reader.text(scope, src.line_number) or str(index),
            quantity=reader.decimal(scope, src.quantity, f"{label}.quantity"),
            uom=reader.uom(scope, src.uom),
            unit_price=reader.decimal(scope, src.unit_price, f"{label}.unit_price"),
            product_ids=reader.product_ids(scope, src.product_ids, f"{label}.product_ids"),
            description=reader.text(scope, src.description),
        )

    def _allowances_charges(
        self, segments: list[Segment], owner: dict[int, str], reader: FieldReader
    ) -> list[AllowanceCharge]:
        src, out = self.config.allowance_charge, list[AllowanceCharge]()
        for segment in (s for s in segments if s.tag == src.segment):
            scope, label = [segment], f"allowances_charges[{len(out)}]"
            _, indicator = reader.code(
                scope, src.indicator, self.config.codes.indicator, f"{label}.indicator"
            )
            out.append(
                AllowanceCharge(
                    indicator=indicator,
                    code=reader.text(scope, src.code),
                    amount=reader.decimal(scope, src.amount, f"{label}.amount"),
                    percent=reader.decimal(scope, src.percent, f"{label}.percent"),
                    rate=reader.decimal(scope, src.rate, f"{label}.rate"),
                    description=reader.text(scope, src.description),
                    line_number=owner.get(id(segment)),
                )
            )
        return out

    def _taxes(
        self, segments: list[Segment], owner: dict[int, str], reader: FieldReader
    ) -> list[Tax]:
        src, out = self.config.tax, list[Tax]()
        for segment in (s for s in segments if s.tag == src.segment):
            scope, label = [segment], f"taxes[{len(out)}]"
            out.append(
                Tax(
                    type=reader.text(scope, src.type),
                    amount=reader.decimal(scope, src.amount, f"{label}.amount"),
                    percent=reader.decimal(scope, src.percent, f"{label}.percent"),
                    jurisdiction_qualifier=reader.text(scope, src.jurisdiction_qualifier),
                    jurisdiction=reader.text(scope, src.jurisdiction),
                    line_number=owner.get(id(segment)),
                )
            )
        return out

    def _terms(self, heading: list[Segment], reader: FieldReader) -> Terms | None:
        src = self.config.terms
        segment = next((s for s in heading if s.tag == src.segment), None)
        if segment is None:
            return None
        scope = [segment]
        return Terms(
            type_code=reader.text(scope, src.type_code),
            basis=reader.text(scope, src.basis),
            discount_percent=reader.decimal(scope, src.discount_percent, "terms.discount_percent"),
            discount_due_date=reader.date(scope, src.discount_due_date, "terms.discount_due_date"),
            discount_days_due=reader.integer(
                scope, src.discount_days_due, "terms.discount_days_due"
            ),
            net_due_date=reader.date(scope, src.net_due_date, "terms.net_due_date"),
            net_days=reader.integer(scope, src.net_days, "terms.net_days"),
            discount_amount=reader.decimal(scope, src.discount_amount, "terms.discount_amount"),
            description=reader.text(scope, src.description),
        )
