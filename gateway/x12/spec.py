"""Declarative X12 specifications: element and segment definitions, transaction-set structures.

The dictionary (``dictionary.py``) and the structures (``set_tables/ts*.py``) are data written with
these types; ``validate.py`` and ``loops.py`` interpret them. Keeping them as frozen data means a
partner variant or a new version is a new table, not new code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

UNBOUNDED = sys.maxsize
"""Max use / max repeat written as ``>1`` in the standard."""


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """A simple data element (or one component of a composite).

    ``usage``: ``M`` mandatory, ``O`` optional, ``X`` conditional (governed by ``SegmentSpec.rules``).
    ``type``: ``AN`` string, ``ID`` code, ``DT`` date, ``TM`` time, ``R`` decimal, ``Nn`` implied-decimal
    integer with n decimals (``N0``, ``N2``...), ``B`` binary (not validated).
    ``composite``: components when the element is a composite (``C001``...); then type is ``"C"``.
    """

    ref: str
    usage: str
    type: str
    min: int
    max: int
    codes: frozenset[str] | None = None
    composite: tuple[ElementSpec, ...] | None = None


@dataclass(frozen=True, slots=True)
class SegmentSpec:
    """A segment: its elements in order and its X12 syntax notes.

    ``rules`` use the standard syntax-note notation on element positions:
    ``P0102`` paired (all or none), ``R0203`` at least one required, ``C0405`` if 04 then 05,
    ``L010203`` if 01 then at least one of the rest, ``E0102`` at most one.
    """

    tag: str
    name: str
    elements: tuple[ElementSpec, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentUse:
    """A segment's place in a structure: ``usage`` ``M``/``O``, ``max_use`` times at most."""

    tag: str
    usage: str = "O"
    max_use: int = 1


@dataclass(frozen=True, slots=True)
class LoopSpec:
    """A loop; ``items[0]`` is its trigger segment. ``id`` is the trigger's tag (``N1``, ``PO1``, ``HL``)
    except for the transaction set itself, whose root loop has ``id == "ST"``."""

    id: str
    usage: str = "O"
    max_repeat: int = 1
    items: tuple[SegmentUse | LoopSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class TransactionSpec:
    """One transaction set in one version family: heading, detail and summary flattened into ``root``
    (which starts with ``ST`` and ends with ``SE``)."""

    code: str
    name: str
    functional_id: str
    root: LoopSpec
