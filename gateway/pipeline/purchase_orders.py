"""Publishing a PO and sending it to the supplier, in one transaction: the registry keeps the
revision (``gateway.procurement.registry``) and, when the partner takes POs from us, the 850 for
a new PO or the 860 for a changed or cancelled one goes into the partner's outbox
(``pipeline.outbox``) over its ``transports.outbound``, written by its outbound map
(``maps/<partner>/outbound-850.yaml``, ``gateway.mapping.outbound``).

A crash keeps the revision and its outbox item together or neither. Each transmission is kept
(``po_transmissions``) with its control numbers: the supplier's 997/999 is matched to it by our
GS06 (``registry.observe``), and the next 860 is computed from what it carried.

Nothing is sent for a PO whose revision did not change (unless that revision never went out: the
same revision published again once a draft or suspended partner is live sends its 850 or 860;
``send_unsent`` does that for every such PO of a partner), to a ``draft`` or ``suspended`` partner,
to a partner whose profile says ``procurement.send_purchase_orders: false`` (its ERP sends its own),
or for a PO cancelled before it was ever sent. A ``testing`` partner gets ISA15=T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gateway.canonical.purchase_order import PurchaseOrder
from gateway.errors import ConfigurationError
from gateway.mapping.loader import load_outbound_po_map
from gateway.mapping.outbound.config import OutboundPoMapConfig
from gateway.mapping.outbound.purchase_orders import (
    Envelope,
    NothingChanged,
    Written,
    write_850,
    write_860,
)
from gateway.partners import PartnerProfile
from gateway.pipeline.batch_run import outbound_transport
from gateway.pipeline.config import ProcessConfig, partner_profile, procurement_tolerances
from gateway.pipeline.outbox import PULL_TRANSPORT, OutboundRef, edi_bytes, outbound_item
from gateway.procurement.registry import Published, publish_in, refresh
from gateway.store.counters import StoreControlNumbers
from gateway.store.db import Database
from gateway.store.models import (
    OutboxItem,
    Partner,
    PoTransmission,
    PurchaseOrderRecord,
    table_of,
    utcnow,
)
from gateway.x12.identities import EnvelopeId

_OUTBOX = table_of(OutboxItem)


@dataclass(frozen=True, slots=True)
class PoSending:
    """How (and whether) a partner's POs go out."""

    transport: str | None
    envelope: Envelope
    map: OutboundPoMapConfig
    refused: str | None = None
    """Why nothing is sent to this partner, in words; None: POs go out."""


def sending_for(profile: PartnerProfile, config: ProcessConfig, status: str) -> PoSending:
    """``status``: the partner's lifecycle status now (the database's; a promotion counts at
    once). Raises ``ConfigurationError`` for an invalid outbound map."""
    ours = profile.x12.our() or config.our_ids[0]
    envelope = Envelope(
        sender=ours,
        receiver=EnvelopeId(profile.x12.qualifier, profile.x12.id),
        usage="T" if status == "testing" else "P",
    )
    transport = outbound_transport(profile)
    refused = None
    if not profile.procurement.send_purchase_orders:
        refused = "not sent: the profile says procurement.send_purchase_orders: false"
    elif status in ("draft", "suspended"):
        refused = f"not sent: partner {profile.id} is {status}"
    elif transport is None:  # pragma: no cover - every profile has transports.outbound
        refused = "not sent: the partner has no outbound transport"
    return PoSending(
        transport, envelope, load_outbound_po_map(profile.id, config.maps_dir), refused
    )


def publish_order(
    db: Database, order: PurchaseOrder, config: ProcessConfig, *, now: datetime | None = None
) -> tuple[Published, OutboundRef | None]:
    """Publish ``order`` and send what the supplier must get of it; the outbox item to enqueue
    after the commit when it goes over a push transport. Raises ``ConfigurationError`` when the
    partner has no readable profile."""
    profile = partner_profile(order.partner_id, config)
    if profile is None:  # pragma: no cover - a PO always names a partner
        raise ConfigurationError("a purchase order names no partner")
    tolerances = procurement_tolerances(order.partner_id, config)
    with db.transaction() as session:
        done, record = publish_in(session, order, tolerances)
        if done.outcome == "unchanged" and _revision_sent(session, record):
            return done, None  # an unchanged revision never sent (say, to a draft) goes now
        status = session.scalar(select(Partner.status).where(Partner.id == profile.id))
        sending = sending_for(profile, config, status or profile.status)
        if sending.refused is not None:
            return replace(done, note=sending.refused, held=True), None
        written = _write(session, record, sending, now or datetime.now(UTC))
        if isinstance(written, str):
            return replace(done, note=written), None
        assert sending.transport is not None
        item = outbound_item(
            partner_id=record.partner_id,
            kind=written.kind,
            payload=edi_bytes(written.edi),
            transport=sending.transport,
        )
        session.execute(_OUTBOX.insert().values(**item))
        session.add(
            PoTransmission(
                partner_id=record.partner_id,
                po_number=record.po_number,
                revision=record.revision,
                kind=written.kind,
                outbox_id=item["id"],
                interchange_control=written.interchange_control,
                group_control=written.group_control,
                set_control=written.set_control,
                body=record.body,
            )
        )
        record.sent_at = record.sent_at or utcnow()
        refresh(session, record, tolerances)
        sent = replace(done, status=record.status, sent=written.kind, outbox_id=item["id"])
    push = sending.transport != PULL_TRANSPORT
    return sent, OutboundRef(item["id"], sending.transport) if push else None


