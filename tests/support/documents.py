"""Numbered copies of the demo ship notice for load and duplicate tests: each copy has its own
ISA13, GS06 and BSN02 unless told otherwise, as a well-behaved sender's interchanges would."""

from __future__ import annotations

import re
from pathlib import Path

ASN = Path(__file__).resolve().parents[2] / "samples" / "demo-supplier" / "856-SOPI-4010.edi"
SAMPLE_ISA13, SAMPLE_GS06, SAMPLE_SHIPMENT = "000000112", "112", "SHP0045002"


def numbered_asn(
    n: int,
    *,
    isa13: int | None = None,
    gs06: int | None = None,
    shipment: str | None = None,
    prefix: str = "SHPN",
) -> bytes:
    """The demo 856 with ISA13/IEA02, GS06/GE02 and BSN02 derived from ``n`` (or as given)."""
    text = ASN.read_text().replace(SAMPLE_SHIPMENT, shipment or f"{prefix}{n:06d}")
    text = text.replace(SAMPLE_ISA13, f"{isa13 if isa13 is not None else n:09d}")
    group = str(gs06 if gs06 is not None else n)
    text = re.sub(rf"(GS\*(?:[^*~]*\*){{5}}){SAMPLE_GS06}\*", rf"\g<1>{group}*", text)
    return re.sub(rf"(GE\*\d+\*){SAMPLE_GS06}~", rf"\g<1>{group}~", text).encode()
