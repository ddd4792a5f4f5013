"""``gateway po show`` and ``gateway po list`` on a real database, as a buyer runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gateway.partner_store import sync_partners
from gateway.store.db import Database
from gateway.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "demo-supplier"


def gateway(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "gateway_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_given_a_published_po_then_po_show_and_list_answer_and_unknown_ids_say_so(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    db = Database(url)
    sync_partners(db)
    db.dispose()
    published = gateway(tmp_path, "po", "publish", str(SAMPLES / "po-4500012345.json"))
    again = gateway(tmp_path, "po", "publish", str(SAMPLES / "po-4500012345.json"))
    broken = gateway(tmp_path, "po", "publish", str(SAMPLES / "856-SI-4010.edi"))

    shown = gateway(tmp_path, "po", "show", "4500012345")
    as_json = gateway(tmp_path, "po", "show", "4500012345", "--json")
    listed = gateway(tmp_path, "po", "list", "--csv")
    unknown = gateway(tmp_path, "po", "show", "4599999999")
    bad_status = gateway(tmp_path, "po", "list", "--status", "bogus")
    overdue = gateway(tmp_path, "po", "list", "--overdue")

    assert published.returncode == 0, published.stderr
    assert "4500012345" in overdue.stdout and "overdue: ship_notice" in overdue.stdout
    assert (
        "PO 4500012345 (demo-supplier): created, sent; sent the supplier its 850"
        in published.stdout
    )
    assert "unchanged" in again.stdout and "nothing sent" in again.stdout
    assert (
        broken.returncode == 1
        and broken.stderr.count("\n") == 1
        and "Traceback" not in broken.stderr
    )
    assert shown.returncode == 0, shown.stderr
    assert "sent to the supplier:" in shown.stdout and "850 revision 1" in shown.stdout
    assert "PO 4500012345  supplier demo-supplier  sent" in shown.stdout
    assert json.loads(as_json.stdout)["lines"][1]["ordered_quantity"] == "1000"
    assert listed.stdout.splitlines()[1].startswith("4500012345,demo-supplier,sent,2026-11-10")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "gateway po show: no purchase order '4599999999'",
    )
    assert bad_status.returncode == 1 and "unknown status 'bogus'" in bad_status.stderr
    assert "Traceback" not in unknown.stderr + bad_status.stderr
