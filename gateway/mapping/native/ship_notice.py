"""The native 856 mapper: a certified ship notice's body text straight to its event JSON.

Issue 14 asked ``gateway translate`` for 10 MB/s with its default (indented) output. The budget in
``bench/README.md`` showed why no Python mapper gets there: building every ship notice's plain
data, validating it with pydantic and encoding it takes ~3.5 s per 20 MB where the target is 2 s.
``_shipmap.c`` does it in one pass over the set's text: it splits the body as ``split_body`` does,
builds the HL tree as ``hl_tree.build_levels`` does, reads the fields the partner's map names as
``FieldPlan`` does, and writes the JSON that ``model_dump_json`` + ``StreamingJson`` would.
``translate_stream`` hands that text to a ``json_sink`` (``gateway translate``) or reads it back
into the ``Event`` (pydantic's ``model_validate_json``: still about three times faster than
mapping in Python).

It covers the usual case, never all of them: it **declines** (returns None, and the set goes to
``ShipNoticeMap`` and pydantic, unchanged) whenever the Python mapper would add a warning (a
missing PO number or quantity, an unreadable date, misaligned pairs, an HL naming no earlier
level, a tree deeper than 16...), or a value is outside what the C converts (an exponent, non-ASCII
digits). A map it cannot express (a component path such as ``REF04-2``, implied decimals on the
quantity, a path on the ST or SE segment) gets no native plan at all (``compile_plan`` -> None).
So every event is either the Python mapper's or byte for byte what it would have been:
``tests/mapping/test_native_ship_notice.py`` holds the two to the same bytes on the samples, the
corpus's 856s, generated files and mangled variants, under every map in ``maps/``.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from gateway.canonical import SCHEMA_VERSION, ShipNoticeEvent
from gateway.mapping.config import Paths
from gateway.mapping.paths import FieldPath, compile_paths
from gateway.mapping.ship_notice import (
    ShipNoticeMap,
    ShipNoticeMapConfig,
    header_fields,
    level_fields,
    line_fields,
)

try:
    from gateway.mapping.native import _shipmap
except ImportError:  # installed without a C compiler: the Python mapper does everything
    _shipmap = None  # type: ignore[assignment]

ROLES = ("shipment", "order", "tare", "pack", "item")
"""Role numbers as ``_shipmap.c`` knows them."""

_ENVELOPE_TAGS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
"""Not in the body the C reads: a map reading them is left to Python."""

EVENT_KEYS = (
    "schema_version",
    "id",
    "supplier_event_id",
    "partner_id",
    "source",
    "warnings",
    "type",
    "document",
)
"""The keys of a ship notice event as pydantic writes them, in order (checked in ``compile_plan``)."""


class Unsupported(Exception):
    """The map says something ``_shipmap.c`` does not do: no native plan."""


def available() -> bool:
    """True when the C extension is built and ``GATEWAY_NO_SPEEDUPS`` does not turn it off."""
    return _shipmap is not None and os.environ.get("GATEWAY_NO_SPEEDUPS", "") in ("", "0")


def tag_code(tag: str) -> int:
    """A segment tag as ``_shipmap.c`` packs it: its length, then up to three ASCII codes."""
    code = len(tag) << 24
    for i, char in enumerate(tag):
        code |= ord(char) << (8 * (2 - i))
    return code


def compile_plan(mapper: ShipNoticeMap) -> _shipmap.Plan | None:
    """The native plan of ``mapper``'s map, or None when the C cannot express it."""
    if not available() or _event_keys() != list(EVENT_KEYS):
        return None
    try:
        spec = plan_spec(mapper.config)
    except Unsupported:
        return None
    assert _shipmap is not None
    return _shipmap.Plan(spec)


def plan_spec(config: ShipNoticeMapConfig) -> tuple[Any, ...]:
    """The map as the nested tuples ``_shipmap.Plan`` reads (see its ``plan_init``)."""
    quantity = compile_paths(config.line.quantity)
    if any(f"{p.tag}{p.ref.element:02d}" in config.implied_decimals for p in quantity):
        raise Unsupported("implied decimals on the quantity")
    return (
        tuple(_field(paths) for paths in header_fields(config)),
        tuple(
            _field(paths)
            for paths in (config.carrier.scac, config.carrier.name, config.carrier.mode)
        ),
        tuple(_field(paths) for paths in level_fields(config)),
        tuple(_field(paths) for paths in line_fields(config)),
        _field(config.header.tracking_numbers),
        _field(config.line.product_ids),
        tuple((code, ROLES.index(role)) for code, role in config.levels.items()),
        tuple(tag_code(tag) for tag in config.line_tags),
        tuple(config.product_id_qualifiers.items()),
        tuple(config.uom.items()),
        config.dates.formats,
        config.dates.century_pivot,
    )


def _field(paths: Paths) -> tuple[Any, ...]:
    return tuple(_candidate(path) for path in compile_paths(tuple(paths)))


def _candidate(path: FieldPath) -> tuple[Any, ...]:
    if path.ref.component is not None or path.tag in _ENVELOPE_TAGS:
        raise Unsupported(path.text)
    filters = []
    for condition in path.conditions:
        if condition.ref.component is not None:
            raise Unsupported(path.text)
        values = None if condition.values is None else tuple(sorted(condition.values))
        filters.append((condition.ref.element, int(condition.negate), values))
    return (tag_code(path.tag), path.ref.element, path.qualifier, tuple(filters))


@functools.cache
def _event_keys() -> list[str]:
    """The keys pydantic writes for a ship notice event, in its order (they cannot change while
    the process runs: asked once, not for every translation)."""
    sample = ShipNoticeEvent.model_validate(
        {
            "id": "evt_",
            "source": {
                "version": "",
                "document_type": "856",
                "sender_id": "",
                "receiver_id": "",
                "interchange_control_number": "",
                "group_control_number": "",
                "control_number": "",
            },
            "document": {},
        }
    )
    return list(sample.model_dump(mode="json"))


def event_head(event_id: str, partner_id: str | None, source: dict[str, Any]) -> dict[str, Any]:
    """Everything of the event before its ``document``, as ``Plan.encode`` takes it (a ship
    notice the native mapper writes has no warnings: it declines the sets that would)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": event_id,
        "supplier_event_id": None,
        "partner_id": partner_id,
        "source": source,
        "warnings": [],
        "type": "ship_notice",
    }
