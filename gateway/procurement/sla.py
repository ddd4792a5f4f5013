"""SLA timers of a PO (pure): when each document the supplier owes us is due, from the partner's
terms (``procurement:`` in its profile, ``state.Tolerances``) and what has arrived so far.

* ``functional_ack``: their 997/999, ``functional_ack_hours`` after we sent the 850;
* ``acknowledgement``: their 855, ``acknowledgement_hours`` after we sent the 850;
* ``ship_notice``: their first 856, ``ship_notice_days`` after the earliest requested date of the
  lines still expected (none expected, e.g. every line rejected: no timer);
* ``invoice``: their first 810, ``invoice_days`` after the first 856.

A timer runs only once the PO was sent (the ERP's 850 through us) and stops for good when its
document arrives or the PO is cancelled or closed. ``gateway.pipeline.sla`` raises each timer's
event once when it runs out; the registry keeps ``due`` on the PO for the ``overdue`` filter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.procurement.state import FUNCTIONAL_ACKS, Document, PoState, Tolerances

TIMERS = ("functional_ack", "acknowledgement", "ship_notice", "invoice")
ENDED = ("cancelled", "closed")


def due_dates(
    state: PoState,
    documents: list[Document],
    terms: Tolerances,
    sent_at: datetime | None,
    shipped_at: datetime | None,
) -> dict[str, datetime]:
    """Timer -> when it runs out, for the timers still running."""
    if sent_at is None or state.status in ENDED:
        return {}
    sent_at = _aware(sent_at)
    due: dict[str, datetime] = {}
    if not any(d.kind in FUNCTIONAL_ACKS for d in documents):
        due["functional_ack"] = sent_at + timedelta(hours=terms.functional_ack_hours)
    if not state.acknowledged:
        due["acknowledgement"] = sent_at + timedelta(hours=terms.acknowledgement_hours)
    if not state.shipped:
        requested = sorted(
            ln.requested_date for ln in state.lines if ln.expected > 0 and ln.requested_date
        )
        if requested:
            first = datetime.fromisoformat(requested[0]).replace(tzinfo=UTC)
            due["ship_notice"] = first + timedelta(days=terms.ship_notice_days)
    elif not state.invoiced and shipped_at is not None:
        due["invoice"] = _aware(shipped_at) + timedelta(days=terms.invoice_days)
    return due


def next_to_fire(due: dict[str, datetime], fired: list[str]) -> datetime | None:
    """The earliest timer that has not raised its event yet."""
    pending = [at for timer, at in due.items() if timer not in fired]
    return min(pending) if pending else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