def _revision_sent(session: Session, record: PurchaseOrderRecord) -> bool:
    """Whether the record's current revision went out (an 850 or 860 carried it)."""
    return (
        session.scalar(
            select(PoTransmission.id)
            .where(
                PoTransmission.partner_id == record.partner_id,
                PoTransmission.po_number == record.po_number,
                PoTransmission.revision == record.revision,
            )
            .limit(1)
        )
        is not None
    )


def _unsent(partner_id: str, po_number: str | None = None) -> Select[PurchaseOrderRecord]:
    """The partner's POs whose current revision no 850 or 860 carried."""
    sent = (
        select(PoTransmission.id)
        .where(
            PoTransmission.partner_id == PurchaseOrderRecord.partner_id,
            PoTransmission.po_number == PurchaseOrderRecord.po_number,
            PoTransmission.revision == PurchaseOrderRecord.revision,
        )
        .exists()
    )
    query = select(PurchaseOrderRecord).where(PurchaseOrderRecord.partner_id == partner_id, ~sent)
    if po_number is not None:
        query = query.where(PurchaseOrderRecord.po_number == po_number)
    return query.order_by(PurchaseOrderRecord.po_number)


def unsent_purchase_orders(db: Database, partner_id: str) -> list[str]:
    """The PO numbers ``send_unsent`` would try (the console offers to send them)."""
    query = _unsent(partner_id).with_only_columns(PurchaseOrderRecord.po_number)
    with db.sessions() as session:
        return list(session.scalars(query))


def send_unsent(
    db: Database, config: ProcessConfig, partner_id: str, po_number: str | None = None
) -> list[tuple[Published, OutboundRef | None]]:
    """Send every PO of ``partner_id`` (or only ``po_number``) whose current revision never went
    out: kept while the partner was a draft or suspended, now live. Each goes as its publication
    would have (an 850, or an 860 against what was last sent), each in its own transaction;
    refusals (the partner still not live, a PO cancelled before it was sent) come back with their
    note. Returns what each did, in PO number order, with the push items to enqueue."""
    query = _unsent(partner_id, po_number).with_only_columns(PurchaseOrderRecord.body)
    with db.sessions() as session:
        bodies = session.scalars(query).all()
    return [publish_order(db, PurchaseOrder.model_validate(body), config) for body in bodies]


def _write(
    session: Session, record: PurchaseOrderRecord, sending: PoSending, now: datetime
) -> Written | str:
    """The 850 or 860 for the record's new revision, or why there is none."""
    last = session.execute(
        select(PoTransmission)
        .where(
            PoTransmission.partner_id == record.partner_id,
            PoTransmission.po_number == record.po_number,
        )
        .order_by(PoTransmission.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    controls = StoreControlNumbers(session, record.partner_id)
    if last is None:
        if record.body.get("status") == "cancelled":
            return "not sent: cancelled before it was ever sent"
        return write_850(record.body, sending.envelope, sending.map, controls, now)
    changes = session.scalar(
        select(func.count())
        .select_from(PoTransmission)
        .where(
            PoTransmission.partner_id == record.partner_id,
            PoTransmission.po_number == record.po_number,
            PoTransmission.kind == "860",
        )
    )
    try:
        return write_860(
            record.body, last.body, sending.envelope, sending.map, controls, now, (changes or 0) + 1
        )
    except NothingChanged as exc:
        return f"not sent: {exc}"


def publisher(
    db: Database,
    config: ProcessConfig,
    enqueue_outbound: Callable[[list[str]], None] | None = None,
) -> Callable[[PurchaseOrder], Published]:
    """``publish_order`` as one call per PO, enqueuing each push item after its commit
    (without ``enqueue_outbound`` the workers' sweep finds it)."""

    def publish(order: PurchaseOrder) -> Published:
        done, ref = publish_order(db, order, config)
        if ref is not None and enqueue_outbound is not None:
            enqueue_outbound([ref.id])
        return done

    return publish
