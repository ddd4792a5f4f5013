"""``gateway partners ...``: a new API partner from nothing to live with the CLI, key rotation, and
the refusals (a bad profile lists every problem and creates nothing; unknown ids are one line)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.erp.memory import MemoryErpConnector
from gateway.settings import Settings
from gateway.store.models import AuditEntry, Partner, PartnerKey
from gateway_app.cli import main
from tests.onboarding.support import CERTIFYING, NEWCO_VALUES, gateway_on, home, newco_file
from tests.transports.harness import Gateway, bearer

SETS = [arg for name, value in NEWCO_VALUES.items() for arg in ("--set", f"{name}={value}")]


@pytest.fixture
def partners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the demo partner, a database, memory ERP; the CLI and the test share them."""
    root = home(tmp_path)
    for name in ("PARTNERS_DIR", "MAPS_DIR", "DATA_DIR", "DATABASE_URL"):
        monkeypatch.delenv(f"GATEWAY_{name}", raising=False)
    monkeypatch.setenv("GATEWAY_HOME", str(root))
    monkeypatch.setenv("GATEWAY_ERP_CONNECTOR", "memory")
    monkeypatch.setenv("GATEWAY_API_KEY_CACHE_S", "0")
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["partners", "sync"]) == 0
    return root / "partners"


@pytest.fixture
def gateway(partners: Path) -> Iterator[Gateway]:
    gateway = gateway_on(Settings())
    try:
        yield gateway
    finally:
        gateway.runtime.close()


def send(client: TestClient, key: str, raw: bytes) -> dict[str, object]:
    answer = client.post("/v1/x12", content=raw, headers=bearer(key))
    assert answer.status_code == 202, answer.text
    return dict(client.get(answer.json()["links"]["self"], headers=bearer(key)).json())


