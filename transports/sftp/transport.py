"""``SftpTransport``: SFTP as a transport, over the partners' mailboxes (``mailbox``).

Receiving (hosted): the server (``server``, ``session``) calls ``commit`` when a file in a
partner's ``inbound/`` is complete. In this order: the bytes are handed in (committed to the
store, ``transport_message_id`` = ``<name>#<sha-256 prefix>``, so the same file again is a
duplicate and another file under a reused name is not), only then moved to ``archive/`` (or
deleted, as the profile's ``after_commit`` says), then enqueued. A crash between the commit and
the move leaves the file in ``inbound/``: ``recover`` hands it in again at start-up and the
duplicate layers recognise it.

Sending: ``send`` puts our document in the partner's ``outbound/`` (``.name.part`` then a
rename, so the partner never reads a part) and answers ``held``: the partner fetches it. Reading
it to its end, or removing it, acknowledges the outbox item (``acknowledged``). The name is
``<kind>-<outbox id>.edi``: the same for every attempt, so a re-send replaces the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.errors import ConfigurationError, FatalDeliveryError, RetriableDeliveryError
from gateway.partner_sections import SftpSettings
from gateway.partners import default_partners_dir
from gateway.pipeline.inbox import Inbound, Inbox
from gateway.pipeline.outbox import acknowledge_by_transport_id
from gateway.pipeline.receive import Receipt
from gateway.settings import Settings
from transports.base import Outbound, Sent, Transport
from transports.sftp.activity import SftpActivity
from transports.sftp.mailbox import (
    STAGING,
    Mailbox,
    read_whole,
    regular_files,
    write_atomically,
)
from transports.sftp.remote import send_remote

log = logging.getLogger("gateway.sftp")
_OUTBOUND_NAME = re.compile(r"^[0-9A-Za-z]{1,8}-(out_[0-9a-f]{24})\.edi$")


def default_root(settings: Settings | None = None) -> Path:
    """``GATEWAY_SFTP_ROOT``, else ``<data dir>/sftp``: one folder per partner under it."""
    settings = settings or Settings()
    return settings.sftp_root or settings.resolved_data_dir() / "sftp"


class SftpTransport(Transport):
    name = "sftp"

    def __init__(self, inbox: Inbox, root: Path | None = None) -> None:
        super().__init__(inbox)
        self.root = root or default_root()
        self.activity = SftpActivity(inbox.db)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self.open_uploads: set[Path] = set()
        """Files some session has open for writing (``session``): not renamed, not opened twice."""

    def mailbox(self, partner_id: str) -> Mailbox:
        return Mailbox(self.root, partner_id)

    def settings_of(self, partner_id: str) -> SftpSettings | None:
        try:
            return self.inbox.profile(partner_id).transports.sftp
        except ConfigurationError:
            return None

    # --- sending ---------------------------------------------------------------------------

    def send(self, outbound: Outbound) -> Sent:
        settings = self.settings_of(outbound.partner_id)
        if settings is None or not settings.enabled:
            raise FatalDeliveryError(
                f"partner {outbound.partner_id!r} has no enabled SFTP in its profile",
                partner_id=outbound.partner_id,
            )
        if settings.mode == "remote":  # their server: upload under a temporary name, rename
            return send_remote(
                settings, self.inbox.partners_dir or default_partners_dir(), outbound
            )
        return self._hold(outbound)

    def _hold(self, outbound: Outbound) -> Sent:
        mailbox = self.mailbox(outbound.partner_id)
        filename = outbound_name(outbound)
        try:
            mailbox.ensure()
            write_atomically(mailbox.folder("outbound"), filename, outbound.payload)
        except OSError as exc:  # a full disk, a permission: an operator fixes it, we retry
            raise RetriableDeliveryError(
                f"writing outbound/{filename} failed: {exc}", partner_id=outbound.partner_id
            ) from exc
        return Sent("held", f"in the partner's SFTP outbound/{filename}", filename)

    def fetched(self, partner_id: str, filename: str) -> str | None:
        """The partner read ``outbound/filename`` to its end, or removed it: its outbox item is
        acknowledged. Returns the item id (None: a file the outbox did not send)."""
        match = _OUTBOUND_NAME.match(filename)
        item = acknowledge_by_transport_id(
            self.inbox.db, self.name, filename, item_hint=match.group(1) if match else None
        )
        if item is not None:
            log.info("sftp %s fetched outbound/%s: %s acknowledged", partner_id, filename, item)
        return item

    # --- receiving -------------------------------------------------------------------------

    def commit(
        self, partner_id: str, name: str, meta: Mapping[str, Any] | None = None
    ) -> Receipt | None:
        """Hand in the complete file ``inbound/name`` of ``partner_id``, then archive or delete
        it, then enqueue. None when the file is gone (another commit took it first)."""
        mailbox = self.mailbox(partner_id)
        path = mailbox.folder("inbound") / name
        with self._lock(partner_id):
            try:
                raw = read_whole(path)
            except FileNotFoundError:
                return None
            digest = hashlib.sha256(raw).hexdigest()
            receipt = self.hand_in(
                Inbound(
                    partner_id,
                    self.name,
                    raw,
                    content_type_of(name),
                    transport_message_id=f"{name}#{digest[:32]}",
                    meta={"filename": name, "sha256": digest, "size": len(raw), **(meta or {})},
                )
            )
            self._after_commit(partner_id, mailbox, name, receipt)
        username = str((meta or {}).get("username", ""))
        self.activity.file_received(partner_id, username, len(raw))
        self.inbox.enqueue(receipt)
        return receipt

    def _after_commit(self, partner_id: str, mailbox: Mailbox, name: str, receipt: Receipt) -> None:
        settings = self.settings_of(partner_id)
        source = mailbox.folder("inbound") / name
        if settings is not None and settings.after_commit == "delete":
            source.unlink(missing_ok=True)
            return
        target = mailbox.folder("archive") / name
        if os.path.lexists(target):  # the same name again: keep both
            target = target.with_name(f"{name}.{receipt.message_id}")
        os.replace(source, target)

    def recover(self) -> int:
        """At start-up: drop uploads a crash cut short (staging names, never complete) and hand
        in every complete file still in an ``inbound/``. Returns how many were handed in."""
        taken = 0
        if not self.root.is_dir():
            return 0
        for home in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.is_symlink()):
            inbound = home / "inbound"
            settings = self.settings_of(home.name)
            if settings is None or not inbound.is_dir() or inbound.is_symlink():
                continue
            for entry in os.scandir(inbound):
                if entry.name.startswith(STAGING):
                    os.unlink(entry.path)
            for entry in regular_files(inbound):
                if not is_temporary(entry.name, settings.temp_suffixes):
                    receipt = self.commit(home.name, entry.name, {"recovered": True})
                    taken += receipt is not None
        if taken:
            log.info("sftp: %d file(s) left in inbound/ were handed in at start-up", taken)
        self.activity.flush()
        return taken

    def claim_upload(self, path: Path) -> bool:
        """One writer per file: False when another session has ``path`` open for writing."""
        with self._locks_lock:
            if path in self.open_uploads:
                return False
            self.open_uploads.add(path)
            return True

    def release_upload(self, path: Path) -> None:
        with self._locks_lock:
            self.open_uploads.discard(path)

    def is_uploading(self, path: Path) -> bool:
        with self._locks_lock:
            return path in self.open_uploads

    def _lock(self, partner_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(partner_id, threading.Lock())


def outbound_name(outbound: Outbound) -> str:
    kind = re.sub(r"[^0-9A-Za-z]", "", outbound.kind)[:8] or "doc"
    return f"{kind}-{outbound.id}.edi"


def is_temporary(name: str, suffixes: tuple[str, ...]) -> bool:
    return name.endswith(suffixes)


def content_type_of(name: str) -> str:
    return "application/json" if name.lower().endswith(".json") else "application/edi-x12"
