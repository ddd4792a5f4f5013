"""The envelope around acknowledgements we send: our ISA/GS, control numbers, delimiters.

Control numbers come from a ``ControlNumbers`` the caller supplies (the store owns the persistent
counter; ``MemoryControlNumbers`` serves the CLI and tests). We answer from the identity the partner
addressed (their ISA07/ISA08 and GS03) to the identity they sent from, mirroring ISA15 (test/prod).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gateway.x12.model import Delimiters
from gateway.x12.results import InterchangeResult

ACK_DELIMITERS_4010 = Delimiters(element="*", component=">", segment="~")
ACK_DELIMITERS_5010 = Delimiters(element="*", component=":", segment="~", repetition="^")


class ControlNumbers(Protocol):
    """Hands out our outbound control numbers; ``kind`` is ``"ISA"`` or ``"GS"``."""

    def next(self, kind: str) -> int: ...


class MemoryControlNumbers:
    """In-memory counters (CLI, tests). Never reuse across runs for real partners: use the store."""

    def __init__(self, start: int = 1) -> None:
        self._next = {"ISA": start, "GS": start}

    def next(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1 if value < 999_999_999 else 1
        return value


@dataclass(frozen=True, slots=True)
class AckOptions:
    """How we write acknowledgements for a partner (from its profile)."""

    delimiters: Delimiters | None = None
    newline: bool = True


def clean(value: str, d: Delimiters) -> str:
    """A value safe to embed: our delimiters and control characters become spaces."""
    banned = {d.element, d.component, d.segment, d.repetition or "", "\r", "\n"}
    return "".join(" " if ch in banned or not ch.isprintable() else ch for ch in value).strip()


class Writer:
    """Collects segments and renders them; counts segments for SE01."""

    def __init__(self, d: Delimiters, newline: bool) -> None:
        self.d = d
        self.newline = newline
        self.segments: list[str] = []

    def add(self, *elements: str) -> None:
        items = list(elements)
        while len(items) > 1 and items[-1] == "":
            items.pop()
        self.segments.append(self.d.element.join(items))

    def render(self) -> str:
        end = self.d.segment + ("\n" if self.newline else "")
        return "".join(s + end for s in self.segments)


def isa_segment(
    w: Writer,
    received: InterchangeResult,
    control: int,
    now: datetime,
    version: str,
) -> None:
    """Our answer's ISA: from the identity the partner addressed to the one it sent from."""
    write_isa(
        w,
        (received.receiver_qualifier, received.receiver_id),
        (received.sender_qualifier, received.sender_id),
        control,
        now,
        version,
        received.usage if received.usage in ("P", "T") else "P",
    )


def write_isa(
    w: Writer,
    sender: tuple[str, str],
    receiver: tuple[str, str],
    control: int,
    now: datetime,
    version: str,
    usage: str,
) -> None:
    """An ISA from ``sender`` to ``receiver`` (qualifier, id): fixed width, ISA11 the
    repetition separator from 00402 on."""
    d = w.d
    isa11 = d.repetition if version >= "00402" and d.repetition else "U"
    w.add(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        sender[0].ljust(2)[:2],
        sender[1].ljust(15)[:15],
        receiver[0].ljust(2)[:2],
        receiver[1].ljust(15)[:15],
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        isa11,
        version,
        f"{control:09d}",
        "0",
        usage,
        d.component,
    )


def iea_segment(w: Writer, groups: int, control: int) -> None:
    w.add("IEA", str(groups), f"{control:09d}")
