"""A new partner's test files (the demo samples under its sender id) and a gateway to send them to:
what the onboarding tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

from gateway.runtime import Runtime
from gateway.settings import Settings
from tests.transports.harness import Gateway

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "samples" / "demo-supplier"
NEWCO_ID = "NEWCOPARTSUS"
"""As long as DEMOSUPPLIER, so the ISA keeps its 106 characters."""
CERTIFYING = ("855-accepted-4010", "856-SOPI-4010", "810-4010")
"""One 855, 856 and 810 in 004010: what the x12-4010-api template's checklist asks for."""
NEWCO_VALUES = {
    "PARTNER_NAME": "NewCo Parts",
    "ISA_ID": NEWCO_ID,
    "CONTACT_NAME": "Ann Lee",
    "CONTACT_EMAIL": "edi@newco.example",
}


def newco_file(sample: str, *, usage: str = "T") -> bytes:
    """A demo sample as NewCo would send it: its sender id, ISA15 ``usage``."""
    text = (DEMO / f"{sample}.edi").read_text().replace("DEMOSUPPLIER", NEWCO_ID)
    isa, rest = text[:106], text[106:]
    assert isa[102] in "TP", isa
    return (isa[:102] + usage + isa[103:] + rest).encode()


def home(tmp_path: Path) -> Path:
    """A gateway home with the demo partner and the shipped templates, no database yet."""
    root = tmp_path / "home"
    shutil.copytree(
        ROOT / "partners", root / "partners", ignore=shutil.ignore_patterns("acme-*", "*.md")
    )
    return root


def gateway_on(settings: Settings) -> Gateway:
    """The API on ``settings``' database, the pipeline run inline (process, then deliver)."""
    return Gateway(Runtime.from_settings(settings))
