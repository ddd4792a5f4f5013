"""Onboarding a hosted SFTP partner: ``gateway partners new --template x12-4010-sftp-hosted`` makes
the account's key pair (or takes theirs), the onboarding sheet says where to connect and which
host key to expect, and the account works at once; profiles that cannot work are refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from gateway.partner_sections import SftpSettings
from gateway.partner_store import sync_partners
from gateway.pipeline.inbox import Inbox
from gateway.store.db import Database
from gateway_app.cli import main
from tests.onboarding.support import NEWCO_VALUES, home
from tests.transports.sftp.conftest import DEMO_KEY, SFTP
from transports.sftp.hostkey import fingerprint, host_key_path, known_hosts_line, load_or_create
from transports.sftp.server import SftpServer
from transports.sftp.transport import SftpTransport

SETS = [arg for name, value in NEWCO_VALUES.items() for arg in ("--set", f"{name}={value}")]
DEMO_PUBLIC = DEMO_KEY.with_name(DEMO_KEY.name + ".pub").read_text().strip()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    gateway_home = home(tmp_path)
    for name in ("PARTNERS_DIR", "MAPS_DIR", "DATA_DIR", "DATABASE_URL", "SFTP_ROOT"):
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.setenv("GATEWAY_HOME", str(gateway_home))
    monkeypatch.setenv("GATEWAY_SFTP_PORT", "2299")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    return gateway_home


def test_given_no_public_key_when_a_hosted_partner_is_created_then_a_key_pair_is_made_and_it_logs_in(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host_key = load_or_create(host_key_path(root / "var"))
    capsys.readouterr()

    code = main(["partners", "new", "newco", "--template", "x12-4010-sftp-hosted", *SETS])

    out = capsys.readouterr().out
    assert code == 0, out
    private = tmp_path / "newco_sftp_ed25519"
    public = private.with_name(private.name + ".pub").read_text().strip()
    assert private.stat().st_mode & 0o077 == 0 and "PRIVATE KEY" in private.read_text()
    profile = yaml.safe_load((root / "partners" / "newco.yaml").read_text())
    sftp = profile["transports"]["sftp"]
    assert (sftp["enabled"], sftp["mode"], sftp["username"]) == (True, "hosted", "newco")
    assert sftp["authorized_keys"] == [public]
    assert "sftp -P 2299 newco@127.0.0.1" in out
    assert f"our host key: {fingerprint(host_key)}" in out
    assert "inbound/" in out and "outbound/" in out
    assert private.read_text() not in out

    db = Database(f"sqlite:///{root / 'var' / 'gateway.db'}")
    sync_partners(db, root / "partners")
    transport = SftpTransport(Inbox(db, lambda _id: None, root / "partners"), tmp_path / "boxes")
    with SftpServer(transport, host_key, port=0) as server:
        known = tmp_path / "known"
        known.write_text(known_hosts_line(host_key, "127.0.0.1", server.port) + "\n")
        (tmp_path / "ls").write_text("ls -1\n")
        listing = subprocess.run(
            [str(SFTP), "-P", str(server.port), "-i", str(private), "-o", "IdentitiesOnly=yes",
             "-o", f"UserKnownHostsFile={known}", "-b", str(tmp_path / "ls"), "newco@127.0.0.1"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    db.dispose()
    assert listing.returncode == 0, listing.stderr
    assert "inbound" in listing.stdout


def test_given_their_public_key_when_created_then_the_profile_holds_it_and_no_pair_is_made(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["partners", "new", "newco", "--template", "x12-4010-sftp-hosted", *SETS,
                 "--set", f"SFTP_PUBLIC_KEY={DEMO_PUBLIC}", "--set", "SFTP_USER=newco-edi"])  # fmt: skip

    assert code == 0, capsys.readouterr().err
    sftp = yaml.safe_load((root / "partners" / "newco.yaml").read_text())["transports"]["sftp"]
    assert (sftp["username"], sftp["authorized_keys"]) == ("newco-edi", [DEMO_PUBLIC])
    assert not (tmp_path / "newco_sftp_ed25519").exists()


def test_given_two_profiles_claiming_one_user_name_then_check_config_says_so(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["partners", "new", "newco", "--template", "x12-4010-sftp-hosted", *SETS,
                 "--set", f"SFTP_PUBLIC_KEY={DEMO_PUBLIC}", "--set", "SFTP_USER=demo-supplier"]) == 0  # fmt: skip
    capsys.readouterr()

    code = main(["check-config"])

    assert code != 0
    err = capsys.readouterr().err
    assert "demo-supplier.yaml, newco.yaml: transports.sftp.username 'demo-supplier'" in err


@pytest.mark.parametrize(
    "settings",
    [
        {"inbox": "/in"},  # a remote-only field
        {"port": 22},
        {"authorized_keys": ["ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ demo"]},  # an RSA blob
        {"authorized_keys": ["ssh-ed25519 not*base64"]},
        {"password_hash": "plain-text-password"},
        {"temp_suffixes": ["part"]},
        {"after_commit": "keep"},
        {"enabled": True},  # neither a key nor a password
    ],
)
def test_given_a_hosted_account_that_cannot_work_then_the_profile_is_refused(
    settings: dict[str, object],
) -> None:
    with pytest.raises(ValidationError):
        SftpSettings.model_validate({"mode": "hosted", "username": "acme", **settings})
