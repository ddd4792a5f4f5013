"""``transports.as2``: the one home of a partner's AS2 settings, checked as data and as files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gateway.partner_sections import AS2Settings
from gateway.partners import PartnerProfile, forget_profiles, validate_profile
from gateway_app.cli import main
from tests.transports.as2.conftest import SECRET, as2_home, make_certificate
from transports.as2.certificates import check_files, inventory
from transports.as2.directory import Directory

ROOT = Path(__file__).resolve().parents[3]
KEYS = {"certificate": "../samples/as2/gateway.crt", "key": "../samples/as2/gateway.key"}


def base(**as2: Any) -> dict[str, Any]:
    return {
        "id": "newco",
        "name": "Newco",
        "x12": {"sender_ids": [{"qualifier": "ZZ", "id": "NEWCO"}]},
        "transports": {"as2": {"as2_id": "NEWCO", **as2}},
    }


def test_given_a_top_level_as2_block_then_the_profile_is_refused_saying_where_it_moved() -> None:
    data = base()
    data["as2"] = data["transports"].pop("as2")

    profile, errors = validate_profile(data)

    assert profile is None
    assert any("moved to transports.as2" in message for _, message in errors), errors


def test_given_enabled_without_certificates_or_keys_then_refused_and_disabled_is_fine() -> None:
    assert AS2Settings.model_validate({"as2_id": "NEWCO"}).enabled is False
    for bad, words in (
        ({"enabled": True, "our_keys": [KEYS]}, "needs certificates"),
        ({"enabled": True, "certificates": ["x.crt"]}, "needs our_keys"),
        ({"mdn": "async"}, "needs async_mdn_url"),
        ({"encrypt": "3des"}, "allow_3des"),
        ({"sign": "sha1"}, "allow_sha1"),
        ({"url": "ftp://newco.example"}, "pattern"),
    ):
        with pytest.raises(ValidationError, match=words):
            AS2Settings.model_validate({"as2_id": "NEWCO", **bad})
    allowed = AS2Settings.model_validate(
        {
            "as2_id": "NEWCO",
            "encrypt": "3des",
            "allow_3des": True,
            "sign": "sha1",
            "allow_sha1": True,
        }
    )
    assert (allowed.encrypt, allowed.sign) == ("3des", "sha1")


def test_given_the_first_templates_names_then_they_read_as_the_current_ones() -> None:
    settings = AS2Settings.model_validate(
        {"as2_id": "NEWCO", "signing": "sha384", "encryption": "aes128", "certificate": "c.pem"}
    )

    assert (settings.sign, settings.encrypt, [c.path for c in settings.certificates]) == (
        "sha384",
        "aes128-cbc",
        ["c.pem"],
    )


def test_given_outbound_as2_without_a_url_then_refused() -> None:
    data = base()
    data["transports"]["outbound"] = "as2"

    with pytest.raises(ValidationError, match="outbound: as2 needs"):
        PartnerProfile.model_validate(data)


def test_the_demo_profile_is_enabled_with_the_demo_contract() -> None:
    as2 = PartnerProfile.model_validate(
        yaml.safe_load((ROOT / "partners" / "demo-supplier.yaml").read_text())
    ).transports.as2
    assert as2 is not None and as2.enabled
    assert (as2.as2_id, as2.our_as2_id) == ("DEMOSUPPLIER", "GATEWAYBUYER")
    assert [c.path for c in as2.certificates] == ["../samples/as2/demo-supplier.crt"]
    assert as2.our_keys[0].certificate == "../samples/as2/gateway.crt"


def test_given_a_disabled_profile_then_post_as2_does_not_know_it(tmp_path: Path) -> None:
    partners = as2_home(tmp_path, enabled=False)
    forget_profiles()
    directory = Directory(partners, "GATEWAYBUYER", SECRET)

    assert directory.find("DEMOSUPPLIER", "GATEWAYBUYER") is None
    assert directory.find("ACMEFAST", "GATEWAYBUYER") is not None


def test_check_config_reads_the_files_every_enabled_profile_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    partners = as2_home(tmp_path)
    keys = tmp_path / "samples" / "as2"
    assert check_files(partners, SECRET) == []
    make_certificate(keys, "other")
    demo = partners / "demo-supplier.yaml"
    profile = yaml.safe_load(demo.read_text())
    as2 = profile["transports"]["as2"]
    as2["certificates"] = ["../samples/as2/missing.crt", "../samples/as2/expired.crt"]
    as2["our_keys"] = [{"certificate": "../samples/as2/other.crt", "key": KEYS["key"]}]
    demo.write_text(yaml.safe_dump(profile))

    problems = check_files(partners, SECRET)

    assert len(problems) == 3, problems
    assert "missing.crt" in problems[0]
    assert "does not belong to certificate" in problems[1]
    assert "none is valid today" in problems[2]
    wrong_secret = check_files(partners, "wrong")
    assert any("our_keys" in p and "gateway.key" in p for p in wrong_secret), wrong_secret
    shutil.rmtree(tmp_path / "maps", ignore_errors=True)
    monkeypatch.setenv("GATEWAY_AS2_KEY_SECRET", SECRET)
    assert main(["check-config", "--partners", str(partners)]) == 1
    assert "missing.crt" in capsys.readouterr().err


def test_given_no_secret_then_check_config_still_finds_an_unencrypted_key(tmp_path: Path) -> None:
    partners = as2_home(tmp_path)
    shutil.copy(ROOT / "samples" / "as2" / "demo-supplier.key", tmp_path / "plain.key")
    demo = partners / "demo-supplier.yaml"
    profile = yaml.safe_load(demo.read_text())
    profile["transports"]["as2"]["our_keys"] = [{**KEYS, "key": "../plain.key"}]
    demo.write_text(yaml.safe_dump(profile))

    assert [p for p in check_files(partners, "") if "not encrypted at rest" in p]


def test_given_use_windows_then_a_rollover_switches_on_its_date_and_a_retired_one_is_out(
    tmp_path: Path,
) -> None:
    """The new certificate (theirs) is listed ahead with ``use_from``: their signatures from it
    verify at once, but we keep encrypting to the old one until the date; ``use_until`` retires
    a certificate that is still valid. Ours alike: a new key pair decrypts at once and signs from
    its date."""
    from datetime import UTC, datetime, timedelta

    partners = as2_home(tmp_path)
    keys = tmp_path / "samples" / "as2"
    make_certificate(keys, "ours-next", days=(0, 730))
    demo = partners / "demo-supplier.yaml"
    profile = yaml.safe_load(demo.read_text())
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    as2 = profile["transports"]["as2"]
    as2["certificates"] = [
        "../samples/as2/demo-supplier.crt",
        {"path": "../samples/as2/next.crt", "use_from": soon},
        {"path": "../samples/as2/stranger.crt", "use_until": past},
    ]
    as2["our_keys"] = [
        KEYS,
        {
            "certificate": "../samples/as2/ours-next.crt",
            "key": "../samples/as2/ours-next.enc.key",
            "use_from": soon,
        },
    ]
    demo.write_text(yaml.safe_dump(profile))
    forget_profiles()

    partner = Directory(partners, "GATEWAYBUYER", SECRET).partner("demo-supplier")

    names = [c.subject.rfc4514_string() for c in partner.certificates]
    assert any("next" in n for n in names) and not any("stranger" in n for n in names)
    assert "DEMOSUPPLIER" in partner.encryption_certificate().subject.rfc4514_string()
    assert len(partner.keys) == 2  # both decrypt
    assert "GATEWAYBUYER" in partner.signer().certificate.subject.rfc4514_string()
    assert check_files(partners, SECRET) == []
    listed = {
        (c.role, Path(c.path).name): (c.use_from, c.use_until) for c in inventory(partners)[0]
    }
    assert listed[("partner", "next.crt")] == (soon, None)
    assert listed[("partner", "stranger.crt")] == (None, past)
    assert listed[("ours", "ours-next.crt")][0] is not None
    with pytest.raises(ValidationError, match="time zone"):
        AS2Settings.model_validate(
            {"as2_id": "X", "certificates": [{"path": "a.crt", "use_from": "2027-01-15T00:00:00"}]}
        )
    with pytest.raises(ValidationError, match="before use_until"):
        AS2Settings.model_validate(
            {
                "as2_id": "X",
                "certificates": [{"path": "a.crt", "use_from": soon, "use_until": past}],
            }
        )
