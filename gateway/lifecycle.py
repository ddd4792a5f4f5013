"""A partner's lifecycle: ``draft -> testing -> live -> suspended``, every change audited.

The profile file holds the status (``status:``) and the database mirrors it for the hot paths
(authentication, the pipeline's hold). A change comes from ``gateway partners promote`` or
``POST /ops/partners/{id}/promote`` (``promote``: checked, then the file's ``status:`` line and
the row change together), or from an operator editing the file and running ``partners sync``
(the same check, by ``transition``). Any status may follow any other, except that going
``live`` waits for the certification checklist (``gateway.certification``) unless an operator
overrides it with a reason. Each change is an ``AuditEntry`` (``partner.status``): who, when,
from what to what, why, and the checklist as it stood.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gateway.certification import Checklist, checklist
from gateway.errors import ConfigurationError
from gateway.partners import (
    STATUSES,
    PartnerProfile,
    default_partners_dir,
    forget_profiles,
    read_profile,
)
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Partner, utcnow

REMOVED = "removed"
"""The status of a partner whose profile was deleted: its messages stay, its keys are refused."""
_STATUS_LINE = re.compile(r"^status:[ \t]*[^\s#]*", re.MULTILINE)


class TransitionRefused(Exception):
    """A status change that may not happen (``str()`` says why, in the operator's words)."""

    def __init__(self, message: str, checklist: Checklist | None = None) -> None:
        super().__init__(message)
        self.checklist = checklist


@dataclass(frozen=True, slots=True)
class Transition:
    partner_id: str
    before: str
    after: str
    actor: str
    reason: str | None
    overridden: bool
    """Went live with the checklist incomplete, on an operator's word (``reason``)."""
    checklist: Checklist | None
    """For a change to ``live``: the checklist as it stood."""


def transition(
    session: Session,
    profile: PartnerProfile,
    row: Partner,
    to: str,
    *,
    actor: str,
    reason: str | None = None,
    override: bool = False,
) -> Transition:
    """Check ``row``'s change to ``to`` and make it, with its audit entry, in ``session``'s
    transaction; ``TransitionRefused`` says why not."""
    before = row.status
    if to not in STATUSES:
        raise TransitionRefused(f"unknown status {to!r}: one of {', '.join(STATUSES)}")
    if before == to:
        raise TransitionRefused(f"partner {row.id} is already {to}")
    found = checklist(session, profile) if to == "live" else None
    overridden = found is not None and not found.complete
    if found is not None and overridden:
        missing = ", ".join(found.missing())
        if not override:
            raise TransitionRefused(
                f"partner {row.id} cannot go live: certification incomplete ({missing} not "
                "passed yet by an accepted test document); an operator may override with a reason",
                found,
            )
        if not (reason or "").strip():
            raise TransitionRefused("going live without certification needs a reason", found)
    row.status, row.updated_at = to, utcnow()
    done = Transition(row.id, before, to, actor, reason, overridden, found)
    session.add(
        AuditEntry(actor=actor[:80], action="partner.status", subject=row.id, detail=_detail(done))
    )
    return done


def _detail(done: Transition) -> dict[str, Any]:
    detail: dict[str, Any] = {"from": done.before, "to": done.after, "reason": done.reason}
    if done.checklist is not None:
        detail["override"] = done.overridden
        detail["checklist"] = {i.label: list(i.message_ids) for i in done.checklist.items}
    return detail


def promote(
    db: Database,
    partner_id: str,
    to: str,
    *,
    actor: str,
    reason: str | None = None,
    override: bool = False,
    partners_dir: Path | None = None,
) -> Transition:
    """Change a registered partner's status: checked (``transition``), then its profile's
    ``status:`` line and its row together (the file is restored if the commit fails).
    ``TransitionRefused`` for an unknown partner too."""
    root = partners_dir or default_partners_dir()
    try:
        profile = read_profile(partner_id, root)
    except ConfigurationError as exc:
        raise TransitionRefused(exc.message) from None
    path = root / f"{partner_id}.yaml"
    original = path.read_text(encoding="utf-8")
    written = False
    try:
        with db.transaction() as session:
            row = session.get(Partner, partner_id, with_for_update=True)
            if row is None or row.status == REMOVED:
                raise TransitionRefused(
                    f"partner {partner_id} is not registered: run gateway partners sync"
                )
            done = transition(
                session, profile, row, to, actor=actor, reason=reason, override=override
            )
            write_atomically(path, with_status(original, to))
            written = True
    except BaseException:
        if written:
            write_atomically(path, original)
        raise
    finally:
        forget_profiles()
    return done


def with_status(text: str, status: str) -> str:
    """A profile's text with its top-level ``status:`` set, comments and layout kept."""
    if _STATUS_LINE.search(text):
        return _STATUS_LINE.sub(f"status: {status}", text, count=1)
    return re.sub(r"^(name:.*\n)", rf"\1status: {status}\n", text, count=1, flags=re.MULTILINE)


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
