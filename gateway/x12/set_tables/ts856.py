"""856 Ship Notice/Manifest (functional group SH), 004010 and 005010.

Source of truth: the ASC X12 004010 and 005010 transaction set tables for the 856. Choices made to
be tolerant:

* The one HL loop carries every level (shipment, order, tare, pack, item...): HL03 is not code
  restricted and the parent/child checks belong to the hierarchy validator, not to this table.
* Inside the HL loop every segment is optional (TD1, TD5, REF, DTM, N1... are level dependent).
* Loops for transport data no supplier ASN carries (LH1 hazardous material, V1 vessel, H1/H2, the
  ETD/GF segments) are left out; such a segment is reported as not defined in the set.
* 004010 and 005010 arrange these segments the same way, so both versions share one layout.
"""

from __future__ import annotations

from gateway.x12.set_tables._build import UNBOUNDED, loop, seg, transaction
from gateway.x12.spec import TransactionSpec

_LEVEL = loop(
    "HL",
    "M",
    200000,
    seg("LIN"),
    seg("SN1"),
    seg("SLN", "O", 1000),
    seg("PRF"),
    seg("PO4"),
    seg("PID", "O", 200),
    seg("MEA", "O", 40),
    seg("PWK", "O", 25),
    seg("PKG", "O", 25),
    seg("TD1", "O", 20),
    seg("TD5", "O", 12),
    seg("TD3", "O", 12),
    seg("TD4", "O", 5),
    seg("TSD"),
    seg("REF", "O", UNBOUNDED),
    seg("PER", "O", 3),
    loop("CLD", "O", 200, seg("REF", "O", 200), seg("DTM")),
    seg("MAN", "O", UNBOUNDED),
    seg("DTM", "O", 10),
    seg("FOB"),
    seg("PAL"),
    loop(
        "N1",
        "O",
        200,
        seg("N2", "O", 2),
        seg("N3", "O", 2),
        seg("N4"),
        seg("REF", "O", 12),
        seg("PER", "O", 3),
        seg("FOB"),
    ),
    seg("SDQ", "O", 50),
    seg("CUR"),
    loop("SAC", "O", UNBOUNDED, seg("CUR")),
    seg("YNQ", "O", 10),
    loop("LM", "O", 10, seg("LQ", "M", 100)),
)

_ROOT = transaction(seg("BSN", "M"), seg("DTM", "O", 10), _LEVEL, seg("CTT"))

SPEC_4010 = TransactionSpec("856", "Ship Notice/Manifest", "SH", _ROOT)
SPEC_5010 = TransactionSpec("856", "Ship Notice/Manifest", "SH", _ROOT)
