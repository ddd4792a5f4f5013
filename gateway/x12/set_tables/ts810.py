"""810 Invoice (functional group IN), 004010 and 005010.

Source of truth: the ASC X12 004010 and 005010 transaction set tables for the 810. Choices made to
be tolerant:

* TDS is the one mandatory summary segment; the IT1 loop and CTT are optional (service and
  summary-only invoices exist).
* Segments suppliers essentially never send in an invoice (DMG, L7, BAL, CRC, SR, the V1 and FA1
  loops) are left out; such a segment is reported as not defined in the set.
* 004010 and 005010 arrange these segments the same way, so both versions share one layout.
"""

from __future__ import annotations

from gateway.x12.set_tables._build import UNBOUNDED, loop, seg, transaction
from gateway.x12.spec import TransactionSpec

_PARTY = loop(
    "N1",
    "O",
    200,
    seg("N2", "O", 2),
    seg("N3", "O", 2),
    seg("N4", "O", 1),
    seg("REF", "O", 12),
    seg("PER", "O", 3),
)

_HEADING = (
    seg("BIG", "M"),
    seg("NTE", "O", 100),
    seg("CUR"),
    seg("REF", "O", 12),
    seg("YNQ", "O", 10),
    seg("PER", "O", 3),
    _PARTY,
    seg("ITD", "O", UNBOUNDED),
    seg("DTM", "O", 10),
    seg("FOB"),
    seg("PID", "O", 200),
    seg("MEA", "O", 40),
    seg("PWK", "O", 25),
    seg("PKG", "O", 25),
    seg("INC"),
    seg("PAM", "O", UNBOUNDED),
    loop("LM", "O", 10, seg("LQ", "M", 100)),
    loop("N9", "O", 1, seg("MSG", "O", 10)),
)

_LINE = loop(
    "IT1",
    "O",
    200000,
    seg("QTY", "O", 5),
    seg("CUR"),
    seg("IT3", "O", 5),
    seg("TXI", "O", 10),
    seg("CTP", "O", 25),
    seg("PAM", "O", 10),
    seg("MEA", "O", 40),
    loop("PID", "O", 1000, seg("MEA", "O", 10)),
    seg("PWK", "O", 25),
    seg("PKG", "O", 25),
    seg("PO4"),
    seg("ITD", "O", 2),
    seg("REF", "O", UNBOUNDED),
    seg("YNQ", "O", 10),
    seg("PER", "O", 5),
    seg("SDQ", "O", 500),
    seg("DTM", "O", 10),
    seg("CAD", "O", UNBOUNDED),
    loop("SAC", "O", 25, seg("TXI", "O", 10)),
    loop(
        "SLN",
        "O",
        1000,
        seg("DTM"),
        seg("REF", "O", UNBOUNDED),
        seg("PID", "O", 1000),
        seg("SAC", "O", 25),
        seg("TC2", "O", 2),
        seg("TXI", "O", 10),
    ),
    _PARTY,
    loop("LM", "O", 10, seg("LQ", "M", 100)),
)

_SUMMARY = (
    seg("TDS", "M"),
    seg("TXI", "O", 10),
    seg("CAD"),
    seg("AMT", "O", UNBOUNDED),
    loop("SAC", "O", 25, seg("TXI", "O", 10)),
    loop("ISS", "O", UNBOUNDED, seg("PID")),
    seg("CTT"),
)

_ROOT = transaction(*_HEADING, _LINE, *_SUMMARY)

SPEC_4010 = TransactionSpec("810", "Invoice", "IN", _ROOT)
SPEC_5010 = TransactionSpec("810", "Invoice", "IN", _ROOT)
