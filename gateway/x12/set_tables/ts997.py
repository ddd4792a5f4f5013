"""997 Functional Acknowledgment (functional group FA), 004010 and 005010.

Source of truth: the ASC X12 004010 and 005010 transaction set tables for the 997: AK1, then one AK2
loop per acknowledged set (AK3 loops with their AK4 notes, then AK5), then AK9. The AK2 loop is
optional: a group acknowledged as a whole (AK9 only) carries none.
"""

from __future__ import annotations

from gateway.x12.set_tables._build import UNBOUNDED, loop, seg, transaction
from gateway.x12.spec import TransactionSpec

_ROOT = transaction(
    seg("AK1", "M"),
    loop(
        "AK2",
        "O",
        UNBOUNDED,
        loop("AK3", "O", UNBOUNDED, seg("AK4", "O", 99)),
        seg("AK5", "M"),
    ),
    seg("AK9", "M"),
)

SPEC_4010 = TransactionSpec("997", "Functional Acknowledgment", "FA", _ROOT)
SPEC_5010 = TransactionSpec("997", "Functional Acknowledgment", "FA", _ROOT)
