"""Live reload in one process (``gateway.live``): a valid change to the profiles or maps is
swapped in whole, an invalid one is refused with every problem listed and the previous set keeps
running; what this process writes itself is taken in at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.live.watcher import LiveConfig
from gateway.mapping.loader import map_version
from gateway.partners import forget_profiles, load_partner, profile_version
from gateway.pipeline.translate import TranslateOptions, translate_bytes
from gateway.store.db import Database
from gateway.store.migrate import upgrade
from gateway.store.models import MapVersion, Partner
from tests.live.support import DEMO, SAMPLE_856, UOM_EACH, home, units, write_override


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return home(tmp_path)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def live(root: Path, db: Database) -> Iterator[LiveConfig]:
    watcher = LiveConfig(root / "partners", root / "maps", db=db, interval_s=0)
    assert watcher.load() == []
    watcher.start()
    yield watcher
    watcher.stop(uninstall_snapshot=True)


def translated_units(root: Path) -> set[str]:
    options = TranslateOptions(partner_id=DEMO, maps_dir=root / "maps")
    result = translate_bytes(SAMPLE_856.read_bytes(), options=options)
    return units(result.documents[0].model_dump(mode="json"))


def test_given_a_valid_map_change_when_checked_then_the_new_maps_are_in_use_and_kept(
    root: Path, live: LiveConfig, db: Database
) -> None:
    before = map_version(DEMO, root / "maps")
    assert translated_units(root) == {"EA"}

    write_override(root, UOM_EACH)
    assert live.check() is True

    assert translated_units(root) == {"EACH"}
    after = map_version(DEMO, root / "maps")
    assert after != before
    with db.sessions() as session:
        rows = session.execute(
            select(MapVersion.version, MapVersion.files).where(MapVersion.partner_id == DEMO)
        ).all()
    assert {version for version, _ in rows} == {before, after}
    newest = next(files for version, files in rows if version == after)
    assert newest[f"{DEMO}/x12-856.yaml"] == UOM_EACH
    assert "base/x12-856.yaml" in newest
    assert live.check() is False  # nothing changed since


def test_given_invalid_changes_when_checked_then_every_problem_is_logged_and_the_previous_set_runs(
    root: Path, live: LiveConfig, caplog: pytest.LogCaptureFixture
) -> None:
    running = live.snapshot
    write_override(root, "extends: base\nuom: [not, a, mapping]\n")
    write_override(root, "extends: base\nnot_a_setting: 1\n", name="x12-810.yaml")
    profile = root / "partners" / "acme-fasteners.yaml"
    profile.write_text(profile.read_text().replace("ACMEFAST", "DEMOSUPPLIER"))

    with caplog.at_level(logging.ERROR, logger="gateway.live"):
        assert live.check() is False

    problems = live.problems
    assert any(p.startswith("maps/demo-supplier/x12-856.yaml") and "uom" in p for p in problems)
    assert any(p.startswith("maps/demo-supplier/x12-810.yaml") for p in problems)
    assert any("DEMOSUPPLIER is already a sender id of acme-fasteners" in p for p in problems)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "live reload refused: 3 problem(s)" in logged
    assert all(problem in logged for problem in problems)
    assert live.snapshot is running
    assert translated_units(root) == {"EA"}  # the previous maps, not the broken file
    assert load_partner("acme-fasteners", root / "partners").x12.id == "ACMEFAST"

    (root / "maps" / DEMO / "x12-810.yaml").unlink()
    profile.write_text(profile.read_text().replace("DEMOSUPPLIER", "ACMEFAST"))
    write_override(root, UOM_EACH)
    assert live.check() is True
    assert live.problems == []
    assert translated_units(root) == {"EACH"}


def test_given_a_status_change_the_lifecycle_refuses_then_the_previous_set_runs(
    root: Path, live: LiveConfig, db: Database
) -> None:
    profile = root / "partners" / "acme-fasteners.yaml"
    text = profile.read_text().replace("status: live", "status: testing")
    text += '\ncertification:\n  documents:\n    - {document: "856", version: "004010"}\n'
    profile.write_text(text)
    assert live.check() is True  # live -> testing: allowed (audited)
    running = live.snapshot

    profile.write_text(text.replace("status: testing", "status: live"))  # no 856 passed yet
    assert live.check() is False

    assert any("acme-fasteners.yaml: status" in p for p in live.problems)
    assert live.snapshot is running
    assert load_partner("acme-fasteners", root / "partners").status == "testing"
    with db.sessions() as session:
        row = session.get(Partner, "acme-fasteners")
        assert row is not None and row.status == "testing"


def test_given_a_profile_this_process_wrote_when_it_forgets_profiles_then_it_reads_the_new_one(
    root: Path, live: LiveConfig
) -> None:
    profile = root / "partners" / f"{DEMO}.yaml"
    before = profile_version(DEMO, root / "partners")
    profile.write_text(profile.read_text().replace("name: ", "name: Renamed ", 1))
    assert load_partner(DEMO, root / "partners").name.startswith("Renamed") is False

    forget_profiles()

    assert load_partner(DEMO, root / "partners").name.startswith("Renamed")
    assert profile_version(DEMO, root / "partners") != before


def test_given_the_watch_thread_when_a_map_changes_then_it_is_taken_in_within_seconds(
    root: Path, db: Database
) -> None:
    watcher = LiveConfig(root / "partners", root / "maps", db=db, interval_s=0.1)
    assert watcher.load() == []
    watcher.start()
    try:
        before = watcher.snapshot
        write_override(root, UOM_EACH)
        deadline = time.monotonic() + 20
        while watcher.snapshot is before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.snapshot is not before, "the watcher did not take the change in"
        assert translated_units(root) == {"EACH"}
    finally:
        watcher.stop(uninstall_snapshot=True)
