"""An AS2 partner from the x12-4010-as2 template: our key pair made for it (RSA-3072, self-signed,
the key encrypted at rest), its certificate on the onboarding sheet (checked with openssl), and
nothing left behind when ``new`` fails; then their certificate on file opens AS2."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.partner_store import sync_partners
from gateway.partners import forget_profiles
from gateway.store.models import AuditEntry, Partner
from gateway_app.cli import main
from tests.onboarding.support import NEWCO_VALUES, gateway_on, home
from tests.transports.as2.conftest import make_certificate
from tests.transports.harness import ADMIN_TOKEN, Gateway, bearer, settings_for
from transports.as2.certificates import check_files, load_key_pair
from transports.as2.directory import Directory

SECRET = "onboarding-as2-secret"
AS2_VALUES = {**NEWCO_VALUES, "AS2_ID": "NEWCOAS2", "AS2_URL": "https://as2.newco.example/as2"}
SETS = [arg for name, value in AS2_VALUES.items() for arg in ("--set", f"{name}={value}")]


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = home(tmp_path)
    for name in ("PARTNERS_DIR", "MAPS_DIR", "DATA_DIR", "DATABASE_URL"):
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.setenv("GATEWAY_HOME", str(root))
    monkeypatch.setenv("GATEWAY_AS2_KEY_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["partners", "sync"]) == 0
    return root / "partners"


def openssl_fingerprint(path: Path) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-in", path, "-noout", "-fingerprint", "-sha256"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().split("=", 1)[1]


def test_given_the_as2_template_when_new_runs_then_our_key_pair_is_made_and_on_the_sheet(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    code = main(["partners", "new", "newco", "--template", "x12-4010-as2", *SETS])

    out = capsys.readouterr().out
    assert code == 0, out
    folder = cli_home / "certs" / "newco"
    crt, key = folder / "gateway.crt", folder / "gateway.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    pair = load_key_pair(crt, key, SECRET)  # what the AS2 transport will load
    certificate = x509.load_pem_x509_certificate(crt.read_bytes())
    assert isinstance(pair.key, rsa.RSAPrivateKey) and pair.key.key_size == 3072
    assert certificate.issuer == certificate.subject
    subject = certificate.subject.rfc4514_string()
    assert subject == "OU=AS2 for newco,CN=GATEWAYBUYER"
    fingerprint = openssl_fingerprint(crt)  # a program we did not write agrees
    for expected in (
        "Our AS2 id (your AS2-To):            GATEWAYBUYER",
        "Your AS2 id (your AS2-From):         NEWCOAS2",
        "Our AS2 URL:                         http://127.0.0.1:8080/as2",
        "Your AS2 URL on file:                https://as2.newco.example/as2",
        f"Subject:             {subject}",
        f"SHA-256 fingerprint: {fingerprint}",
        "MDNs we return: synchronous or asynchronous",
        "Send us your AS2 certificate",
    ):
        assert expected in out, expected
    pem = "\n".join(line.strip() for line in out.splitlines() if re.match(r"^ {4}\S", line))
    assert crt.read_text().strip() in pem
    valid = re.search(r"Valid: +(\S+ \S+) UTC to (\S+ \S+) UTC", out)
    assert valid is not None
    assert valid.group(2) == f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M}"
    profile = yaml.safe_load((cli_home / "newco.yaml").read_text())
    assert profile["transports"]["as2"]["enabled"] is False
    assert profile["transports"]["outbound"] == "as2"

    # their certificate arrives: on file and enabled, AS2 opens for them
    make_certificate(folder, "partner", cn="NEWCOAS2")
    text = (cli_home / "newco.yaml").read_text()
    (cli_home / "newco.yaml").write_text(text.replace("enabled: false  ", "enabled: true   "))
    forget_profiles()
    assert [p for p in check_files(cli_home, SECRET) if "newco" in p] == []
    found = Directory(cli_home, "GATEWAYBUYER", SECRET).find("NEWCOAS2", "GATEWAYBUYER")
    assert found is not None and found.signer().certificate == certificate
    capsys.readouterr()
    assert main(["partners", "show", "newco", "--sheet"]) == 0
    assert fingerprint in capsys.readouterr().out


def test_given_no_key_secret_then_new_refuses_and_creates_nothing(
    cli_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_AS2_KEY_SECRET")
    capsys.readouterr()

    code = main(["partners", "new", "newco", "--template", "x12-4010-as2", *SETS])

    err = capsys.readouterr().err
    assert code == 1
    assert "transports.as2.our_keys.0: set GATEWAY_AS2_KEY_SECRET" in err
    assert sorted(p.name for p in cli_home.iterdir()) == ["demo-supplier.yaml", "templates"]


def test_given_the_database_fails_while_creating_then_no_key_pair_is_left(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError("the disk went away")  # inside the transaction, after the key pair

    monkeypatch.setattr("gateway.onboarding.new.os.link", broken)

    assert main(["partners", "new", "newco", "--template", "x12-4010-as2", *SETS]) == 1

    assert sorted(p.name for p in cli_home.iterdir()) == ["demo-supplier.yaml", "templates"]


def test_given_a_key_pair_file_already_there_then_new_refuses_and_keeps_it(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = cli_home / "certs" / "newco"
    folder.mkdir(parents=True)
    (folder / "gateway.key").write_bytes(b"someone's key")
    capsys.readouterr()

    assert main(["partners", "new", "newco", "--template", "x12-4010-as2", *SETS]) == 1

    assert "gateway.key exists without its pair" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["gateway.key"]
    assert not (cli_home / "newco.yaml").exists()


@pytest.fixture
def ops(tmp_path: Path) -> Iterator[tuple[Gateway, Path]]:
    partners = home(tmp_path) / "partners"
    gateway = gateway_on(settings_for(tmp_path, partners_dir=partners, as2_key_secret=SECRET))
    assert sync_partners(gateway.runtime.db, partners) == []
    try:
        yield gateway, partners
    finally:
        gateway.runtime.close()


def test_given_post_ops_partners_with_the_as2_template_then_the_sheet_has_our_certificate(
    ops: tuple[Gateway, Path],
) -> None:
    gateway, partners = ops
    with TestClient(gateway.app) as client:
        answer = client.post(
            "/ops/partners",
            json={"id": "newco", "template": "x12-4010-as2", "values": AS2_VALUES},
            headers=bearer(ADMIN_TOKEN),
        )

    assert answer.status_code == 201, answer.text
    crt = partners / "certs" / "newco" / "gateway.crt"
    sheet = answer.json()["sheet"]
    assert f"SHA-256 fingerprint: {openssl_fingerprint(crt)}" in sheet
    assert "-----BEGIN CERTIFICATE-----" in sheet and "PRIVATE" not in sheet
    with gateway.runtime.db.sessions() as session:
        created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == "newco", AuditEntry.action == "partner.created"
            )
        ).one()
        assert session.get(Partner, "newco") is not None
    assert created.detail["as2_certificates"] == [openssl_fingerprint(crt)]
    shutil.rmtree(partners / "certs")


def test_given_no_key_secret_then_post_ops_partners_is_422_naming_it_and_creates_nothing(
    tmp_path: Path,
) -> None:
    partners = home(tmp_path) / "partners"
    gateway = gateway_on(settings_for(tmp_path, partners_dir=partners))
    try:
        assert sync_partners(gateway.runtime.db, partners) == []
        with TestClient(gateway.app) as client:
            answer = client.post(
                "/ops/partners",
                json={"id": "newco", "template": "x12-4010-as2", "values": AS2_VALUES},
                headers=bearer(ADMIN_TOKEN),
            )
    finally:
        gateway.runtime.close()

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["error"]["problems"]
    assert problem["field"] == "transports.as2.our_keys.0"
    assert "GATEWAY_AS2_KEY_SECRET" in problem["message"]
    assert sorted(p.name for p in partners.iterdir()) == ["demo-supplier.yaml", "templates"]
