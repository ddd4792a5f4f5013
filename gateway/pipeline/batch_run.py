"""How one batch records its messages (the transaction and which messages form the batch are
``process``'s).

``BatchRun.add`` translates one message with its partner's profile, holding every interchange
to the partner's sender ids and our ids (``x12.identities``: a file naming another sender is
rejected, never delivered as this partner's), and hands everything it produced to the batch's
``records.Recorder``, which writes the whole batch in a few statements.
An interchange whose ISA13 was already received from the same sender/receiver pair is a duplicate
(TA1 025 when the policy rejects it); the batch finds those with one query for all its ISA headers
(``_SeenInterchanges``), and a message earlier in the batch counts as received before.

What a message leaves in the store is bounded by ``ProcessConfig.limits`` whatever its content
(``x12.limits``): its ``errors`` entries (message metadata), each set's findings (its stored
validation), the interchange messages, and the acknowledgements, which hold no more sets than
the limits let through.

Whether a new event is a test document kept from the ERP (``holds_from_erp``) is decided here, by
the partner's status in the database (one query per batch, so a promotion counts at once in
every worker) and its profile's ``test_indicator``.
"""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.orm import Session

from gateway.canonical import Event
from gateway.partners import DUPLICATE_CHECKS, PartnerProfile, holds_from_erp
from gateway.pipeline import json_documents
from gateway.pipeline.config import (
    ProcessConfig,
    partner_profile,
    procurement_tolerances,
    versions_of,
)
from gateway.pipeline.outcome import ProcessOutcome
from gateway.pipeline.records import Hold, Recorder, SetRow, Versions, deliver_all
from gateway.pipeline.translate import TranslateOptions, TranslationResult, translate_stream
from gateway.procurement import registry as procurement
from gateway.procurement.state import Tolerances
from gateway.store.counters import NumberBlocks, StoreControlNumbers
from gateway.store.models import (
    AuditEntry,
    InboundMessage,
    InterchangeRecord,
    Partner,
    table_of,
    utcnow,
)
from gateway.store.raw_bodies import load_small_bodies, open_raw
from gateway.x12 import results as r
from gateway.x12.acks.ta1 import build_ta1
from gateway.x12.headers import interchange_headers_in
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import InterchangeHeader

_INTERCHANGES = table_of(InterchangeRecord)
_MESSAGES = table_of(InboundMessage)
_RECEIVED_BEFORE = (
    select(
        _MESSAGES.c.partner_id,
        _INTERCHANGES.c.sender_id,
        _INTERCHANGES.c.receiver_id,
        _INTERCHANGES.c.control_number,
        _INTERCHANGES.c.message_id,
    )
    .join(_MESSAGES, _MESSAGES.c.id == _INTERCHANGES.c.message_id)
    .where(
        tuple_(
            _INTERCHANGES.c.sender_id, _INTERCHANGES.c.receiver_id, _INTERCHANGES.c.control_number
        ).in_(bindparam("keys", expanding=True)),
        _INTERCHANGES.c.message_id.not_in(bindparam("batch", expanding=True)),
    )
    .order_by(_INTERCHANGES.c.id)
)
"""Interchanges received before with one of a batch's (sender, receiver, ISA13) triples."""


def translate_options(
    profile: PartnerProfile | None, partner_id: str | None, config: ProcessConfig
) -> TranslateOptions:
    if profile is None:
        return TranslateOptions(
            partner_id=partner_id, maps_dir=config.maps_dir, limits=config.limits
        )
    return TranslateOptions(
        partner_id=profile.id,
        maps_dir=config.maps_dir,
        policy=profile.policy(),
        ack=profile.x12.ack.kind,
        ta1=profile.x12.ack.ta1,
        ack_options=profile.ack_options(),
        identities=profile.expected_identities(config.our_ids),
        limits=config.limits,
    )


