"""The onboarding templates: each a complete profile once filled, placeholders only where filling
is safe, and the profile sections for transports not built yet validated all the same."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gateway.canonical import DERIVED_TYPES, EVENT_ADAPTER
from gateway.onboarding.templates import (
    PLACEHOLDER,
    PLACEHOLDERS,
    check_templates,
    list_templates,
)
from gateway.partner_sections import EVENT_TYPES, AS2Settings, SftpSettings
from gateway.partners import PartnerProfile
from gateway_app.cli import main

PARTNERS = Path(__file__).resolve().parents[2] / "partners"
SHIPPED = list_templates(PARTNERS)


def test_the_shipped_templates_are_the_six_and_each_is_valid_once_filled() -> None:
    assert [t.name for t in SHIPPED] == [
        "json-api",
        "x12-4010-api",
        "x12-4010-as2",
        "x12-4010-sftp-hosted",
        "x12-4010-sftp-remote",
        "x12-5010-api",
    ]
    assert check_templates(PARTNERS) == []


@pytest.mark.parametrize("template", SHIPPED, ids=[t.name for t in SHIPPED])
def test_each_template_asks_known_questions_in_quoted_strings_and_has_a_checklist(
    template: Any,
) -> None:
    assert set(template.placeholders) <= set(PLACEHOLDERS)
    assert {"PARTNER_ID", "PARTNER_NAME", "CONTACT_NAME", "CONTACT_EMAIL"} <= set(
        template.placeholders
    )
    for line in template.text.splitlines():
        value = line.split(" #", 1)[0] if not line.startswith("#") else ""
        for match in PLACEHOLDER.finditer(value):  # inside "...": filling escapes for it
            assert re.search(r'"[^"]*' + re.escape(match.group(0)) + r'[^"]*"', value), line
    examples = {name: p.example for name, p in PLACEHOLDERS.items()}
    profile = PartnerProfile.model_validate(yaml.safe_load(template.fill(examples)))
    assert profile.status == "testing" and profile.certification.documents


def test_given_quotes_and_backslashes_in_a_value_then_the_profile_reads_them_back() -> None:
    name = 'Smith "& Sons" \\ Co'
    template = SHIPPED[1]
    values = {p: spec.example for p, spec in PLACEHOLDERS.items()} | {"PARTNER_NAME": name}

    assert yaml.safe_load(template.fill(values))["name"] == name


def test_given_as2_or_sftp_enabled_or_incomplete_then_the_profile_is_refused() -> None:
    as2 = {"as2_id": "ACME", "url": "https://as2.acme.example/as2"}
    assert AS2Settings.model_validate(as2).enabled is False
    for bad in (
        lambda: AS2Settings.model_validate({**as2, "enabled": True}),
        lambda: AS2Settings.model_validate({**as2, "url": "ftp://acme"}),
        lambda: SftpSettings.model_validate({"mode": "remote", "username": "gw"}),
        lambda: SftpSettings.model_validate(
            {"mode": "hosted", "username": "acme", "enabled": True}
        ),
        lambda: SftpSettings.model_validate({"mode": "hosted", "username": "a", "host": "h"}),
    ):
        with pytest.raises(ValidationError):
            bad()


def test_the_checklists_event_types_are_the_canonical_ones() -> None:
    schema = EVENT_ADAPTER.json_schema()
    types = {
        model["properties"]["type"]["const"]
        for model in schema["$defs"].values()
        if "const" in model.get("properties", {}).get("type", {})
    }
    assert types - DERIVED_TYPES == EVENT_TYPES  # suppliers certify what they can send


def test_given_a_broken_template_then_check_config_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "partners"
    shutil.copytree(PARTNERS, root, ignore=shutil.ignore_patterns("*.md"))
    text = (root / "templates" / "x12-4010-api.yaml").read_text()
    (root / "templates" / "broken.yaml").write_text(
        text.replace('kind: "997"', 'kind: "998"').replace("${ISA_ID}", "${ISA_NUMBER}")
    )

    assert main(["check-config", "--partners", str(root)]) == 1

    err = capsys.readouterr().err
    assert "partners/templates/broken.yaml: ${ISA_NUMBER} is not a known placeholder" in err
    assert "partners/templates/broken.yaml: x12.ack.kind: Input should be" in err
