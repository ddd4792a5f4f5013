"""``SftpActivity``: what the hosted server saw of each account (``sftp_accounts``), for
``gateway sftp accounts`` and ``GET /ops/sftp/accounts``.

Written as it happens: a login, a refusal (``auth``, ``quota``, ``traversal``, ``status``).
Files handed in are counted in memory and written at most every ``FLUSH_S`` and when the
connection ends (``flush``): a row update per file cost as much as the file's own commit
(``bench/sftp.py``). A failure to write is logged and never fails the partner's session: these
are counters for operators, the stored messages are the record.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from gateway.store.db import Database
from gateway.store.models import SftpAccount, utcnow

log = logging.getLogger("gateway.sftp")

Failure = Literal["auth", "quota", "traversal", "status"]
FLUSH_S = 1.0
_COUNTERS = {"auth": "auth_failures", "quota": "quota_failures", "traversal": "traversal_failures"}


class SftpActivity:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, int, int, datetime]] = {}
        """partner -> (user name, files, bytes, last at), not yet written."""
        self._flushed = time.monotonic()
        self._writing = threading.Lock()
        """Held from taking the counts to writing them: a reader's ``flush`` waits for one
        under way, so it sees those counts written."""

    def login(self, partner_id: str, username: str, address: str | None) -> None:
        def change(row: SftpAccount) -> None:
            row.logins += 1
            row.last_login_at, row.last_login_from = utcnow(), (address or "")[:64]

        self._update(partner_id, username, change)

    def file_received(self, partner_id: str, username: str, size: int) -> None:
        with self._lock:
            _, files, total, _ = self._files.get(partner_id, (username, 0, 0, utcnow()))
            self._files[partner_id] = (username, files + 1, total + size, utcnow())
            due = time.monotonic() - self._flushed >= FLUSH_S
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the file counts gathered since the last flush."""
        with self._writing:
            with self._lock:
                pending, self._files = self._files, {}
                self._flushed = time.monotonic()
            self._write_files(pending)

    def _write_files(self, pending: dict[str, tuple[str, int, int, datetime]]) -> None:
        for partner_id, (username, files, total, last) in pending.items():

            def change(
                row: SftpAccount, files: int = files, total: int = total, last: datetime = last
            ) -> None:
                row.files_received += files
                row.bytes_received += total
                row.last_file_at = last

            self._update(partner_id, username, change)

    def failure(self, partner_id: str, username: str, kind: Failure, reason: str) -> None:
        log.warning("sftp %s (%s): %s refused: %s", username, partner_id, kind, reason)

        def change(row: SftpAccount) -> None:
            counter = _COUNTERS.get(kind)
            if counter is not None:
                setattr(row, counter, getattr(row, counter) + 1)
            row.last_failure = f"{kind}: {reason}"[:500]
            row.last_failure_at = utcnow()

        self._update(partner_id, username, change)

    def accounts(self) -> list[dict[str, Any]]:
        self.flush()
        with self.db.sessions() as session:
            rows = session.execute(select(SftpAccount).order_by(SftpAccount.partner_id))
            return [_view(row) for row in rows.scalars()]

    def _update(self, partner_id: str, username: str, change: Any) -> None:
        for _ in range(2):  # a first row inserted by two sessions at once: the loser retries
            try:
                with self.db.transaction() as session:
                    row = session.get(SftpAccount, partner_id, with_for_update=True)
                    if row is None:
                        row = _new_row(partner_id, username)
                        session.add(row)
                    row.username = username
                    change(row)
                return
            except IntegrityError:
                continue
            except SQLAlchemyError:
                log.exception("recording sftp activity of %s failed", partner_id)
                return


def _new_row(partner_id: str, username: str) -> SftpAccount:
    return SftpAccount(
        partner_id=partner_id,
        username=username,
        logins=0,
        files_received=0,
        bytes_received=0,
        auth_failures=0,
        quota_failures=0,
        traversal_failures=0,
    )


def _view(row: SftpAccount) -> dict[str, Any]:
    def at(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "partner_id": row.partner_id,
        "username": row.username,
        "last_login_at": at(row.last_login_at),
        "last_login_from": row.last_login_from,
        "logins": row.logins,
        "files_received": row.files_received,
        "bytes_received": row.bytes_received,
        "last_file_at": at(row.last_file_at),
        "auth_failures": row.auth_failures,
        "quota_failures": row.quota_failures,
        "traversal_failures": row.traversal_failures,
        "last_failure": row.last_failure,
        "last_failure_at": at(row.last_failure_at),
    }
