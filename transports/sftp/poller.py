"""The poller of a supplier's SFTP server (mode ``remote``): one poll of one partner.

A poll, in this order:

1. take the partner's lease (``partner_polls``): one poll of a partner at a time, however many
   workers run the schedule; a lease left by a dead worker expires after ``LEASE_S``;
2. connect, the host key pinned (``remote.connect``), and list ``inbox``;
3. for each name matching ``pattern`` and complete, ``stable`` (size and mtime unchanged since
   an earlier poll, for ``stable_seconds``) or ``rename`` (no temporary suffix), download it and
   commit it (``Inbox.receive``, ``transport_message_id`` = ``remote:<path>#<sha-256 prefix>``);
4. record it taken (``remote_files``: path, digest, message), and only then move it to
   ``archive`` or delete it remotely; then enqueue.

A crash after 3 leaves the file on their server. The next poll downloads it again: if the
record of 4 was written and the digest is the same, the file is only removed; if not, the
duplicate layers of ``receive`` recognise the same ``transport_message_id`` (and the same
interchange). Either way one message is processed, one event posted.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import paramiko
from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from gateway.errors import ConfigurationError
from gateway.partner_sections import SftpSettings
from gateway.partners import read_profile
from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.receive import Receipt
from gateway.store.db import Database
from gateway.store.models import InboundMessage, PartnerPoll, RemoteFile, utcnow
from transports.sftp.remote import RemoteError, connect, remote_errors

log = logging.getLogger("gateway.sftp.poller")
LEASE_S = 600
TRANSPORT_ID_MAX = 255


@dataclass
class PollOutcome:
    partner_id: str
    ran: bool
    """False: another worker holds the partner's lease."""
    seen: int = 0
    taken: int = 0
    error_kind: str | None = None
    error: str | None = None


Hook = Callable[[str], None]


