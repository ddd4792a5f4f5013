"""999 Implementation Acknowledgment (functional group FA), 005010 (005010X231).

Source of truth: the ASC X12 005010 transaction set table for the 999: AK1, then one AK2 loop per
acknowledged set (IK3 loops with their CTX context and IK4 loops, each IK4 with its own CTX), then
IK5, then AK9. The 999 first appeared in 005010; ``SPEC_4010`` is the same table, so that a 999
labelled with an older version still resolves.
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
        loop(
            "IK3",
            "O",
            UNBOUNDED,
            seg("CTX", "O", 10),
            loop("IK4", "O", 99, seg("CTX", "O", 10)),
        ),
        seg("IK5", "M"),
    ),
    seg("AK9", "M"),
)

SPEC_5010 = TransactionSpec("999", "Implementation Acknowledgment", "FA", _ROOT)
SPEC_4010 = SPEC_5010
