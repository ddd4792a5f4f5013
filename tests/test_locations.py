"""Where partners, maps and the database are found (``gateway.locations``), and read commands that
refuse to start a database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigurationError
from gateway.locations import packaged
from gateway.mapping import default_maps_dir
from gateway.partners import check_partners, default_partners_dir
from gateway.settings import Settings
from gateway_app.cli import main

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = ("HOME", "PARTNERS_DIR", "MAPS_DIR", "DATA_DIR", "DATABASE_URL")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory outside the checkout, no GATEWAY_* locations, a private XDG data home."""
    for name in VARIABLES:
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def home_with(path: Path, *folders: str) -> Path:
    for folder in folders:
        (path / folder).mkdir(parents=True)
    return path


def test_given_no_home_then_packaged_data_and_the_user_data_directory(elsewhere: Path) -> None:
    found = Settings().locations
    assert found.partners.path == packaged("partners") and "packaged demo" in found.partners.source
    assert found.maps.path == packaged("maps")
    assert found.data.path == elsewhere.parent / "xdg" / "supplier-gateway"
    assert (default_partners_dir(), default_maps_dir()) == (found.partners.path, found.maps.path)


def test_given_a_working_directory_with_partners_then_it_is_the_home(elsewhere: Path) -> None:
    home_with(elsewhere, "partners")
    found = Settings().locations
    assert found.partners.path == elsewhere / "partners"
    assert found.maps.path == packaged("maps")  # no maps/ of its own: the packaged ones
    assert found.data.path == elsewhere / "var"
    assert Settings().resolved_database_url() == f"sqlite:///{elsewhere / 'var' / 'gateway.db'}"


def test_given_gateway_home_then_it_wins_over_the_working_directory(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_with(elsewhere, "partners", "maps")
    home = home_with(tmp_path / "home", "partners", "maps")
    monkeypatch.setenv("GATEWAY_HOME", str(home))
    found = Settings().locations
    assert (found.partners.path, found.maps.path, found.data.path) == (
        home / "partners",
        home / "maps",
        home / "var",
    )
    assert found.partners.source == "GATEWAY_HOME"
    assert default_partners_dir() == home / "partners"


def test_given_explicit_directories_then_they_win_over_the_home(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_HOME", str(home_with(tmp_path / "home", "partners", "maps")))
    for name in ("PARTNERS_DIR", "MAPS_DIR", "DATA_DIR"):
        monkeypatch.setenv(f"GATEWAY_{name}", str(tmp_path / name.lower()))
    settings = Settings()
    assert (settings.partners_dir, settings.maps_dir, settings.data_dir) == (
        tmp_path / "partners_dir",
        tmp_path / "maps_dir",
        tmp_path / "data_dir",
    )
    flagged = settings.locations.with_flags(Path("mine"), None)
    assert flagged.partners.path == elsewhere / "mine" and flagged.partners.source == "--partners"


def test_given_a_home_without_partners_then_they_are_missing_not_the_demo(
    elsewhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = home_with(tmp_path / "home")
    monkeypatch.setenv("GATEWAY_HOME", str(home))
    settings = Settings()
    assert settings.partners_dir == home / "partners"
    assert check_partners(settings.partners_dir) == [f"{home / 'partners'}: no such directory"]
    assert main(["check-config"]) == 1


def test_given_no_database_when_a_read_command_runs_then_it_fails_and_creates_none(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["messages", "list"], ["dead-letters"], ["partners", "sync"]):
        assert main(argv) == 2
    err = capsys.readouterr().err
    database = elsewhere.parent / "xdg" / "supplier-gateway" / "gateway.db"
    assert f"no database at {database} (data directory: " in err
    assert not database.parent.exists()


def test_given_a_database_when_a_read_command_runs_then_it_reads_it(
    elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home_with(elsewhere, "partners")
    assert main(["db", "upgrade"]) == 0
    assert (elsewhere / "var" / "gateway.db").is_file()
    assert main(["messages", "list"]) == 0


def test_require_database_leaves_server_databases_alone() -> None:
    Settings(database_url="postgresql+psycopg://db.example/gateway").require_database()
    with pytest.raises(ConfigurationError, match="no database at"):
        Settings(database_url="sqlite:////nonexistent/gateway.db").require_database()


def test_given_the_checkout_when_check_config_runs_then_it_names_the_directories(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_HOME", raising=False)
    monkeypatch.chdir(ROOT)
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert f"partners: {ROOT / 'partners'} (working directory)" in out
    assert f"maps:     {ROOT / 'maps'} (working directory)" in out


def test_an_empty_variable_counts_as_unset(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_HOME", "")
    monkeypatch.setenv("GATEWAY_PARTNERS_DIR", "")
    assert Settings().partners_dir == default_partners_dir() == packaged("partners")
