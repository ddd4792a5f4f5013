"""``gateway partners test ID FILE``: a file translated as the partner's messages are today,
compared with the previous version of its maps, with nothing stored.

Today's set is read from the files and checked whole, as live reload would take it in; the
previous map version is the latest other one in the history (``history``), its files laid out in
a temporary folder and used in place of today's maps. The two outputs are compared as sorted,
indented JSON in a unified diff.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gateway.live.history import KnownVersion, previous_map_version
from gateway.live.snapshot import ExtraCheck, read_snapshot
from gateway.partners import PartnerProfile, holds_from_erp
from gateway.pipeline.batch_run import translate_options
from gateway.pipeline.config import ProcessConfig
from gateway.pipeline.translate import TranslationResult, translate_bytes
from gateway.store.db import Database
from gateway.store.models import Partner
from gateway.x12.acks.reply_envelope import MemoryControlNumbers


@dataclass(slots=True)
class TrialResult:
    problems: list[str] = field(default_factory=list)
    """Why nothing was translated: the profiles and maps as they are would not be taken in."""
    output: dict[str, Any] = field(default_factory=dict)
    accepted: bool = False
    previous: KnownVersion | None = None
    diff: list[str] = field(default_factory=list)
    """Unified diff lines, previous -> today (empty: the same output, or no previous version)."""


def trial(
    raw: bytes,
    partner_id: str,
    config: ProcessConfig,
    db: Database,
    extra_checks: tuple[ExtraCheck, ...] = (),
) -> TrialResult:
    """Translate ``raw`` as ``partner_id``'s today; read-only on ``db``."""
    assert config.partners_dir is not None and config.maps_dir is not None
    snapshot, problems = read_snapshot(
        config.partners_dir, config.maps_dir, config.our_ids, extra_checks
    )
    if snapshot is None:
        return TrialResult(problems=problems)
    profile = snapshot.profile(partner_id)
    if profile is None:
        return TrialResult(problems=[f"no partner profile {partner_id!r} in {config.partners_dir}"])
    version = snapshot.map_version(partner_id)
    with tempfile.TemporaryDirectory(prefix="gateway-trial-") as folder:
        today_maps = Path(folder) / "today"
        _lay_out(today_maps, snapshot.map_files(partner_id))
        result = _translate(raw, profile, replace(config, maps_dir=today_maps))
        status = _status(db, profile)
        output = {
            "partner_id": partner_id,
            "status": status,
            "profile_version": snapshot.profile_version(partner_id),
            "map_version": version,
            "outcome": "translated" if result.ok else "rejected",
            "to_erp": [
                "held (test document)"
                if holds_from_erp(status, profile.test_indicator, e.source.test)
                else "delivered"
                for e in result.documents
            ],
            **result.as_json(),
        }
        found = TrialResult(output=output, accepted=result.ok)
        found.previous = previous_map_version(db, partner_id, version)
        if found.previous is not None:
            old_maps = Path(folder) / "previous"
            _lay_out(old_maps, found.previous.files)
            before = _translate(raw, profile, replace(config, maps_dir=old_maps))
            found.diff = list(
                difflib.unified_diff(
                    _lines(before),
                    _lines(result),
                    f"map version {found.previous.version}",
                    f"map version {version}",
                    lineterm="",
                )
            )
    return found


def _translate(raw: bytes, profile: PartnerProfile, config: ProcessConfig) -> TranslationResult:
    options = translate_options(profile, profile.id, config)
    return translate_bytes(raw, options=options, counters=MemoryControlNumbers())


def _lay_out(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "base").mkdir(parents=True, exist_ok=True)


def _lines(result: TranslationResult) -> list[str]:
    documents = [d.model_dump(mode="json") for d in result.documents]
    return json.dumps(documents, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _status(db: Database, profile: PartnerProfile) -> str:
    """The partner's status in the database (what processing goes by), else its profile's."""
    with db.sessions() as session:
        row = session.get(Partner, profile.id)
    return row.status if row is not None else profile.status