def test_given_a_new_api_partner_when_onboarded_with_the_cli_then_it_goes_from_nothing_to_live(
    partners: Path, gateway: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "newco.key"
    capsys.readouterr()

    code = main(["partners", "new", "newco", "--template", "x12-4010-api", *SETS,
                 "--key-file", str(key_file)])  # fmt: skip

    sheet = capsys.readouterr().out
    assert code == 0
    assert "Onboarding sheet: NewCo Parts (newco)" in sheet and "[ ] 810 004010" in sheet
    key = key_file.read_text().strip()
    assert key[:10] in sheet and key not in sheet and key_file.stat().st_mode & 0o077 == 0
    assert main(["partners", "promote", "newco", "--to", "live"]) == 1
    assert "certification incomplete (855 004010, 856 004010, 810 004010" in capsys.readouterr().err

    client = TestClient(gateway.app)
    receipts = [send(client, key, newco_file(sample)) for sample in CERTIFYING]
    memory = gateway.runtime.connector
    assert isinstance(memory, MemoryErpConnector) and memory.count() == 0

    assert main(["partners", "show", "newco"]) == 0
    shown = capsys.readouterr().out
    assert "certification: 3/3 passed (complete)" in shown
    assert f"[x] 856 004010           {receipts[1]['receipt_id']}" in shown
    assert main(["partners", "promote", "newco", "--to", "live", "--reason", "certified"]) == 0
    assert "newco: testing -> live (certification complete)" in capsys.readouterr().out
    assert yaml.safe_load((partners / "newco.yaml").read_text())["status"] == "live"

    first = send(client, key, newco_file("856-SOTPI-4010", usage="P"))

    assert memory.count() == 1
    [event] = first["events"]  # type: ignore[misc]
    assert event["deliveries"][0]["status"] == "delivered"
    assert main(["partners", "list"]) == 0
    assert "newco                    live       1 key(s)  certified" in capsys.readouterr().out
    [audit] = gateway.audit("partner.status")
    assert audit.actor.startswith("operator:cli") and audit.detail["reason"] == "certified"


def test_given_a_second_key_then_both_work_until_the_first_is_revoked(
    partners: Path, gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["partners", "new", "newco", "--template", "x12-4010-api", *SETS]) == 0
    first = capsys.readouterr().out.split("(shown once; send it separately): ")[1].strip()
    assert main(["partners", "issue-key", "newco"]) == 0
    second = capsys.readouterr().out.strip()
    client = TestClient(gateway.app)

    both = [client.get("/v1/receipts", headers=bearer(k)).status_code for k in (first, second)]
    assert main(["partners", "keys", "newco"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert main(["partners", "revoke-key", "newco", "gk_"]) == 1  # both start so: nothing revoked
    assert main(["partners", "revoke-key", "newco", first[:10]]) == 0
    after = [client.get("/v1/receipts", headers=bearer(k)).status_code for k in (first, second)]

    assert both == [200, 200] and after == [401, 200]
    assert [line.split("...")[0] for line in listed] == [first[:10], second[:10]]
    assert all("last used 20" in line for line in listed)  # both were used just now
    assert main(["partners", "revoke-key", "newco", first[:10]]) == 1  # gone already
    assert [a.detail["prefix"] for a in gateway.audit("partner.key_revoked")] == [first[:10]]


@pytest.mark.parametrize(
    "command",
    [
        ["show", "nobody"],
        ["promote", "nobody", "--to", "live"],
        ["keys", "nobody"],
        ["revoke-key", "nobody", "gk_x"],
        ["issue-key", "nobody"],
    ],
)
def test_given_an_unknown_partner_then_one_line_and_exit_1(
    partners: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["partners", *command]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nobody" in err and "Traceback" not in err


def test_given_a_bad_profile_then_every_problem_is_listed_and_nothing_is_created(
    partners: Path, gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    unknown = main(["partners", "new", "New_Co", "--template", "x12-4010-apx", "--set", "ISA_ID"])
    unknown_err = capsys.readouterr().err
    clash = main(["partners", "new", "newco", "--template", "x12-4010-api",
                  "--set", "ISA_ID=DEMOSUPPLIER", "--set", "CONTACT_NAME=Ann"])  # fmt: skip
    clash_err = capsys.readouterr().err
    code_list = main(["partners", "new", "newco", "--template", "x12-4010-api", *SETS,
                      "--set", "ISA_QUALIFIER=XX", "--set", "CONTACT_EMAIL=a\nb"])  # fmt: skip
    code_list_err = capsys.readouterr().err

    assert unknown == clash == code_list == 1
    assert unknown_err.splitlines()[1:] == [
        "  --set ISA_ID: write NAME=VALUE",
        "  partner id 'New_Co': lower-case letters, digits and '-' (max 63)",
        "  --template: no template 'x12-4010-apx' (templates: json-api, x12-4010-api, "
        "x12-4010-as2, x12-4010-sftp-hosted, x12-4010-sftp-remote, x12-5010-api)",
    ]
    assert clash_err.splitlines() == [
        "gateway partners new: 3 problem(s), nothing created:",
        "  --set PARTNER_NAME: not given: the supplier's name",
        "  --set CONTACT_EMAIL: not given: their EDI contact's e-mail",
        "  --set ISA_QUALIFIER=ZZ --set ISA_ID=DEMOSUPPLIER: x12.sender_ids.0: "
        "ZZ/DEMOSUPPLIER is already a sender id of demo-supplier",
    ]
    assert "2 problem(s)" in code_list_err
    assert "--set CONTACT_EMAIL=a\nb: holds a control character" in code_list_err
    assert "--set ISA_QUALIFIER=XX: x12.sender_ids.0.qualifier: Value error, 'XX' is not an " \
           "ISA05/ISA07 code" in code_list_err  # fmt: skip
    assert sorted(p.name for p in partners.iterdir()) == ["demo-supplier.yaml", "templates"]
    with gateway.runtime.db.sessions() as session:
        assert session.get(Partner, "newco") is None
        assert session.scalars(select(PartnerKey)).all() == []
        assert session.scalars(select(AuditEntry).where(AuditEntry.subject == "newco")).all() == []


def test_given_the_database_fails_while_creating_then_no_file_row_or_key_is_left(
    partners: Path, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.partner_store import PartnerKeys

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(PartnerKeys, "add", broken)

    code = main(["partners", "new", "newco", "--template", "x12-4010-api", *SETS])

    assert code == 1  # said in one line (tests/test_cli_never_shrugs.py), nothing left behind
    assert sorted(p.name for p in partners.iterdir()) == ["demo-supplier.yaml", "templates"]
    with gateway.runtime.db.sessions() as session:
        assert session.get(Partner, "newco") is None


def test_given_a_terminal_then_new_asks_for_what_set_left_out(
    partners: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    asked: list[str] = []
    answers = iter(["x12-5010-api", "NewCo Parts", "", "NEWCOPARTSUS", "Ann Lee"])

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)

    code = main(["partners", "new", "newco", "--set", "CONTACT_EMAIL=edi@newco.example"])

    assert code == 0, capsys.readouterr().err
    assert asked[0].startswith("template (json-api, x12-4010-api")
    assert asked[2] == "their ISA05 qualifier (ZZ mutually defined, 01 DUNS, 12 phone) " \
                       "[ISA_QUALIFIER] (ZZ): "  # fmt: skip
    profile = yaml.safe_load((partners / "newco.yaml").read_text())
    assert profile["x12"]["sender_ids"] == [{"qualifier": "ZZ", "id": "NEWCOPARTSUS"}]
    assert profile["x12"]["ack"]["kind"] == "999"
    capsys.readouterr()
    assert main(["partners", "show", "newco", "--sheet"]) == 0
    assert "005010 / 00501" in capsys.readouterr().out
