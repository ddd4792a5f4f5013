"""997 / 999 functional acknowledgment -> ``functional_ack``.

Acknowledged sets are the ``AK2`` loops (found at any depth). Inside one, segments are read as a
flat run, so errors survive whatever nesting the validator produced: a segment-error segment
(AK3/IK3) opens an error, element-error segments (AK4/IK4) add elements to it, context segments
(CTX) attach to the element or segment error before them, and anything else (AK2, AK5/IK5) belongs
to the set and closes the open error. Each element error becomes one ``errors`` entry carrying its
segment's facts; a segment error without elements becomes one entry on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.canonical import (
    AckCounts,
    AckError,
    AcknowledgedGroup,
    AcknowledgedSet,
    AckStatus,
    FunctionalAck,
    FunctionalAckEvent,
)
from gateway.mapping.base import EventContext, Map
from gateway.mapping.config import MapConfig, Paths, Section, SegmentTag
from gateway.mapping.fields import FieldReader
from gateway.mapping.scopes import find_loops, outside, own_segments
from gateway.x12.model import Loop, Segment


class AckStructure(Section):
    set_loop: SegmentTag
    segment_error: tuple[SegmentTag, ...]
    element_error: tuple[SegmentTag, ...]
    context: tuple[SegmentTag, ...]


class AckGroupSources(Section):
    functional_id: Paths
    control_number: Paths
    version: Paths
    status: Paths
    included: Paths
    received: Paths
    accepted: Paths
    error_codes: Paths


class AckSetSources(Section):
    code: Paths
    control_number: Paths
    status: Paths
    error_codes: Paths


class AckSegmentErrorSources(Section):
    segment_id: Paths
    position: Paths
    loop_id: Paths
    code: Paths


class AckElementErrorSources(Section):
    position: Paths
    component_position: Paths
    element_ref: Paths
    code: Paths
    bad_value: Paths


class AckCodes(Section):
    group_status: dict[str, AckStatus]
    set_status: dict[str, AckStatus]


class FunctionalAckMapConfig(MapConfig):
    structure: AckStructure
    group: AckGroupSources
    transaction_set: AckSetSources
    segment_error: AckSegmentErrorSources
    element_error: AckElementErrorSources
    codes: AckCodes


@dataclass
class _Reported:
    """An error segment (AK3/IK3 or AK4/IK4) with its CTX segments."""

    segment: Segment | None
    context: list[Segment] = field(default_factory=list)
    elements: list[_Reported] = field(default_factory=list)


class FunctionalAckMap(Map):
    def __init__(self, config: FunctionalAckMapConfig) -> None:
        self.config = config

    def to_canonical(self, ts: Loop, context: EventContext) -> FunctionalAckEvent:
        reader = FieldReader(self.config)
        set_loop = self.config.structure.set_loop
        sets = [
            self._set(own_segments(loop, set_loop), n, reader)
            for n, loop in enumerate(find_loops(ts, set_loop))
        ]
        return FunctionalAckEvent(
            id=context.event_id,
            partner_id=context.partner_id,
            source=context.source,
            document=self._document(outside(ts, set_loop), sets, reader),
            warnings=reader.warnings,
        )

    def _document(
        self, heading: list[Segment], sets: list[AcknowledgedSet], reader: FieldReader
    ) -> FunctionalAck:
        src = self.config.group
        status_code, status = reader.code(
            heading, src.status, self.config.codes.group_status, "status"
        )
        reader.expect(status_code, "status", src.status)
        return FunctionalAck(
            acknowledged_group=AcknowledgedGroup(
                functional_id=reader.text(heading, src.functional_id),
                control_number=reader.expect(
                    reader.text(heading, src.control_number),
                    "acknowledged_group.control_number",
                    src.control_number,
                ),
                version=reader.text(heading, src.version),
            ),
            status=status,
            status_code=status_code,
            error_codes=reader.texts(heading, src.error_codes),
            counts=AckCounts(
                included=reader.integer(heading, src.included, "counts.included"),
                received=reader.integer(heading, src.received, "counts.received"),
                accepted=reader.integer(heading, src.accepted, "counts.accepted"),
            ),
            transaction_sets=sets,
        )

    def _set(self, scope: list[Segment], index: int, reader: FieldReader) -> AcknowledgedSet:
        src, label = self.config.transaction_set, f"transaction_sets[{index}]"
        own, reported = self._split(scope)
        status_code, status = reader.code(
            own, src.status, self.config.codes.set_status, f"{label}.status"
        )
        errors = [
            self._error(block, element, f"{label}.errors", reader)
            for block in reported
            for element in _or_none(block.elements)
        ]
        return AcknowledgedSet(
            code=reader.text(own, src.code),
            control_number=reader.text(own, src.control_number),
            status=status,
            status_code=status_code,
            error_codes=reader.texts(own, src.error_codes),
            errors=errors,
        )

    def _split(self, scope: list[Segment]) -> tuple[list[Segment], list[_Reported]]:
        """The set's own segments, and its error blocks with their elements and context."""
        structure = self.config.structure
        own: list[Segment] = []
        blocks: list[_Reported] = []
        current: _Reported | None = None
        for segment in scope:
            if segment.tag in structure.segment_error:
                current = _Reported(segment)
                blocks.append(current)
            elif segment.tag in structure.element_error:
                if current is None:  # an AK4 without its AK3: keep it, segment unknown
                    current = _Reported(None)
                    blocks.append(current)
                current.elements.append(_Reported(segment))
            elif segment.tag in structure.context and current is not None:
                target = current.elements[-1] if current.elements else current
                target.context.append(segment)
            else:
                own.append(segment)
                current = None
        return own, blocks

    def _error(
        self, block: _Reported, element: _Reported | None, label: str, reader: FieldReader
    ) -> AckError:
        seg_src, el_src = self.config.segment_error, self.config.element_error
        seg_scope = [block.segment] if block.segment else []
        el_scope = [element.segment] if element and element.segment else []
        context = block.context + (element.context if element else [])
        return AckError(
            segment_id=reader.text(seg_scope, seg_src.segment_id),
            position=reader.integer(seg_scope, seg_src.position, f"{label}.position"),
            loop_id=reader.text(seg_scope, seg_src.loop_id),
            code=reader.text(seg_scope, seg_src.code),
            element_position=reader.integer(el_scope, el_src.position, f"{label}.element_position"),
            component_position=reader.integer(
                el_scope, el_src.component_position, f"{label}.component_position"
            ),
            element_ref=reader.text(el_scope, el_src.element_ref),
            element_code=reader.text(el_scope, el_src.code),
            bad_value=reader.text(el_scope, el_src.bad_value),
            context=[_render(segment) for segment in context],
        )


def _or_none(elements: list[_Reported]) -> list[_Reported | None]:
    """The element errors, or one ``None`` so that a segment error alone still yields an entry."""
    return [*elements] if elements else [None]


def _render(segment: Segment) -> str:
    """A CTX segment's elements as text: ``*`` between elements, ``^`` repeats, ``:`` components."""
    rep = segment.delimiters.repetition
    comp = segment.delimiters.component
    elements = [
        "^".join(":".join(r.split(comp)) for r in (e.split(rep) if rep else [e]))
        for e in segment.elements[1:]
    ]
    while elements and not elements[-1]:
        elements.pop()
    return "*".join(e.strip() for e in elements)
