"""``gateway po show PO`` and ``gateway po list``: the PO registry as procurement reads it
(``gateway.queries.purchase_orders``, the same read model as ``/ops/purchase-orders``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def add_po_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    po = sub.add_parser("po", help="purchase orders: state per PO and line, discrepancies")
    actions = po.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="one PO: lines, discrepancies and documents")
    show.add_argument(
        "po_number", help="the PO number (BEG03 of our 850, PO number in 855/856/810)"
    )
    show.add_argument("--partner", help="the supplier, when several have this PO number")
    show.add_argument(
        "--json", action="store_true", help="the same JSON as /ops/purchase-orders/PO"
    )
    publish = actions.add_parser(
        "publish",
        help="publish a PO from a JSON file (the body POST /ops/purchase-orders takes) and send "
        "the supplier its 850 or 860",
    )
    publish.add_argument("file", help="the canonical purchase_order as JSON, or - for stdin")
    send = actions.add_parser(
        "send",
        help="send a supplier the POs whose current revision never went out (published while "
        "it was a draft or suspended)",
    )
    send.add_argument("partner", help="the supplier's partner id")
    send.add_argument("--po", dest="po_number", help="only this PO number")
    card = actions.add_parser(
        "scorecard",
        help="each supplier's on-time 855 and 856, fill rate and invoice accuracy over a period",
    )
    card.add_argument("--partner", help="only this supplier")
    card.add_argument(
        "--from",
        dest="date_from",
        help="first day POs were sent, YYYY-MM-DD (default: 90 days ago)",
    )
    card.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (default: today)")
    card.add_argument("--csv", action="store_true", help="CSV, as /ops/scorecards?format=csv")
    actions.add_parser(
        "timers",
        help="raise the events of SLA timers that ran out now (the workers do it every minute)",
    )
    actions.add_parser(
        "pull", help="read changed purchase orders from the ERP now (GATEWAY_ERP_CONNECTOR=tryton)"
    )
    listing = actions.add_parser("list", help="POs, newest order date first")
    listing.add_argument("--partner", help="only this supplier's POs")
    listing.add_argument("--status", help="only POs in this state (e.g. acknowledged_with_changes)")
    listing.add_argument("--overdue", action="store_true", help="only POs past an SLA timer")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument(
        "--csv", action="store_true", help="CSV, as /ops/purchase-orders?format=csv"
    )


def run_po(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.queries import purchase_orders as views

    if args.action == "pull":
        return _pull(runtime)
    if args.action == "scorecard":
        return _scorecard(runtime, args)
    if args.action == "timers":
        from gateway.pipeline.sla import fire_due_timers

        raised = fire_due_timers(runtime.db, runtime.process_config.connectors)
        print(
            f"overdue SLA timers: {len(raised)} deliveries to the ERP stored (the workers post them)"
        )
        return 0
    if args.action == "publish":
        return _publish(runtime, args.file)
    if args.action == "send":
        return _send(runtime, args.partner, args.po_number)
    if args.action == "list":
        if args.status is not None and args.status not in views.STATUSES:
            print(
                f"gateway po list: unknown status {args.status!r}; one of: {', '.join(views.STATUSES)}",
                file=sys.stderr,
            )
            return 1
        rows = views.list_purchase_orders(
            runtime.db,
            partner_id=args.partner,
            status=args.status,
            overdue=args.overdue,
            limit=args.limit,
        )
        if args.csv:
            sys.stdout.write(views.as_csv(rows))
            return 0
        if not rows:
            print("no purchase orders" + (" overdue" if args.overdue else ""))
            return 0
        for row in rows:
            print(
                f"{row.po_number:<14} {row.partner_id:<20} {row.status:<26} {row.order_date or '-':<10} "
                f"{row.lines:>3} lines  {row.discrepancies} discrepancies"
                + (f"  overdue: {', '.join(row.overdue_timers)}" if row.overdue_timers else "")
            )
        return 0
    found = views.purchase_order(runtime.db, args.po_number, args.partner)
    if not found:
        print(f"gateway po show: no purchase order {args.po_number!r}", file=sys.stderr)
        return 1
    if len(found) > 1:
        names = ", ".join(v.partner_id for v in found)
        print(
            f"gateway po show: PO {args.po_number} exists for {names}: add --partner",
            file=sys.stderr,
        )
        return 1
    view = found[0]
    if args.json:
        print(json.dumps(view.model_dump(mode="json"), indent=2))
        return 0
    print(
        f"PO {view.po_number}  supplier {view.partner_id}  {view.status}  ordered {view.order_date or '-'}"
    )
    print(
        f"{'line':<5} {'status':<26} {'ordered':>9} {'acked':>9} {'shipped':>9} {'invoiced':>9}  part"
    )
    for line in view.lines:
        print(
            f"{line.line_number:<5} {line.status:<26} {line.ordered_quantity or '-':>9} "
            f"{line.acknowledged_quantity or '-':>9} {line.shipped_quantity or '-':>9} "
            f"{line.invoiced_quantity or '-':>9}  {line.buyer_part_number or ''}"
        )
    if view.transmissions:
        print("sent to the supplier:")
        for t in view.transmissions:
            print(
                f"  {t.kind} revision {t.revision}  {t.created_at:%Y-%m-%d %H:%M}  ISA13 "
                f"{t.interchange_control}  outbox {t.outbox_id} {t.outbox_status or '-'}  "
                f"997: {t.functional_ack or 'not yet'}"
            )
    if view.discrepancies:
        print("discrepancies:")
        for d in view.discrepancies:
            print(f"  [{d.severity}] {d.message}")
    if view.documents:
        print("documents:")
        for doc in view.documents:
            print(
                f"  {doc.kind} {doc.document_number or ''} {doc.received_at:%Y-%m-%d %H:%M} message {doc.message_id}"
            )
    return 0


def _scorecard(runtime: Runtime, args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime, timedelta
    from functools import partial

    from gateway.pipeline.config import procurement_tolerances
    from gateway.queries import scorecards as views

    try:
        last = date.fromisoformat(args.date_to) if args.date_to else datetime.now(UTC).date()
        first = (
            date.fromisoformat(args.date_from)
            if args.date_from
            else last - timedelta(days=views.DEFAULT_DAYS)
        )
    except ValueError as exc:
        print(f"gateway po scorecard: {exc} (dates are YYYY-MM-DD)", file=sys.stderr)
        return 1
    terms = partial(procurement_tolerances, config=runtime.process_config)
    cards = views.scorecards(runtime.db, terms, first, last, partner_id=args.partner)
    if args.csv:
        print(views.as_csv(cards), end="")
        return 0
    if not cards:
        print(f"no purchase orders sent from {first} to {last}")
        return 0

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    print(
        f"{'supplier':<20} {'POs':>5} {'855 on time':>12} {'856 on time':>12} {'fill':>6} {'invoices ok':>12}"
    )
    for c in cards:
        print(
            f"{c.partner_id:<20} {c.purchase_orders:>5} "
            f"{pct(c.acknowledgement.rate):>6} ({c.acknowledgement.on_time}/{c.acknowledgement.due}) "
            f"{pct(c.ship_notice.rate):>6} ({c.ship_notice.on_time}/{c.ship_notice.due}) "
            f"{pct(c.fill_rate):>6} {pct(c.invoice_accuracy.rate):>6} "
            f"({c.invoice_accuracy.on_time}/{c.invoice_accuracy.due})"
        )
    return 0


def _publish(runtime: Runtime, path: str) -> int:
    from pydantic import ValidationError

    from gateway.canonical.purchase_order import PurchaseOrder
    from gateway.errors import ConfigurationError
    from gateway.pipeline.purchase_orders import publish_order

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        order = PurchaseOrder.model_validate_json(text)
    except OSError as exc:
        print(f"gateway po publish: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(body)"
        print(f"gateway po publish: {path}: {where}: {first['msg']}", file=sys.stderr)
        return 1
    try:
        done, _ = publish_order(runtime.db, order, runtime.process_config)
    except ConfigurationError as exc:
        print(f"gateway po publish: {exc}", file=sys.stderr)
        return 1
    sent = (
        f"sent the supplier its {done.sent} (outbox {done.outbox_id})" if done.sent else done.note
    )
    print(
        f"PO {done.po_number} ({done.partner_id}): {done.outcome}, {done.status}; {sent or 'nothing sent'}"
    )
    return 0


def _send(runtime: Runtime, partner_id: str, po_number: str | None) -> int:
    """Exit 1 when a PO still cannot go out (the partner takes no POs yet: its note says why)."""
    from gateway.errors import ConfigurationError
    from gateway.pipeline.config import partner_profile
    from gateway.pipeline.purchase_orders import send_unsent

    try:
        profile = partner_profile(partner_id, runtime.process_config)
    except ConfigurationError:
        profile = None
    if profile is None:
        print(f"gateway po send: no partner {partner_id!r}", file=sys.stderr)
        return 1
    try:
        results = send_unsent(runtime.db, runtime.process_config, partner_id, po_number)
    except ConfigurationError as exc:
        print(f"gateway po send: {exc}", file=sys.stderr)
        return 1
    if not results:
        which = f"PO {po_number}" if po_number else "every PO"
        print(f"nothing to send: {which} of {partner_id} went out as published")
        return 0
    for done, _ in results:  # push items: the workers' sweep sends them
        what = f"sent its {done.sent} (outbox {done.outbox_id})" if done.sent else done.note
        print(f"PO {done.po_number} revision {done.revision}: {what}")
    sent = sum(1 for done, _ in results if done.sent)
    held = sum(1 for done, _ in results if done.held)
    print(f"{sent} sent, {held} still held, {len(results) - sent - held} with nothing to send")
    return 1 if held else 0


def _pull(runtime: Runtime) -> int:
    from gateway.errors import DeliveryError
    from gateway.pipeline.purchase_orders import publisher
    from gateway.procurement.pull import publishes, pull

    connector = runtime.connector
    if not publishes(connector):
        print(
            f"gateway po pull: the {connector.name} ERP connector publishes no purchase orders",
            file=sys.stderr,
        )
        return 1
    publish = publisher(runtime.db, runtime.process_config)  # push items: the workers' sweep
    try:
        done = pull(connector, None, publish)
    except DeliveryError as exc:
        print(f"gateway po pull: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {what}" for what, n in sorted(done.outcomes.items())) or "nothing"
    print(f"purchase orders from the ERP: {counts}")
    for problem in done.problems:
        print(f"  refused: {problem}")
    return 1 if done.problems else 0