class BatchRun:
    """One batch: profiles, the interchange duplicate index and the recorder they share."""

    def __init__(
        self,
        session: Session,
        config: ProcessConfig,
        messages: list[InboundMessage],
        claim: bool,
        blocks: NumberBlocks | None,
    ) -> None:
        self.session, self.config, self.blocks = session, config, blocks
        self.recorder = Recorder(
            session,
            connectors=config.connectors,
            claim=claim,
            observe=partial(procurement.observe, tolerances_for=self._tolerances),
        )
        load_small_bodies(session, messages)  # one query; larger ones are read in pieces
        self.interchanges = _SeenInterchanges(session, messages, config.limits)
        partner_ids = sorted({m.partner_id for m in messages if m.partner_id is not None})
        self.statuses: dict[str, str] = {}
        if partner_ids:
            query = select(Partner.id, Partner.status).where(Partner.id.in_(partner_ids))
            self.statuses = {row.id: row.status for row in session.execute(query)}

    def hold(self, profile: PartnerProfile | None) -> Hold:
        """Which of the partner's new events are test documents (a message without a partner:
        none). A partner without a row yet is taken at its profile's status."""
        if profile is None:
            return deliver_all
        status = self.statuses.get(profile.id, profile.status)
        indicator = profile.test_indicator

        def held(event: Event) -> bool:
            return holds_from_erp(status, indicator, event.source.test)

        return held

    def _tolerances(self, partner_id: str) -> Tolerances:
        return procurement_tolerances(partner_id, self.config)

    def add(self, message: InboundMessage) -> ProcessOutcome:
        session, config = self.session, self.config
        profile = partner_profile(message.partner_id, config)
        policy = profile.duplicate_policy if profile else "reject"
        checks: frozenset[str] = (
            profile.duplicate_checks if profile else frozenset(DUPLICATE_CHECKS)
        )
        message.attempts += 1
        is_json = json_documents.is_json_documents(message)
        versions = versions_of(message.partner_id, config, mapped=not is_json)
        if is_json:
            identities = profile.expected_identities(config.our_ids) if profile else None
            return json_documents.record_json_documents(
                session,
                message,
                self.recorder,
                policy,
                checks,
                identities,
                config.limits,
                self.hold(profile),
                versions,
            )
        counters = StoreControlNumbers(session, message.partner_id or "unknown", blocks=self.blocks)
        duplicate = self.interchanges.duplicate(message) if "isa13" in checks else None
        if duplicate is not None and policy != "accept-and-flag":
            return _reject_duplicate(self.recorder, message, duplicate, policy, profile, counters)
        with open_raw(session, message) as body:
            result = translate_stream(
                body,
                options=translate_options(profile, message.partner_id, config),
                counters=counters,
            )
        self.interchanges.remember(message)
        outcome = _record(
            self.recorder, message, result, policy, checks, self.hold(profile), versions
        )
        outcome.outbound = self.recorder.add_acks(
            message, result.acknowledgments, outbound_transport(profile, message.transport)
        )
        if duplicate is not None:
            message.meta = {
                **message.meta,
                "flagged_duplicate_of": duplicate[0],
                "duplicate_reason": duplicate[1],
            }
        if result.errors:  # translation reports bad input, never raises: keep it for the receipt
            # At most max_error_entries + 1 (the count of the rest): bounded already.
            message.meta = {
                **message.meta,
                "errors": json.loads(json.dumps(result.errors, default=str)),
            }
        message.status = "processed"
        message.processed_at = utcnow()
        message.error = None
        return outcome


def _headers(session: Session, message: InboundMessage, most: int) -> list[InterchangeHeader]:
    with open_raw(session, message) as body:
        return interchange_headers_in(body, most)


class _SeenInterchanges:
    """ISA13 duplicates for a batch: one query for every ISA header of its X12 messages, then
    the batch's own messages in order (an earlier one counts as already received)."""

    def __init__(
        self, session: Session, messages: list[InboundMessage], limits: Limits = DEFAULT_LIMITS
    ) -> None:
        # Past the limit translation rejects the interchange anyway (and reads no further).
        most = limits.max_interchanges_per_document + 1
        self.headers = {
            m.id: _headers(session, m, most)
            for m in messages
            if not json_documents.is_json_documents(m)
        }
        self.known: dict[tuple[str | None, str, str, str], str] = {}
        wanted = {
            (h.sender_id, h.receiver_id, h.control_number)
            for headers in self.headers.values()
            for h in headers
        }
        if not wanted:
            return
        rows = session.execute(
            _RECEIVED_BEFORE, {"keys": sorted(wanted), "batch": [m.id for m in messages]}
        )
        for partner_id, sender, receiver, control, original in rows:
            # Rows of other partners come along; the lookup key has the partner.
            self.known.setdefault((partner_id, sender, receiver, control), original)

    def duplicate(self, message: InboundMessage) -> tuple[str, str, InterchangeHeader] | None:
        """(original message id, reason, header) of the first interchange already received."""
        for header in self.headers.get(message.id, []):
            original = self.known.get(self._key(message, header))
            if original is not None and original != message.id:
                reason = f"ISA13 {header.control_number} from {header.sender_id} already received"
                return original, reason, header
        return None

    def remember(self, message: InboundMessage) -> None:
        for header in self.headers.get(message.id, []):
            self.known.setdefault(self._key(message, header), message.id)

    @staticmethod
    def _key(
        message: InboundMessage, header: InterchangeHeader
    ) -> tuple[str | None, str, str, str]:
        return (message.partner_id, header.sender_id, header.receiver_id, header.control_number)


