"""A canonical ``purchase_order`` as the X12 we send: an 850 for a new PO, an 860 for a changed
or cancelled one. Pure: the caller hands in the clock and the control numbers.

What goes out (004010 and 005010 share the layout)::

    850: BEG*00*<type>*<po>**<date>  CUR*BY  N1 (map parties)
         PO1*<line>*<qty>*<uom>*<price>**BP*<buyer part>*VP*<vendor part>  PID*F  DTM*002  ...
         CTT*<lines>*<quantity hash>
    860: BCH*04*<type>*<po>**<change no>*<date>  (BCH*01: the whole PO is cancelled)
         POC*<line>*<code>*<qty>*<qty left>*<uom>*<price>**BP*...  PID*F  DTM*002  ...  CTT

An 860's POC change codes (element 670): ``AI`` a line added, ``DI`` a line deleted, ``QI`` /
``QD`` only the quantity went up / down, ``PC`` only the price changed, ``CA`` anything else
(the date, the part numbers, several things at once). Lines that did not change are not sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from gateway.mapping.outbound.config import OutboundPoMapConfig
from gateway.x12.acks.reply_envelope import ControlNumbers, Writer, clean, write_isa
from gateway.x12.identities import EnvelopeId
from gateway.x12.model import Delimiters

_COMPARED = (
    "quantity",
    "unit_price",
    "uom",
    "requested_date",
    "buyer_part_number",
    "vendor_part_number",
    "description",
)


@dataclass(frozen=True, slots=True)
class Envelope:
    sender: EnvelopeId
    """Ours: ISA05/ISA06 and GS02."""
    receiver: EnvelopeId
    """The partner's: ISA07/ISA08 and GS03."""
    usage: str = "P"
    """ISA15: ``T`` for a partner still in testing."""


@dataclass(frozen=True, slots=True)
class Written:
    kind: str
    """``850`` or ``860``."""
    edi: str
    interchange_control: str
    group_control: str
    set_control: str
    lines: int
    """PO1 / POC segments written."""


class NothingChanged(ValueError):
    """An 860 was asked for, but no line and no header field differs from what was sent."""


def write_850(
    order: dict[str, Any],
    envelope: Envelope,
    config: OutboundPoMapConfig,
    controls: ControlNumbers,
    now: datetime,
) -> Written:
    w = _writer(config)
    d = w.d
    po = _v(order["po_number"], d)
    w.add("BEG", "00", config.order_type, po, "", _date(order.get("order_date"), now))
    _header(w, order, config)
    count = 0
    for line in order["lines"]:
        w.add("PO1", *_line_elements(line, config, d, "PO1"))
        _line_details(w, line, config)
        count += 1
    w.add("CTT", str(count), _quantity_hash(order["lines"]))
    return _enveloped(w, "850", "PO", envelope, config, controls, now, count)


def write_860(
    order: dict[str, Any],
    previous: dict[str, Any],
    envelope: Envelope,
    config: OutboundPoMapConfig,
    controls: ControlNumbers,
    now: datetime,
    change_number: int,
) -> Written:
    """The change from ``previous`` (the revision last sent) to ``order``. Raises
    ``NothingChanged`` when only what an 860 cannot carry differs (the ERP's revision label)."""
    w = _writer(config)
    d = w.d
    po = _v(order["po_number"], d)
    cancelled = order.get("status") == "cancelled"
    purpose = "01" if cancelled else "04"
    w.add(
        "BCH",
        purpose,
        config.order_type,
        po,
        "",
        str(change_number),
        _date(order.get("order_date") or previous.get("order_date"), now),
    )
    count = 0
    if not cancelled:
        header_changed = order.get("currency") != previous.get("currency")
        if header_changed:
            _header(w, order, config)
        for code, line in changes(previous["lines"], order["lines"]):
            elements = _line_elements(line, config, d, "POC")
            if code == "DI":  # nothing left to order; the part numbers say which line it was
                w.add("POC", elements[0], "DI", "0", "0", elements[3], "", "", *elements[6:])
            else:
                w.add("POC", elements[0], code, *elements[1:])
                _line_details(w, line, config)
            count += 1
        if count == 0 and not header_changed:
            raise NothingChanged(f"purchase order {po}: no line differs from what was sent")
        w.add(
            "CTT",
            str(count),
            _quantity_hash(
                [ln for c, ln in changes(previous["lines"], order["lines"]) if c != "DI"]
            ),
        )
    return _enveloped(w, "860", "PC", envelope, config, controls, now, count)


