"""Translate: bytes in, canonical events, acknowledgements and errors out. Pure: no store, no network.

The stages, each its own module: ``x12.reader`` (tokens) -> ``x12.interchanges`` (ISA/GS/ST checks,
streamed) -> ``x12.validate`` (structure, elements, HL, CTT) -> ``mapping`` (canonical events) ->
``x12.acks`` (TA1/997/999). Events go to ``on_event`` as soon as their set is validated, so a 200 MB
file never sits in memory; without a callback they are collected in the result.

Bounded by ``options.limits`` (``x12.limits``): findings and ``errors`` entries are capped (the
last entry counts those left out). A document past a count or its time budget ends with the
interchange being read rejected (TA1 R 024), its events withdrawn from ``documents`` (an
``on_event`` caller has seen them already: the error says how many to disregard) and nothing
after it read.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from gateway.canonical import (
    TA1_NOTES,
    TA1_STATUSES,
    Event,
    InterchangeAck,
    InterchangeAckEvent,
    ShipNoticeEvent,
    Source,
)
from gateway.errors import DocumentError, InterchangeError, LimitExceededError
from gateway.mapping.base import EventContext, Map
from gateway.mapping.loader import load_map
from gateway.mapping.native import ship_notice as native_856
from gateway.mapping.ship_notice import ShipNoticeMap
from gateway.pipeline import gc_steps
from gateway.x12 import error_entries
from gateway.x12 import results as r
from gateway.x12.acks.functional import ack_kind, build_functional_ack
from gateway.x12.acks.reply_envelope import AckOptions, ControlNumbers, MemoryControlNumbers
from gateway.x12.acks.ta1 import build_ta1, ta1_wanted
from gateway.x12.identities import ExpectedIdentities
from gateway.x12.interchanges import TransactionUnit, walk_interchanges
from gateway.x12.limits import DEFAULT_LIMITS, Limits
from gateway.x12.model import Loop, Segment
from gateway.x12.native import fastpath
from gateway.x12.native.fastsets import CertifiedBody, FastSets
from gateway.x12.reader import SegmentReader
from gateway.x12.results import ValidationSummary
from gateway.x12.validate import DEFAULT_POLICY, ValidationPolicy, validate_transaction

EventSink = Callable[[Event], None]


class EventJson(Protocol):
    """Where events can go as JSON text (``gateway translate``'s output). The native 856 mapper
    writes the ship notices it can straight there, as ``json.dumps(event, indent=indent)`` would
    with every newline followed by ``depth * indent`` more spaces; every other event still goes
    to ``on_event``, as an ``Event``."""

    indent: int | None
    depth: int

    def event_json(self, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class TranslateOptions:
    partner_id: str | None = None
    maps_dir: Path | None = None
    policy: ValidationPolicy = DEFAULT_POLICY
    ack: str = "auto"
    """``auto`` (997 for 4010, 999 for 5010), ``997``, ``999`` or ``none``."""
    ta1: str = "on_request"
    ack_options: AckOptions = field(default_factory=AckOptions)
    now: datetime | None = None
    map_documents: bool = True
    identities: ExpectedIdentities | None = None
    """Who may send on this channel and whom it may address (``x12.identities``); None when
    no partner is known (the corpus, ``gateway translate`` without ``--partner``): not checked."""
    limits: Limits = DEFAULT_LIMITS


@dataclass(slots=True)
class TranslationResult:
    documents: list[Event] = field(default_factory=list)
    acknowledgments: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    interchanges: list[r.InterchangeResult] = field(default_factory=list)
    transaction_count: int = 0
    segment_count: int = 0
    event_count: int = 0

    @property
    def ok(self) -> bool:
        """True when every interchange and every transaction set was accepted."""
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": [d.model_dump(mode="json") for d in self.documents],
            "acknowledgments": self.acknowledgments,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def event_id(partner_id: str | None, unit: TransactionUnit) -> str:
    """Deterministic: the same ST..SE from the same sender and partner always gets the same id.

    The digest input is the partner and interchange ids, then per segment a record separator and
    its elements joined by unit separators, hashed in one piece (the same bytes as segment by
    segment, in far fewer calls)."""
    return _event_id(partner_id, unit, _joined(unit.segments))


def _joined(segments: Iterable[Segment]) -> str:
    """What an event id hashes of ``segments``: per segment ``\x1e``, then its elements joined
    by ``\x1f``."""
    return "".join(["\x1e" + "\x1f".join(seg.elements) for seg in segments])


def _event_id(partner_id: str | None, unit: TransactionUnit, segments: str) -> str:
    """``event_id`` from the set's segments already joined (``\x1e`` + elements joined by
    ``\x1f``, segment after segment)."""
    h = hashlib.sha256()
    h.update(
        f"{partner_id or ''}\x1f{unit.interchange.sender_id}\x1f{unit.interchange.receiver_id}".encode()
    )
    h.update(segments.encode("utf-8", "surrogateescape"))
    return "evt_" + h.hexdigest()[:32]


def source_fields(unit: TransactionUnit) -> dict[str, Any]:
    """The event's ``source`` as plain data, in the model's field order (its JSON form)."""
    isa, gs = unit.interchange, unit.group
    return {
        "syntax": "x12",
        "version": gs.version,
        "document_type": unit.result.code,
        "sender_id": isa.sender_id,
        "receiver_id": isa.receiver_id,
        "interchange_control_number": isa.control_number,
        "group_control_number": gs.control_number,
        "control_number": unit.result.control_number,
        "test": isa.usage == "T",
    }


def source_of(unit: TransactionUnit) -> Source:
    return Source(**source_fields(unit))


class _Translator:
    def __init__(
        self,
        options: TranslateOptions,
        on_event: EventSink | None,
        counters: ControlNumbers,
        json_sink: EventJson | None = None,
    ) -> None:
        self.options = options
        self.on_event = on_event
        self.counters = counters
        self.json_sink = json_sink
        self._native: dict[str, Any] = {}
        """Per document type, its native plan (None: the map has none)."""
        self.result = TranslationResult()
        self.errors = error_entries.ErrorEntries(
            self.result.errors, options.limits.max_error_entries
        )
        self._maps: dict[str, Map] = {}
        self.interchange_events = 0
        """Events mapped from the interchange being read (withdrawn if it is rejected)."""

    def handle(self, unit: TransactionUnit) -> None:
        self.handle_validated(unit, validate_transaction(unit, self.options.policy))

    def handle_validated(self, unit: TransactionUnit, tree: Loop | None) -> None:
        """Map a set ``validate_transaction`` (or the fast path's equivalent) has been through."""
        gc_steps.step()  # the previous set is gone, this one is not mapped yet: little is alive
        self.result.transaction_count += 1
        if tree is None or not self.options.map_documents:
            return
        # A rejected 855/856/810 yields no event: the ERP must not act on a document we refused.
        # A partner's 997/999 is still read (we never answer it), its faults kept as warnings.
        readable_ack = unit.result.code in ("997", "999") and tree.first("AK1") is not None
        if unit.result.accepted or readable_ack:
            self._map(unit, tree)

    def _mapper(self, code: str) -> Map:
        mapper = self._maps.get(code)
        if mapper is None:
            mapper = self._maps[code] = load_map(
                code, self.options.partner_id, self.options.maps_dir
            )
        return mapper

    def native_set(self, unit: TransactionUnit, body: CertifiedBody) -> bool:
        """An accepted certified set, offered before its segments are built: its event from the
        native mapper (``mapping.native``) when it can, as JSON text to ``json_sink`` or else as
        an ``Event`` read from that text; False: it cannot, and the set goes the usual way
        (``handle_validated``)."""
        sink, code, d = self.json_sink, unit.result.code, body.delimiters
        if code != "856" or not self.options.map_documents:
            return False
        indent, depth = (None, 0) if sink is None else (sink.indent, sink.depth)
        if indent == 0 or len(d.segment) != 1 or len(d.element) != 1:
            return False  # json.dumps(indent=0) is neither indented nor one line
        plan = self._native.get(code, False)
        if plan is False:
            mapper = self._mapper(code)
            plan = None
            if isinstance(mapper, ShipNoticeMap):
                plan = native_856.compile_plan(mapper)
            self._native[code] = plan
        st, se = unit.segments[0], unit.segments[-1]
        if plan is None or se.elements[0] != "SE":
            return False
        joined = plan.load(body.text, d.element, d.segment, body.max_split)
        segments = _joined([st]) + joined + _joined([se])
        partner = self.options.partner_id
        head = native_856.event_head(
            _event_id(partner, unit, segments), partner, source_fields(unit)
        )
        text = plan.encode(head, -1 if indent is None else indent, depth)
        if text is None:
            return False
        gc_steps.step()
        self.result.transaction_count += 1
        self.interchange_events += 1
        if sink is None:
            self._emit(ShipNoticeEvent.model_validate_json(text))
        else:
            self.result.event_count += 1
            sink.event_json(text)
        return True

    def _map(self, unit: TransactionUnit, tree: Loop) -> None:
        code = unit.result.code
        mapper = self._mapper(code)
        context = EventContext(
            event_id(self.options.partner_id, unit), self.options.partner_id, source_of(unit)
        )
        event = mapper.to_canonical(tree, context)
        if not unit.result.accepted:
            tr = unit.result
            found = [e.message for e in tr.segment_errors] + tr.notes
            found = r.with_more(found, tr.more_errors)
            event = event.model_copy(update={"warnings": [*event.warnings, *found]})
        self.interchange_events += 1
        self._emit(event)

    def _emit(self, event: Event) -> None:
        """Count ``event`` and hand it to ``on_event`` (else keep it in the result)."""
        self.result.event_count += 1
        if self.on_event is not None:
            self.on_event(event)
        else:
            self.result.documents.append(event)

    def finish_interchange(self, ir: r.InterchangeResult) -> None:
        res = self.result
        self.interchange_events = 0
        res.interchanges.append(ir)
        res.warnings.extend(f"interchange {ir.control_number}: {w}" for w in ir.all_warnings)
        entry = error_entries.interchange_error_entry(ir)
        if entry is not None:
            self.errors.add(entry)
        if ir.ta1_status != r.TA1_REJECTED and self.options.map_documents:  # answers to ours
            for ta1 in ir.received_ta1:
                self._received_ta1(ir, ta1)
        if ta1_wanted(ir, self.options.ta1) and not ir.only_ta1:
            edi = build_ta1(
                ir, self.counters, options=self.options.ack_options, now=self.options.now
            )
            res.acknowledgments.append({"kind": "TA1", "edi": edi})
        for group in ir.groups:
            self._group(ir, group)

    def _received_ta1(self, ir: r.InterchangeResult, ta1: tuple[str, str, str, str, str]) -> None:
        """A partner's TA1 about one of our interchanges: an ``interchange_ack`` event; one that
        does not accept it cleanly is also an error (they may not have what we sent)."""
        control, day, clock, status, note = ta1
        partner = self.options.partner_id
        key = "\0".join(("ta1", partner or "", ir.sender_id, ir.control_number, *ta1))
        event = InterchangeAckEvent(
            id="evt_" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32],
            partner_id=partner,
            source=Source(
                syntax="x12",
                version=ir.version,
                document_type="TA1",
                sender_id=ir.sender_id,
                receiver_id=ir.receiver_id,
                interchange_control_number=ir.control_number,
                group_control_number="",
                control_number=control,
                test=ir.usage == "T",
            ),
            document=InterchangeAck(
                acknowledged_interchange=control,
                interchange_date=day or None,
                interchange_time=clock or None,
                status=TA1_STATUSES.get(status),
                status_code=status or None,
                note_code=note or None,
                note=TA1_NOTES.get(note),
            ),
        )
        self._emit(event)
        if status in ("R", "E"):
            verdict = "rejected" if status == "R" else "accepted with errors"
            why = f": TA1 note {note} ({TA1_NOTES[note]})" if note in TA1_NOTES else ""
            self.errors.add(
                {
                    "code": "x12.ta1.received",
                    "message": f"the partner {verdict} our interchange {control}{why}",
                    "interchange": ir.control_number,
                    "acknowledged_interchange": control,
                    "ta1_status": status,
                    "ta1_code": note,
                }
            )

    def _group(self, ir: r.InterchangeResult, group: r.GroupResult) -> None:
        res = self.result
        if group.functional_id == "FA" and all(
            t.code in ("997", "999") for t in group.transactions
        ):
            pass  # never acknowledge an acknowledgement (avoids ack loops)
        elif self.options.ack != "none" and group.functional_id:
            kind = ack_kind(group.version) if self.options.ack == "auto" else self.options.ack
            edi = build_functional_ack(
                group,
                ir,
                self.counters,
                kind=kind,
                options=self.options.ack_options,
                now=self.options.now,
            )
            res.acknowledgments.append({"kind": kind, "edi": edi})
        self.errors.extend(error_entries.group_error_entries(ir, group))

    def withdraw_interchange(self) -> int:
        """Take back the events of the interchange being read (it is rejected); returns how
        many there were (those already given to ``on_event`` cannot be taken back)."""
        count, self.interchange_events = self.interchange_events, 0
        if count and self.on_event is None:
            del self.result.documents[-count:]
        self.result.event_count -= count
        return count