class SftpPoller:
    """Polls partners' servers into ``inbox``; ``owner`` names this worker in the lease."""

    def __init__(self, db: Database, inbox: Inbox, owner: str) -> None:
        self.db, self.inbox, self.owner = db, inbox, owner
        self.after_commit: Hook | None = None
        """Called between the commit and the remote move (tests crash there)."""

    # --- the lease -------------------------------------------------------------------------
    def acquire(self, partner_id: str, now: datetime | None = None) -> bool:
        now = now or utcnow()
        try:
            with self.db.transaction() as session:
                if session.get(PartnerPoll, partner_id) is None:
                    session.add(
                        PartnerPoll(
                            partner_id=partner_id, polls=0, files_seen=0, files_taken=0, errors=0
                        )
                    )
        except IntegrityError:
            pass  # another worker made the row first
        with self.db.transaction() as session:
            taken = session.execute(
                update(PartnerPoll)
                .where(
                    PartnerPoll.partner_id == partner_id,
                    or_(
                        PartnerPoll.lease_until.is_(None),
                        PartnerPoll.lease_until < now,
                        PartnerPoll.lease_owner == self.owner,
                    ),
                )
                .values(lease_owner=self.owner, lease_until=now + timedelta(seconds=LEASE_S))
            )
            return bool(taken.rowcount == 1)  # type: ignore[attr-defined]

    def _finish(self, outcome: PollOutcome) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            row = session.get(PartnerPoll, outcome.partner_id)
            assert row is not None
            row.lease_owner = row.lease_until = None
            row.polls += 1
            row.last_poll_at = now
            row.files_seen += outcome.seen
            row.files_taken += outcome.taken
            if outcome.error_kind is None:
                row.last_ok_at = now
            else:
                row.errors += 1
                row.last_error_kind = outcome.error_kind
                row.last_error = (outcome.error or "")[:500]
                row.last_error_at = now

    # --- a poll ----------------------------------------------------------------------------
    def poll(self, partner_id: str, settings: SftpSettings, partners_dir: Path) -> PollOutcome:
        """One poll now, if no other worker is polling this partner."""
        if not self.acquire(partner_id):
            return PollOutcome(partner_id, ran=False)
        outcome = PollOutcome(partner_id, ran=True)
        try:
            with connect(settings, partners_dir) as client, remote_errors(settings):
                self._poll(client, partner_id, settings, outcome)
        except RemoteError as exc:
            outcome.error_kind, outcome.error = exc.kind, str(exc)
            log.error("sftp poll of %s: %s refused: %s", partner_id, exc.kind, exc)
        except Exception as exc:  # the schedule goes on; the operator sees it in /ops
            outcome.error_kind, outcome.error = "internal", f"{type(exc).__name__}: {exc}"
            log.exception("sftp poll of %s failed", partner_id)
        finally:
            self._finish(outcome)
        return outcome

    def _poll(
        self,
        client: paramiko.SFTPClient,
        partner_id: str,
        settings: SftpSettings,
        outcome: PollOutcome,
    ) -> None:
        folder = settings.inbox.rstrip("/") or ""
        listed = {
            f"{folder}/{entry.filename}": entry
            for entry in client.listdir_attr(settings.inbox)
            if stat.S_ISREG(entry.st_mode or 0)
            and fnmatch.fnmatchcase(entry.filename, settings.pattern)
            and not entry.filename.endswith(tuple(settings.temp_suffixes))
        }
        outcome.seen = len(listed)
        with self.db.transaction() as session:  # files gone from their server: forget them
            session.execute(
                delete(RemoteFile).where(
                    RemoteFile.partner_id == partner_id, RemoteFile.path.not_in(list(listed))
                )
            )
        for path, entry in sorted(listed.items()):
            complete = self._complete(partner_id, settings, path, entry)
            if complete and self._take(client, partner_id, settings, path, entry):
                outcome.taken += 1

    def _complete(
        self, partner_id: str, settings: SftpSettings, path: str, entry: paramiko.SFTPAttributes
    ) -> bool:
        """Whether ``path`` is whole; records what this poll saw of it."""
        size, mtime, now = entry.st_size or 0, int(entry.st_mtime or 0), utcnow()
        with self.db.transaction() as session:
            row = session.get(RemoteFile, (partner_id, path))
            if row is None:
                session.add(
                    RemoteFile(
                        partner_id=partner_id, path=path, size=size, mtime=mtime, stable_since=now
                    )
                )
                return settings.completion == "rename"
            if (row.size, row.mtime) != (size, mtime):
                row.size, row.mtime, row.stable_since = size, mtime, now
                row.sha256 = row.message_id = row.taken_at = None
                return settings.completion == "rename"
            if row.taken_at is not None or settings.completion == "rename":
                return True
            since = (
                row.stable_since
                if row.stable_since.tzinfo
                else row.stable_since.replace(tzinfo=now.tzinfo)
            )
            return (now - since).total_seconds() >= settings.stable_seconds

    def _take(
        self,
        client: paramiko.SFTPClient,
        partner_id: str,
        settings: SftpSettings,
        path: str,
        entry: paramiko.SFTPAttributes,
    ) -> bool:
        if (entry.st_size or 0) > settings.max_file_bytes:
            raise RemoteError(
                "quota",
                f"{path}: {entry.st_size} bytes, over max_file_bytes "
                f"({settings.max_file_bytes}): left on their server",
            )
        with client.open(path, "rb") as handle:
            handle.prefetch(entry.st_size)
            raw = handle.read()
        if len(raw) != entry.st_size:
            return False  # it changed under us: the next poll sees it again
        digest = hashlib.sha256(raw).hexdigest()
        with self.db.sessions() as session:
            row = session.get(RemoteFile, (partner_id, path))
            known = row.message_id if row and row.taken_at and row.sha256 == digest else None
            stored = session.get(InboundMessage, known) if known else None
            pending = stored is not None and stored.status == "received"
        if known:  # committed by an earlier poll that died before the remote move
            log.info("sftp poll of %s: %s already stored as %s", partner_id, path, known)
            self._remove(client, partner_id, settings, path)
            if pending:  # it died before the enqueue too (the sweep would catch it later)
                self.inbox.enqueue(Receipt(known, "received"))
            return False
        tmid = f"remote:{path}"[: TRANSPORT_ID_MAX - 17] + "#" + digest[:16]
        receipt = self.inbox.receive(
            Inbound(
                partner_id,
                "sftp",
                raw,
                "application/edi-x12",
                transport_message_id=tmid,
                meta={"remote_host": settings.host, "remote_path": path},
            )
        )
        with self.db.transaction() as session:
            row = session.get(RemoteFile, (partner_id, path))
            if row is not None:
                row.sha256, row.message_id, row.taken_at = digest, receipt.message_id, utcnow()
        if self.after_commit is not None:
            self.after_commit(path)
        self._remove(client, partner_id, settings, path)
        self.inbox.enqueue(receipt)
        return receipt.needs_processing

    def _remove(
        self, client: paramiko.SFTPClient, partner_id: str, settings: SftpSettings, path: str
    ) -> None:
        if settings.after_commit == "delete":
            client.remove(path)
        else:
            archive = settings.archive or f"{settings.inbox.rstrip('/')}/archive"
            try:
                client.stat(archive)
            except FileNotFoundError:
                client.mkdir(archive)
            name = path.rsplit("/", 1)[-1]
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
            client.posix_rename(path, f"{archive.rstrip('/')}/{name}.{stamp}")
        with self.db.transaction() as session:  # gone from their server: forget it
            session.execute(
                delete(RemoteFile).where(
                    RemoteFile.partner_id == partner_id, RemoteFile.path == path
                )
            )


def polled_partners(partners_dir: Path) -> dict[str, SftpSettings]:
    """Partners whose profile says: poll their server (``transports.sftp``, mode remote)."""
    found = {}
    for path in sorted(partners_dir.glob("*.yaml")):
        try:
            sftp = read_profile(path.stem, partners_dir).transports.sftp
        except ConfigurationError:
            continue  # reported by check-config and at start-up
        if sftp is not None and sftp.enabled and sftp.mode == "remote":
            found[path.stem] = sftp
    return found


def polled_servers(partners_dir: Path) -> dict[str, dict[str, Any]]:
    """What ``gateway.queries.sftp_polls.poll_rows`` shows of each polled partner's profile."""
    return {
        partner_id: {
            "server": f"{s.host}:{s.port}",
            "inbox": s.inbox,
            "poll_interval_s": s.poll_interval_s,
        }
        for partner_id, s in polled_partners(partners_dir).items()
    }
