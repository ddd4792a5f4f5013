"""Partner profiles' identity fields: several sender ids, unique across partners, our ids ours;
every problem reported at once, by ``check_partners``, ``gateway check-config`` and start-up."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gateway.errors import ConfigurationError
from gateway.partners import (
    DEFAULT_OUR_IDS,
    PartnerProfile,
    check_partners,
    gateway_ids,
    load_partner,
)
from gateway.settings import Settings, parse_our_ids
from gateway.x12.identities import EnvelopeId, ExpectedIdentities
from gateway_app.cli import main

SHIPPED = Path(__file__).resolve().parents[1] / "partners"


def profile(**x12: Any) -> dict[str, Any]:
    return {"id": "newco", "name": "NewCo", "x12": x12}


def partners_dir(tmp_path: Path, **extra: dict[str, Any]) -> Path:
    """The shipped profiles plus ``extra`` ones (file stem -> profile data)."""
    root = tmp_path / "partners"
    shutil.copytree(SHIPPED, root, ignore=shutil.ignore_patterns("templates", "*.md"))
    # the demo profile's AS2 certificates, where its relative paths point (check-config reads them)
    shutil.copytree(SHIPPED.parent / "samples" / "as2", tmp_path / "samples" / "as2")
    for stem, data in extra.items():
        (root / f"{stem}.yaml").write_text(yaml.safe_dump({**data, "id": stem}))
    return root


def test_given_the_older_one_id_form_then_it_reads_as_a_one_entry_sender_list() -> None:
    parsed = PartnerProfile.model_validate(profile(qualifier="ZZ", id="NEWCO"))

    assert [s.envelope_id() for s in parsed.x12.sender_ids] == [EnvelopeId("ZZ", "NEWCO")]
    assert (parsed.x12.qualifier, parsed.x12.id, parsed.x12.our()) == ("ZZ", "NEWCO", None)


def test_given_both_forms_or_half_of_our_id_or_a_repeated_id_then_each_is_refused() -> None:
    bad = [
        profile(qualifier="ZZ", id="A", sender_ids=[{"qualifier": "ZZ", "id": "B"}]),
        profile(sender_ids=[{"qualifier": "ZZ", "id": "A"}], our_id="GATEWAYBUYER"),
        profile(sender_ids=[{"qualifier": "ZZ", "id": "A"}, {"qualifier": "ZZ", "id": "A"}]),
        profile(sender_ids=[]),
        profile(sender_ids=[{"qualifier": "ZZ", "id": "PADDED   "}]),
    ]
    for data in bad:
        with pytest.raises(ValidationError):
            PartnerProfile.model_validate(data)


def test_given_a_profile_then_its_expected_identities_are_its_senders_and_our_ids() -> None:
    ours = (EnvelopeId("ZZ", "GATEWAYBUYER"), EnvelopeId("01", "123456789"))
    told = PartnerProfile.model_validate(
        profile(
            sender_ids=[{"qualifier": "ZZ", "id": "A"}, {"qualifier": "01", "id": "B"}],
            our_qualifier="01",
            our_id="123456789",
        )
    )
    free = PartnerProfile.model_validate(profile(qualifier="ZZ", id="A"))

    assert told.expected_identities(ours) == ExpectedIdentities(
        (EnvelopeId("ZZ", "A"), EnvelopeId("01", "B")), (EnvelopeId("01", "123456789"),)
    )
    assert free.expected_identities(ours).receivers == ours
    with pytest.raises(ConfigurationError, match="01/123456789 is not one of the gateway's ids"):
        told.expected_identities(DEFAULT_OUR_IDS)


def test_given_clashing_and_foreign_ids_when_checked_then_every_problem_is_listed_at_once(
    tmp_path: Path,
) -> None:
    root = partners_dir(
        tmp_path,
        **{
            "copycat": profile(
                sender_ids=[
                    {"qualifier": "ZZ", "id": "COPYCAT"},
                    {"qualifier": "ZZ", "id": "ACMEFAST"},
                    {"qualifier": "ZZ", "id": "GATEWAYBUYER"},
                ],
                our_qualifier="ZZ",
                our_id="SOMEONEELSE",
            ),
            "division": profile(qualifier="ZZ", id="DEMOSUPPLIER"),
        },
    )

    problems = check_partners(root)

    assert problems == [
        "copycat.yaml: x12.sender_ids.1: ZZ/ACMEFAST is already a sender id of acme-fasteners",
        "copycat.yaml: x12.sender_ids.2: ZZ/GATEWAYBUYER is one of our own ids",
        "copycat.yaml: x12.our_id: ZZ/SOMEONEELSE is not one of the gateway's ids "
        "(ZZ/GATEWAYBUYER; GATEWAY_OUR_IDS)",
        "division.yaml: x12.sender_ids.0: ZZ/DEMOSUPPLIER is already a sender id of demo-supplier",
    ]


def test_given_the_shipped_profiles_then_no_problem(tmp_path: Path) -> None:
    assert check_partners(SHIPPED) == []
    assert load_partner("demo-supplier").x12.our() == EnvelopeId("ZZ", "GATEWAYBUYER")


def test_given_a_clash_when_check_config_runs_then_exit_1_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = partners_dir(tmp_path, division=profile(qualifier="ZZ", id="ACMEFAST"))

    code = main(["check-config", "--partners", str(root)])

    captured = capsys.readouterr()
    assert code == 1
    assert "partners/division.yaml: x12.sender_ids.0: ZZ/ACMEFAST is already" in captured.err
    assert "1 problem(s)" in captured.out


def test_given_our_ids_setting_then_parsed_with_qualifiers_and_bad_ones_refused() -> None:
    assert parse_our_ids(" ZZ/GATEWAYBUYER , 01/123456789") == (
        ("ZZ", "GATEWAYBUYER"),
        ("01", "123456789"),
    )
    assert gateway_ids(Settings(_env_file=None).our_identities()) == DEFAULT_OUR_IDS  # type: ignore[call-arg]
    for bad in ("", "GATEWAYBUYER", "ZZZ/X", "ZZ/", "ZZ/ABCDEFGHIJKLMNOP", "ZZ/A,,B"):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, our_ids=bad)  # type: ignore[call-arg]