def translate_stream(
    stream: BinaryIO,
    partner_id: str | None = None,
    on_event: EventSink | None = None,
    *,
    options: TranslateOptions | None = None,
    counters: ControlNumbers | None = None,
    json_sink: EventJson | None = None,
) -> TranslationResult:
    """Translate every interchange in ``stream``; document errors are reported, never raised.

    With ``json_sink`` (and ``on_event``), events the native mapper can write go to it as JSON
    text instead of to ``on_event`` (``EventJson``); without, they are read back from that text
    into ``Event``s like every other (pydantic's JSON validation: about three times faster than
    mapping them in Python)."""
    options = options or TranslateOptions(partner_id=partner_id)
    if partner_id is not None and options.partner_id != partner_id:
        options = replace(options, partner_id=partner_id)
    if json_sink is not None and on_event is None:
        raise ValueError("json_sink needs on_event too (for the events it cannot take)")
    translator = _Translator(options, on_event, counters or MemoryControlNumbers(), json_sink)
    reader, interchanges = _interchanges(stream, translator)
    try:
        with gc_steps.collecting_between_steps():
            for ir in interchanges:
                translator.finish_interchange(ir)
    except InterchangeError as exc:
        _unreadable(translator, exc)
    except DocumentError as exc:
        translator.errors.add(exc.as_dict(), always=True)
    translator.result.segment_count = reader.ordinal
    if reader.trailing_error is not None:
        translator.errors.add(reader.trailing_error.as_dict(), always=True)
    translator.errors.close()
    translator.result.warnings.extend(f"segment {n}: {w}" for n, w in reader.warnings if n == 0)
    return translator.result


