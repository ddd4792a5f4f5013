"""One authenticated SFTP session on a partner's ``Mailbox``: what each request may do.

::

    /inbound   write new files, rename a temporary name (*.part, *.tmp) to a final one,
               remove its own temporary files; list; never read
    /outbound  read (to the end: the outbox item is acknowledged), remove (acknowledged); list
    /archive   read, list
    anything else, mkdir, rmdir, symlink, readlink: refused

When a file becomes a document: a file written under a final name is staged under a hidden name
(``mailbox.STAGING``) and renamed into place only when the client closes it, then committed
(``SftpTransport.commit``) before the close is answered: the client's ``OK`` means stored, and a
failed commit answers ``Failure`` (the file stays in ``inbound/`` for ``recover``). A file
written under a temporary name is committed when renamed to a final one. A connection that drops
with files open (the client killed mid-upload) ends in ``finish_subsystem``, where paramiko
closes the handles: ours are marked aborted first, so a half-written file is deleted, never
handed in (a temporary one stays, for a client that resumes it).

Errors a partner causes are answered with SFTP status codes and counted (``SftpActivity``):
``..`` in a path, a symlink request (``traversal``), a file over ``max_file_bytes`` or an
``inbound/`` already holding ``max_files`` (``quota``).
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import paramiko
from paramiko.sftp import (
    CMD_CLOSE,
    SFTP_FAILURE,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_PERMISSION_DENIED,
)
from paramiko.sftp_attr import SFTPAttributes

from transports.sftp.accounts import Account
from transports.sftp.mailbox import FOLDERS, NOFOLLOW, STAGING, Mailbox, PathRefused, Place
from transports.sftp.mailbox import regular_files as visible_files
from transports.sftp.transport import SftpTransport, is_temporary

log = logging.getLogger("gateway.sftp")
OK: int = SFTP_OK
DENIED: int = SFTP_PERMISSION_DENIED
MISSING: int = SFTP_NO_SUCH_FILE
FAILURE: int = SFTP_FAILURE
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_ANSWERS: dict[str, int] = {"traversal": DENIED, "missing": MISSING, "denied": DENIED}


class MailboxSftp(paramiko.SFTPServerInterface):
    """paramiko makes one per SFTP session, with the connection's ``Login`` as ``server``."""

    def __init__(self, server: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        account: Account = server.account
        self.account = account
        self.sftp: SftpTransport = server.sftp
        self.address: str = server.address
        self.mailbox: Mailbox = self.sftp.mailbox(account.partner_id)
        self.mailbox.ensure()

    # --- paths -------------------------------------------------------------------------------

    def _place(self, path: str) -> Place:
        return self.mailbox.resolve(path)

    def _refused(self, exc: PathRefused) -> int:
        if exc.kind == "traversal":
            self._count("traversal", exc.reason)
        return _ANSWERS[exc.kind]

    def _count(self, kind: Any, reason: str) -> None:
        self.sftp.activity.failure(self.account.partner_id, self.account.username, kind, reason)

    def canonicalize(self, path: str) -> str:
        parts: list[str] = []
        for part in path.split("/"):
            if part == "..":
                if parts:  # above the root stays at the root (clients ask for ".." of "/")
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/" + "/".join(parts)

    # --- listing and attributes --------------------------------------------------------------

    def list_folder(self, path: str) -> list[SFTPAttributes] | int:
        try:
            place = self._place(path)
        except PathRefused as exc:
            return self._refused(exc)
        if place.folder is None:
            return [_attributes(os.lstat(self.mailbox.folder(f)), f) for f in FOLDERS]
        if place.is_file:
            return MISSING
        found = []
        for entry in visible_files(place.path):
            try:
                found.append(_attributes(entry.stat(follow_symlinks=False), entry.name))
            except FileNotFoundError:
                continue  # committed and moved while we listed
        return found

    def stat(self, path: str) -> SFTPAttributes | int:
        try:
            place = self._place(path)
            info = os.lstat(place.path)
        except PathRefused as exc:
            return self._refused(exc)
        except FileNotFoundError:
            return MISSING
        if place.is_file and not stat.S_ISREG(info.st_mode):
            return MISSING  # a link someone planted is not there for the partner
        return _attributes(info, place.name or place.folder or "/")

    lstat = stat

    def chattr(self, path: str, attr: SFTPAttributes) -> int:
        result = self.stat(path)  # times and modes are ours: accepted, not applied
        return result if isinstance(result, int) else OK

    # --- files ---------------------------------------------------------------------------------

    def open(self, path: str, flags: int, attr: SFTPAttributes) -> paramiko.SFTPHandle | int:
        try:
            place = self._place(path)
        except PathRefused as exc:
            return self._refused(exc)
        if not place.is_file or place.name is None:
            return DENIED
        if flags & _WRITING:
            if place.folder != "inbound":
                return DENIED
            return self._open_upload(place, place.name, flags)
        if place.folder == "inbound":
            return DENIED
        try:  # never through a link, never blocking on a planted FIFO
            fd = os.open(place.path, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK)
        except OSError:  # missing, or ELOOP: a link
            return MISSING
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return MISSING
        return DownloadHandle(self, fd, place)

    def _open_upload(self, place: Place, name: str, flags: int) -> paramiko.SFTPHandle | int:
        settings = self.account.settings
        temporary = is_temporary(name, settings.temp_suffixes)
        if not temporary and os.path.lexists(place.path):
            return FAILURE  # a complete file waiting to be stored: never overwritten
        if not os.path.lexists(place.path) and self._inbound_full():
            return FAILURE
        target = (
            place.path
            if temporary
            else place.path.with_name(f"{STAGING}{secrets.token_hex(6)}-{name}")
        )
        if not self.sftp.claim_upload(place.path):
            return FAILURE  # another session is writing it
        open_flags = os.O_WRONLY | os.O_CREAT | NOFOLLOW
        open_flags |= (flags & (os.O_TRUNC | os.O_APPEND)) if temporary else os.O_EXCL
        try:
            fd = os.open(target, open_flags, 0o600)
        except OSError:
            self.sftp.release_upload(place.path)
            return FAILURE
        return UploadHandle(self, fd, target, place.path, None if temporary else name)

    def _inbound_full(self) -> bool:
        limit = self.account.settings.max_files
        with os.scandir(self.mailbox.folder("inbound")) as entries:
            waiting = sum(1 for _ in entries)
        if waiting >= limit:
            self._count("quota", f"inbound/ holds {waiting} files (max_files {limit})")
            return True
        return False

    def remove(self, path: str) -> int:
        try:
            place = self._place(path)
        except PathRefused as exc:
            return self._refused(exc)
        name = place.name
        if name is None:
            return DENIED
        allowed = place.folder == "outbound" or (
            place.folder == "inbound" and is_temporary(name, self.account.settings.temp_suffixes)
        )
        if not allowed or self.sftp.is_uploading(place.path):
            return DENIED
        try:
            os.unlink(place.path)
        except FileNotFoundError:
            return MISSING
        if place.folder == "outbound":
            self.sftp.fetched(self.account.partner_id, name)
        return OK

    def rename(self, oldpath: str, newpath: str) -> int:
        try:
            old, new = self._place(oldpath), self._place(newpath)
        except PathRefused as exc:
            return self._refused(exc)
        suffixes = self.account.settings.temp_suffixes
        if (old.folder, new.folder) != ("inbound", "inbound") or old.name is None:
            return DENIED
        if new.name is None or not is_temporary(old.name, suffixes):
            return DENIED  # only an upload under a temporary name is renamed into place
        if self.sftp.is_uploading(old.path) or not os.path.lexists(old.path):
            return MISSING if not os.path.lexists(old.path) else FAILURE
        if self.sftp.is_uploading(new.path) or os.path.islink(old.path):
            return FAILURE
        if not move_into_place(old.path, new.path):
            return FAILURE  # a file waiting under that name is never replaced
        if is_temporary(new.name, suffixes):
            return OK
        return self._commit(new.name)

    posix_rename = rename

    def _commit(self, name: str) -> int:
        try:
            self.sftp.commit(
                self.account.partner_id,
                name,
                {"username": self.account.username, "client": self.address},
            )
        except Exception:
            log.exception("sftp %s: storing inbound/%s failed", self.account.partner_id, name)
            return FAILURE  # it stays in inbound/: recover() takes it at the next start
        return OK

    def mkdir(self, path: str, attr: SFTPAttributes) -> int:
        return DENIED

    def rmdir(self, path: str) -> int:
        return DENIED

    def symlink(self, target_path: str, path: str) -> int:
        self._count("traversal", f"symlink {path!r} -> {target_path!r} refused")
        return DENIED

    def readlink(self, path: str) -> str | int:
        return DENIED


class UploadHandle(paramiko.SFTPHandle):
    """A file being written in ``inbound/``: at ``target`` (a staging name, or the temporary
    name itself), becoming ``final`` (None: a temporary upload) on a clean close."""

    def __init__(
        self, session: MailboxSftp, fd: int, target: Path, claimed: Path, final: str | None
    ) -> None:
        super().__init__()
        self.session, self.fd, self.target, self.claimed, self.final = (
            session,
            fd,
            target,
            claimed,
            final,
        )
        self.aborted = False
        """The connection dropped with the file open: a final name is dropped, a temporary
        one kept (a client may resume it)."""
        self.spoiled = False
        """A write failed: the file is dropped whatever its name."""
        self.closed = False
        self.limit = session.account.settings.max_file_bytes

    def write(self, offset: int, data: bytes) -> int:  # type: ignore[override]
        if self.spoiled:
            return FAILURE
        if offset + len(data) > self.limit:
            self.session._count("quota", f"{self.claimed.name}: over {self.limit} bytes")
            self.spoiled = True  # never completed, whatever the client does next
            return FAILURE
        view, written = memoryview(data), 0
        try:
            while written < len(data):
                written += os.pwrite(self.fd, view[written:], offset + written)
        except OSError:  # a full disk: this upload is lost, the client is told
            log.exception(
                "sftp %s: writing %s failed", self.session.account.partner_id, self.target
            )
            self.spoiled = True
            return FAILURE
        return OK

    def read(self, offset: int, length: int) -> bytes | int:
        return DENIED

    def stat(self) -> SFTPAttributes | int:
        return _attributes(os.fstat(self.fd), self.claimed.name)

    def chattr(self, attr: SFTPAttributes) -> int:
        return OK

    def close(self) -> int:  # type: ignore[override]
        if self.closed:
            return OK
        self.closed = True
        try:
            os.close(self.fd)
            if self.spoiled:
                os.unlink(self.target)
                return FAILURE
            if self.final is None:  # temporary: completed by a rename, kept when aborted
                return OK
            if self.aborted:
                os.unlink(self.target)
                log.warning(
                    "sftp %s: upload of inbound/%s cut off: dropped",
                    self.session.account.partner_id,
                    self.final,
                )
                return FAILURE
            if not move_into_place(self.target, self.claimed):
                os.unlink(self.target)
                return FAILURE
        finally:
            self.session.sftp.release_upload(self.claimed)
        return self.session._commit(self.final)


class DownloadHandle(paramiko.SFTPHandle):
    """A file read from ``outbound/`` or ``archive/``; an ``outbound/`` file read to its end
    acknowledges its outbox item on close."""

    def __init__(self, session: MailboxSftp, fd: int, place: Place) -> None:
        super().__init__()
        self.session, self.fd, self.place = session, fd, place
        self.size = os.fstat(fd).st_size
        self.ranges: dict[int, int] = {}
        self.closed = False

    def read(self, offset: int, length: int) -> bytes | int:
        data = os.pread(self.fd, length, offset)
        if data:
            self.ranges[offset] = max(self.ranges.get(offset, 0), len(data))
        return data

    def write(self, offset: int, data: bytes) -> int:  # type: ignore[override]
        return DENIED

    def stat(self) -> SFTPAttributes | int:
        return _attributes(os.fstat(self.fd), self.place.name or "")

    def close(self) -> int:  # type: ignore[override]
        if self.closed:
            return OK
        self.closed = True
        os.close(self.fd)
        if self.place.folder == "outbound" and self.place.name and self._read_all():
            self.session.sftp.fetched(self.session.account.partner_id, self.place.name)
        return OK

    def _read_all(self) -> bool:
        end = 0
        for start in sorted(self.ranges):
            if start > end:
                return False
            end = max(end, start + self.ranges[start])
        return end >= self.size


class MailboxSftpServer(paramiko.SFTPServer):
    """paramiko's SFTP server with two changes: a close answers what our handle's ``close``
    says (paramiko always answers OK: the client must learn that a commit failed), and the
    handles a dropped connection leaves open are aborted, not completed."""

    def _process(self, t: int, request_number: int, msg: paramiko.Message) -> None:
        if t == CMD_CLOSE:
            handle = msg.get_binary()
            if handle in self.file_table:
                closing: Any = self.file_table.pop(handle)
                result = closing.close()
                self._send_status(  # type: ignore[attr-defined]
                    request_number, result if isinstance(result, int) else OK
                )
                return
            msg.rewind()
            msg.get_int()  # the request number, read again: paramiko's own close follows
        super()._process(t, request_number, msg)  # type: ignore[misc]

    def finish_subsystem(self) -> None:
        for handle in self.file_table.values():
            if isinstance(handle, UploadHandle):
                handle.aborted = True
        super().finish_subsystem()


def move_into_place(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` unless ``target`` exists, atomically (a hard link, which
    fails on an existing name, then the old name removed); False when it exists."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        return False
    os.unlink(source)
    return True


def _attributes(info: os.stat_result, name: str) -> SFTPAttributes:
    attributes = SFTPAttributes.from_stat(info, name)
    attributes.st_uid = attributes.st_gid = 0  # our process's ids are nobody's business
    return attributes
