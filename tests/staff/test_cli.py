"""``gateway staff``: add (password from standard input or a file, never an argument), list,
token (printed once), disable; and the demo's first admin login, shown only until changed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.staff.accounts import StaffAccounts
from gateway_app.cli import main
from gateway_app.server import banner, demo_login_for
from tests.staff.support import PASSWORD
from tests.support.leaks import register_secret

DEMO_PASSWORD = register_secret("demo-admin-password")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def test_add_list_token_disable(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["staff", "add", "erin", "--role", "operator"]) == 0
    secret = home / "pw"
    secret.write_text("another good password\n")
    assert main(["staff", "add", "frank", "--role", "viewer", "--password-file", str(secret)]) == 0
    capsys.readouterr()

    assert main(["staff", "token", "erin"]) == 0
    token = register_secret(capsys.readouterr().out.strip())
    assert main(["staff", "list"]) == 0
    listing = capsys.readouterr().out
    assert main(["staff", "disable", "erin"]) == 0
    assert main(["staff", "add", "erin", "--role", "admin", "--password-file", str(secret)]) == 1
    refused = capsys.readouterr().err

    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=home))  # type: ignore[call-arg]
    try:
        accounts = StaffAccounts(runtime.db)
        assert accounts.principal_for_token(token) is None  # revoked with the member
        assert accounts.verifies("frank", "another good password")
        assert not accounts.verifies("erin", "")
    finally:
        runtime.close()
    assert token.startswith("gs_")
    assert "erin" in listing and "operator" in listing and "tokens 1" in listing
    assert "frank" in listing and "viewer" in listing
    assert "exists already" in refused


def test_a_short_password_on_stdin_is_refused_in_words(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))

    assert main(["staff", "add", "gina", "--role", "admin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err


def test_demo_mode_creates_the_first_admin_and_shows_it_only_until_it_is_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, demo=True)  # type: ignore[call-arg]
    plain = Settings(_env_file=None, data_dir=tmp_path / "other")  # type: ignore[call-arg]
    runtime, other = Runtime.from_settings(settings), Runtime.from_settings(plain)
    try:
        first = demo_login_for(runtime)
        again = demo_login_for(runtime)
        shown = banner(settings, "127.0.0.1", 8080, None, demo_login=first)
        StaffAccounts(runtime.db).set_password("admin", PASSWORD, actor="t")
        after = demo_login_for(runtime)
        nobody = demo_login_for(other)
        members = StaffAccounts(other.db).members()
    finally:
        runtime.close()
        other.close()
    assert first == again == DEMO_PASSWORD and after is None
    assert "/console" in shown and "admin / demo-admin-password" in shown
    assert nobody is None and members == []
    assert "demo-admin-password" not in banner(settings, "127.0.0.1", 8080, None, demo_login=after)