def _interchanges(
    stream: BinaryIO, translator: _Translator
) -> tuple[SegmentReader, Iterator[r.InterchangeResult]]:
    """The reader and the validated interchanges, through the native fast path when it is built
    (the same results, sets and trees; ``GATEWAY_NO_SPEEDUPS=1`` turns it off)."""
    limits = translator.options.limits
    if fastpath.available():
        run = FastSets(
            stream,
            translator.handle_validated,
            translator.options.policy,
            trees=translator.options.map_documents,
            identities=translator.options.identities,
            limits=limits,
            on_body=translator.native_set if native_856.available() else None,
        )
        return run.reader, iter(run)
    reader = SegmentReader(stream, limits=limits)
    return reader, walk_interchanges(reader, translator.handle, translator.options.identities)


def _unreadable(translator: _Translator, exc: InterchangeError) -> None:
    """A header we cannot trust, or a document past a limit: report it, and answer with TA1=R
    when the ISA was legible enough."""
    entry = {k: v for k, v in exc.as_dict().items() if k != "isa"}
    if isinstance(exc, LimitExceededError):
        withdrawn = translator.withdraw_interchange()
        if withdrawn and translator.on_event is not None:
            entry["documents_void"] = withdrawn
            entry["message"] += f"; disregard the {withdrawn} document(s) already output from it"
    translator.errors.add(entry, always=True)
    isa = exc.context.get("isa")
    code = exc.context.get("ta1_code")
    if not isa or not code or len(isa) < 16:
        return
    e = [v.strip() for v in isa]
    ir = r.InterchangeResult(e[13], e[9], e[10], e[5], e[6], e[7], e[8], e[12], e[15], e[14] == "1")
    ir.note(code, exc.message, reject=True)
    edi = build_ta1(
        ir, translator.counters, options=translator.options.ack_options, now=translator.options.now
    )
    translator.result.acknowledgments.append({"kind": "TA1", "edi": edi})
    translator.result.interchanges.append(ir)


def translate_bytes(data: bytes, partner_id: str | None = None, **kwargs: Any) -> TranslationResult:
    return translate_stream(io.BytesIO(data), partner_id, **kwargs)


def validate_stream(
    stream: BinaryIO, policy: ValidationPolicy = DEFAULT_POLICY, limits: Limits = DEFAULT_LIMITS
) -> ValidationSummary:
    """Reader + envelope + validation only (no mapping, no acks): what ``bench/parse.py`` times.

    Uses the native fast path when it is built (same results; ``GATEWAY_NO_SPEEDUPS=1``: off)."""
    if fastpath.available():
        return fastpath.validate_stream_fast(stream, policy, limits)
    options = TranslateOptions(
        policy=policy, ack="none", ta1="on_error", map_documents=False, limits=limits
    )
    result = translate_stream(stream, options=options)
    accepted = sum(
        t.accepted for ir in result.interchanges for g in ir.groups for t in g.transactions
    )
    return ValidationSummary(
        len(result.interchanges),
        result.transaction_count,
        result.segment_count,
        accepted,
        result.errors,
    )
