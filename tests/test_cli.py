"""``gateway`` CLI: one JSON object out, exit 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway_app.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "demo-supplier"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["translate", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_given_clean_file_when_translated_then_exit_0_and_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, str(SAMPLES / "856-SOPI-4010.edi"), "--partner", "demo-supplier")
    assert code == 0
    assert [d["type"] for d in out["documents"]] == ["ship_notice"]  # type: ignore[index]
    assert [a["kind"] for a in out["acknowledgments"]] == ["997"]  # type: ignore[index]
    assert out["errors"] == []


def test_given_rejected_file_when_translated_then_exit_1_with_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, str(SAMPLES / "broken" / "856-se-count-wrong.edi"), "--indent", "0")
    assert code == 1
    assert out["documents"] == [] and out["errors"]


def test_given_missing_file_when_translated_then_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "/nonexistent/file.edi"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_given_bad_arguments_then_exit_2() -> None:
    assert main(["translate"]) == 2
    assert main(["frobnicate"]) == 2


def test_given_stdin_and_installed_script_when_run_then_same_output() -> None:
    data = (SAMPLES / "855-accepted-4010.edi").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "gateway_app", "translate", "-", "--indent", "0"],
        input=data,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["documents"][0]["document"]["po_number"] == "4500012345"


def test_check_config_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def test_given_another_partners_file_when_translated_for_a_partner_then_the_identity_finding_is_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    acme = SAMPLES.parent / "acme-fasteners" / "856-acme-4010.edi"

    code, out = run(capsys, str(acme), "--partner", "demo-supplier", "--indent", "0")

    assert code == 1 and out["documents"] == []
    [error] = out["errors"]  # type: ignore[misc]
    assert error["ta1_code"] == "006"
    expected = "ISA06 'ACMEFAST' is not your sender id (expected one of: ZZ/DEMOSUPPLIER)"
    assert expected in error["message"]
    assert "*R*006~" in out["acknowledgments"][0]["edi"]  # type: ignore[index]


def test_given_another_partners_file_without_partner_then_no_identity_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    acme = SAMPLES.parent / "acme-fasteners" / "856-acme-4010.edi"

    code, out = run(capsys, str(acme), "--indent", "0")

    assert code == 0 and out["errors"] == []
