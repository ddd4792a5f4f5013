"""Small X12 documents built from the demo ship notice, for tests that need one set changed:
extra segments, a different control number, several sets or interchanges."""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier" / "856-SOPI-4010.edi"
_LINES = [line.strip() for line in SAMPLE.read_text().splitlines() if line.strip()]
ISA = _LINES[0].removesuffix("~")
GS = _LINES[1].removesuffix("~")
BODY = [line.removesuffix("~") for line in _LINES[3:-3]]
"""The sample set between ST and SE (BSN ... CTT)."""
SAMPLE_SET_SEGMENTS = len(BODY) + 2


def asn(control: str = "0001", extra: list[str] | None = None, at: int = 2) -> list[str]:
    """The sample 856 as segments (ST..SE, SE01 right), ``extra`` inserted at body index ``at``
    (after BSN and the shipment HL by default)."""
    body = BODY[:at] + (extra or []) + BODY[at:]
    return [f"ST*856*{control}", *body, f"SE*{len(body) + 2}*{control}"]


def interchange(*sets: list[str], isa13: str = "000000112", groups: int = 1) -> str:
    """One interchange of ``groups`` groups, each holding ``sets`` (controls as given)."""
    segments = [ISA.replace("000000112", isa13)]
    for n in range(1, groups + 1):
        segments.append(GS.replace("*112*", f"*{n}*"))
        for st_se in sets:
            segments += st_se
        segments.append(f"GE*{len(sets)}*{n}")
    segments.append(f"IEA*{groups}*{isa13}")
    return "".join(segment + "~\n" for segment in segments)


def document(*interchanges: str) -> bytes:
    return "".join(interchanges).encode()