def _reject_duplicate(
    recorder: Recorder,
    message: InboundMessage,
    duplicate: tuple[str, str, InterchangeHeader],
    policy: str,
    profile: PartnerProfile | None,
    counters: StoreControlNumbers,
) -> ProcessOutcome:
    original, reason, header = duplicate
    message.status = "duplicate" if policy == "reject" else "ignored"
    message.duplicate_of, message.duplicate_reason = original, reason
    message.processed_at = utcnow()
    outbound = []
    if policy == "reject":
        ir = r.InterchangeResult.from_header(header)
        ir.note("025", reason, reject=True)
        options = profile.ack_options() if profile else None
        edi = build_ta1(ir, counters, options=options)
        ta1 = [{"kind": "TA1", "edi": edi}]
        outbound = recorder.add_acks(message, ta1, outbound_transport(profile, message.transport))
    recorder.session.add(
        AuditEntry(
            actor="worker",
            action=f"message.{message.status}",
            subject=message.id,
            detail={"duplicate_of": original, "reason": reason},
        )
    )
    return ProcessOutcome(
        message.id,
        message.status,
        errors=[{"code": "x12.interchange.duplicate", "message": reason}],
        outbound=outbound,
    )


def outbound_transport(profile: PartnerProfile | None, came_over: str | None = None) -> str | None:
    """The transport the partner's documents go out over; None without a profile (no outbox
    item: there is nobody to send to). Acknowledgements of a file that came over SFTP go back
    the same way, to the partner's SFTP ``outbound/`` (or its server), while its SFTP is
    enabled: a partner that drops files does not fetch 997s from the API. Otherwise the
    profile's ``transports.outbound``."""
    if profile is None:
        return None
    sftp = profile.transports.sftp
    if came_over == "sftp" and sftp is not None and sftp.enabled:
        return "sftp"
    return profile.transports.outbound


def _record(
    recorder: Recorder,
    message: InboundMessage,
    result: TranslationResult,
    policy: str,
    checks: frozenset[str],
    hold: Hold,
    versions: Versions,
) -> ProcessOutcome:
    recorder.interchange_rows += [
        {
            "message_id": message.id,
            "ordinal": n,
            "sender_id": ir.sender_id,
            "receiver_id": ir.receiver_id,
            "control_number": ir.control_number,
            "test": ir.usage == "T",
            "ta1_status": ir.ta1_status,
            "ta1_code": ir.ta1_code,
            "result": {"messages": ir.all_messages, "warnings": ir.all_warnings},
        }
        for n, ir in enumerate(result.interchanges, 1)
    ]
    events = {
        (
            e.source.interchange_control_number,
            e.source.group_control_number,
            e.source.control_number,
        ): e
        for e in reversed(result.documents)
    }
    sets = [
        SetRow(
            {
                "interchange_control_number": ir.control_number,
                "group_control_number": group.control_number,
                "ordinal": ordinal,
                "code": tr.code[:6],
                "control_number": tr.control_number[:20],
                "status": tr.status,
                "validation": tr.as_dict(),
                **control_keys(group, tr),
            },
            events.pop((ir.control_number, group.control_number, tr.control_number), None),
        )
        for ordinal, (ir, group, tr) in enumerate(_sets(result), 1)
    ]
    sets += _received_ta1_rows(result, events, len(sets))
    recorded = recorder.add_sets(message, sets, policy, checks, hold, versions)
    return ProcessOutcome(message.id, "processed", errors=result.errors, recorded=recorded)


def _received_ta1_rows(
    result: TranslationResult, events: dict[tuple[str, str, str], Event], after: int
) -> list[SetRow]:
    """A partner's TA1s (answers to our interchanges): a row each, with its ``interchange_ack``
    event, so that it is stored, delivered and shown with the message like a set."""
    rows = []
    for ir in result.interchanges:
        for ta1 in ir.received_ta1:
            event = events.pop((ir.control_number, "", ta1[0]), None)
            if event is None:
                continue
            after += 1
            rows.append(
                SetRow(
                    {
                        "interchange_control_number": ir.control_number,
                        "group_control_number": "",
                        "ordinal": after,
                        "code": "TA1",
                        "control_number": ta1[0][:20],
                        "status": "A",  # we read it; what it says is the event's
                        "validation": {"ta1": list(ta1)},
                        "group_key": "",
                        "control_key": "",
                    },
                    event,
                )
            )
    return rows


def control_keys(group: r.GroupResult, tr: r.TransactionResult) -> dict[str, str]:
    """The GS06 and ST02 duplicate layers' values for one set (see ``records.LAYERS``)."""
    if not group.control_number:
        return {"group_key": "", "control_key": ""}
    group_key = f"{group.sender_id}|{group.receiver_id}|{group.control_number}"[:80]
    if not tr.control_number:
        return {"group_key": group_key, "control_key": ""}
    control_key = f"{group_key}|{tr.code}|{tr.control_number}"[:120]
    return {"group_key": group_key, "control_key": control_key}


def _sets(
    result: TranslationResult,
) -> list[tuple[r.InterchangeResult, r.GroupResult, r.TransactionResult]]:
    return [
        (ir, group, tr)
        for ir in result.interchanges
        for group in ir.groups
        for tr in group.transactions
    ]
