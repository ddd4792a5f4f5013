"""Transaction-set structures (which segments and loops, in which order, how often), one module per
set: ``ts855`` (purchase order acknowledgment), ``ts856`` (ship notice), ``ts810`` (invoice),
``ts997`` and ``ts999`` (functional and implementation acknowledgments).

Source of truth: the ASC X12 004010 and 005010 transaction set tables. Each module exposes
``SPEC_4010`` and ``SPEC_5010``; ``transaction_spec`` picks one from the GS08 version code
(release 005 and later: 005010; everything else, including 003060, 004030, 004060 and the
VICS/X348/X358 variants: 004010).
"""

from __future__ import annotations

from types import MappingProxyType

from gateway.x12.dictionary import version_family
from gateway.x12.set_tables import ts810, ts855, ts856, ts997, ts999
from gateway.x12.spec import TransactionSpec

__all__ = ["FUNCTIONAL_IDS", "SUPPORTED", "transaction_spec"]

FUNCTIONAL_IDS: dict[str, str] = {
    "180": "AN",
    "204": "SM",
    "214": "QM",
    "753": "GM",
    "754": "GM",
    "810": "IN",
    "812": "CD",
    "820": "RA",
    "824": "AG",
    "830": "PS",
    "840": "RQ",
    "846": "IB",
    "850": "PO",
    "852": "PD",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "861": "RC",
    "864": "TX",
    "865": "CA",
    "940": "OW",
    "945": "SW",
    "990": "GF",
    "997": "FA",
    "999": "FA",
}
"""ST01 transaction set identifier -> GS01 functional identifier code of the group it belongs in."""

SUPPORTED = MappingProxyType(
    {
        "855": {"4010": ts855.SPEC_4010, "5010": ts855.SPEC_5010},
        "856": {"4010": ts856.SPEC_4010, "5010": ts856.SPEC_5010},
        "810": {"4010": ts810.SPEC_4010, "5010": ts810.SPEC_5010},
        "997": {"4010": ts997.SPEC_4010, "5010": ts997.SPEC_5010},
        "999": {"4010": ts999.SPEC_4010, "5010": ts999.SPEC_5010},
    }
)
"""Transaction set code -> version family (``4010``/``5010``) -> structure."""


def transaction_spec(code: str, version: str) -> TransactionSpec | None:
    """The structure of set ``code`` for GS08 ``version``; None for a set without a table."""
    by_family = SUPPORTED.get(code)
    if by_family is None:
        return None
    return by_family[version_family(version)]
