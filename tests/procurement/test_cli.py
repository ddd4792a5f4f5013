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


def gateway_database(data_dir: Path) -> Database:
    """The database ``gateway`` finds in ``data_dir``: migrated, the partners synced."""
    url = f"sqlite:///{data_dir / 'gateway.db'}"
    upgrade(url)
    db = Database(url)
    sync_partners(db)
    return db


def test_given_a_published_po_then_po_show_and_list_answer_and_unknown_ids_say_so(
    tmp_path: Path,
) -> None:
    gateway_database(tmp_path).dispose()
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


def test_given_a_po_held_for_a_draft_partner_then_po_send_says_so_and_sends_it_once_live(
    tmp_path: Path,
) -> None:
    from sqlalchemy import update

    from gateway.store.models import Partner

    db = gateway_database(tmp_path)

    def set_status(status: str) -> None:
        with db.transaction() as session:
            session.execute(
                update(Partner).where(Partner.id == "demo-supplier").values(status=status)
            )

    set_status("draft")
    gateway(tmp_path, "po", "publish", str(SAMPLES / "po-4500012345.json"))
    still_draft = gateway(tmp_path, "po", "send", "demo-supplier")
    set_status("live")
    sent = gateway(tmp_path, "po", "send", "demo-supplier")
    nothing = gateway(tmp_path, "po", "send", "demo-supplier")
    unknown = gateway(tmp_path, "po", "send", "nope")
    db.dispose()

    assert still_draft.returncode == 1, still_draft.stderr
    assert "not sent: partner demo-supplier is draft" in still_draft.stdout
    assert "0 sent, 1 still held" in still_draft.stdout
    assert sent.returncode == 0, sent.stderr
    assert "PO 4500012345 revision 1: sent its 850 (outbox " in sent.stdout
    assert nothing.returncode == 0 and "nothing to send" in nothing.stdout
    assert (
        unknown.returncode == 1 and unknown.stderr.strip() == "gateway po send: no partner 'nope'"
    )