def changes(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(POC change code, line) for every line added, deleted or changed, in PO line order."""
    old = {ln["line_number"]: ln for ln in before}
    new = {ln["line_number"]: ln for ln in after}
    for line in after:
        was = old.get(line["line_number"])
        if was is None:
            yield "AI", line
            continue
        differ = [k for k in _COMPARED if _same(was.get(k)) != _same(line.get(k))]
        if not differ:
            continue
        if differ == ["quantity"]:
            up = Decimal(line["quantity"]) > Decimal(was["quantity"])
            yield ("QI" if up else "QD"), line
        elif differ == ["unit_price"]:
            yield "PC", line
        else:
            yield "CA", line
    for line in before:
        if line["line_number"] not in new:
            yield "DI", line


def _same(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _writer(config: OutboundPoMapConfig) -> Writer:
    c = config.delimiters
    return Writer(
        Delimiters(c.element, c.component, c.segment, c.repetition), config.newline_after_segment
    )


def _header(w: Writer, order: dict[str, Any], config: OutboundPoMapConfig) -> None:
    d = w.d
    if config.currency and order.get("currency"):
        w.add("CUR", "BY", _v(order["currency"], d))
    for party in config.parties:
        w.add("N1", party.code, _v(party.name, d), party.id_qualifier or "", _v(party.id or "", d))


def _line_elements(
    line: dict[str, Any], config: OutboundPoMapConfig, d: Delimiters, tag: str
) -> list[str]:
    """PO101-PO1xx; a POC has the same after its change code, with a quantity left to receive
    (the whole new quantity: the gateway does not know what was received)."""
    quantity = _number(line["quantity"])
    uom = _v(line.get("uom") or config.default_uom, d)
    price = _number(line["unit_price"]) if line.get("unit_price") else ""
    ids: list[str] = []
    q = config.part_qualifiers
    for qualifier, key in (
        (q.buyer_part_number, "buyer_part_number"),
        (q.vendor_part_number, "vendor_part_number"),
    ):
        if qualifier and line.get(key):
            ids += [qualifier, _v(line[key], d)]
    number = _v(line["line_number"], d)
    if tag == "PO1":
        return [number, quantity, uom, price, "", *ids]
    return [number, quantity, quantity, uom, price, "", *ids]


def _line_details(w: Writer, line: dict[str, Any], config: OutboundPoMapConfig) -> None:
    d = w.d
    if config.description and line.get("description"):
        w.add("PID", "F", "", "", "", _v(line["description"], d)[:80])
    if line.get("requested_date"):
        w.add("DTM", config.requested_date_qualifier, line["requested_date"].replace("-", ""))


def _enveloped(
    w: Writer,
    kind: str,
    functional_id: str,
    envelope: Envelope,
    config: OutboundPoMapConfig,
    controls: ControlNumbers,
    now: datetime,
    count: int,
) -> Written:
    body = w.segments
    isa13, gs06, st02 = controls.next("ISA"), controls.next("GS"), "0001"
    isa12 = "00401" if config.version == "004010" else "00501"
    d = w.d
    out = Writer(d, w.newline)
    write_isa(
        out,
        (envelope.sender.qualifier, envelope.sender.id),
        (envelope.receiver.qualifier, envelope.receiver.id),
        isa13,
        now,
        isa12,
        envelope.usage,
    )
    out.add(
        "GS",
        functional_id,
        envelope.sender.id,
        envelope.receiver.id,
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        str(gs06),
        "X",
        config.version,
    )
    out.add("ST", kind, st02)
    out.segments += body
    out.add("SE", str(len(body) + 2), st02)
    out.add("GE", "1", str(gs06))
    out.add("IEA", "1", f"{isa13:09d}")
    return Written(kind, out.render(), f"{isa13:09d}", str(gs06), st02, count)


def _v(value: str, d: Delimiters) -> str:
    return clean(str(value), d)


def _date(value: str | None, now: datetime) -> str:
    return value.replace("-", "") if value else now.strftime("%Y%m%d")


def _number(value: str) -> str:
    """X12 R: no exponent, no trailing zeros after the point, no leading plus."""
    text = f"{Decimal(value).normalize():f}"
    return text


def _quantity_hash(lines: list[dict[str, Any]]) -> str:
    return _number(str(sum((Decimal(ln["quantity"]) for ln in lines), Decimal(0))))
