"""What operators see of the polls: ``gateway sftp polls`` / ``poll ID`` and ``GET /ops/sftp/polls``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway_app.sftp_commands import run_sftp
from tests.transports.harness import ADMIN_TOKEN, SAMPLE_856, bearer
from tests.transports.sftp_remote.conftest import Polling, keygen


def test_cli_polls_one_partner_now_and_lists_the_polls(
    polling: Polling, capsys: pytest.CaptureFixture[str]
) -> None:
    polling.peer.drop("856-x.edi", SAMPLE_856.read_bytes())
    runtime = polling.gateway.runtime
    assert run_sftp(runtime, argparse.Namespace(action="poll", partner_id="demo-supplier")) == 0
    assert "demo-supplier: 1 file(s) seen, 0 taken" in capsys.readouterr().out  # seen once
    assert run_sftp(runtime, argparse.Namespace(action="poll", partner_id="acme-fasteners")) == 2
    assert "no enabled SFTP of mode remote" in capsys.readouterr().err
    assert run_sftp(runtime, argparse.Namespace(action="polls", json=True)) == 0
    (row,) = json.loads(capsys.readouterr().out)["polls"]
    assert row["partner_id"] == "demo-supplier" and row["enabled"] is True
    assert (row["polls"], row["files_seen"], row["files_taken"], row["errors"]) == (1, 1, 0, 0)
    assert run_sftp(runtime, argparse.Namespace(action="polls", json=False)) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["partner", "server", "last"]


def test_ops_shows_a_host_key_mismatch_with_its_text(polling: Polling, tmp_path: Path) -> None:
    polling.peer.stop()
    polling.peer.start(keygen(tmp_path / "host_other"))
    outcome = polling.poll(host_key="SHA256:" + "A" * 43)
    assert outcome.error_kind == "host_key"
    with TestClient(polling.gateway.app) as client:
        answer = client.get("/ops/sftp/polls", headers=bearer(ADMIN_TOKEN))
    assert answer.status_code == 200
    (row,) = answer.json()["polls"]
    assert row["last_error_kind"] == "host_key" and row["errors"] == 1
    assert "presented host key" in row["last_error"] and "refused" in row["last_error"]
    assert row["last_ok_at"] is None and row["lease_owner"] is None
