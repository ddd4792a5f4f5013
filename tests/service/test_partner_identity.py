"""Partner identity in the running service: profiles that clash are never loaded (``partners
sync``, ``gateway run``), and a partner whose profile cannot be read gets no unchecked processing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from gateway.errors import ConfigurationError
from gateway.partner_store import sync_partners
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.process import process
from gateway.pipeline.receive import receive
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import InboundMessage, Partner
from gateway_app.server import serve
from tests.support.documents import numbered_asn

SHIPPED = Path(__file__).resolve().parents[2] / "partners"


def clashing_partners(tmp_path: Path) -> Path:
    root = tmp_path / "partners"
    shutil.copytree(SHIPPED, root, ignore=shutil.ignore_patterns("templates", "*.md"))
    clone = {"id": "spinoff", "name": "Spinoff", "x12": {"qualifier": "ZZ", "id": "DEMOSUPPLIER"}}
    (root / "spinoff.yaml").write_text(yaml.safe_dump(clone))
    return root


def test_given_two_profiles_claiming_one_sender_id_when_synced_then_nothing_is_loaded(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, partners_dir=clashing_partners(tmp_path))  # type: ignore[call-arg]
    runtime = Runtime.from_settings(settings)
    try:
        problems = sync_partners(runtime.db, settings.partners_dir)

        assert problems == [
            "spinoff.yaml: x12.sender_ids.0: ZZ/DEMOSUPPLIER is already a sender id of demo-supplier"
        ]
        with runtime.db.sessions() as session:
            assert session.scalars(select(Partner.id)).all() == []
    finally:
        runtime.close()


def test_given_two_profiles_claiming_one_sender_id_when_the_gateway_starts_then_it_refuses(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, partners_dir=clashing_partners(tmp_path))  # type: ignore[call-arg]

    with pytest.raises(ConfigurationError, match="1 partner profile or map problem"):
        serve(settings)


def test_given_a_partner_whose_profile_became_unreadable_when_processed_then_it_fails_unchecked_never(
    runtime: Runtime, tmp_path: Path
) -> None:
    root = tmp_path / "partners"
    root.mkdir()
    (root / "demo-supplier.yaml").write_text("id: demo-supplier\nname: [unterminated\n")
    config = ProcessConfig(connectors=("memory",), partners_dir=root)
    stored = receive(runtime.db, partner_id="demo-supplier", transport="http", raw=numbered_asn(7))

    with pytest.raises(ConfigurationError, match="demo-supplier"):
        process(runtime.db, stored.message_id, config)

    with runtime.db.sessions() as session:
        message = session.get(InboundMessage, stored.message_id)
        assert message is not None and message.status == "received"  # nothing recorded
