"""``Mailbox``: one partner's folders on our SFTP server, and the only way a client path becomes
a file on disk.

A partner sees ``/`` holding ``inbound/`` (it writes there), ``outbound/`` (our 997/999/TA1 wait
there for it to read) and ``archive/`` (what we stored, read-only), and nothing else: no
subfolders, no names starting with ``.`` (ours: uploads in progress, our own half-written
files). ``resolve`` refuses a ``..`` anywhere (``PathRefused``, kind ``traversal``) rather than
clamping it; ``/etc/passwd`` is the mailbox's ``/etc/passwd``, which does not exist. Symlinks are
never followed and never created: each folder is checked with ``lstat`` and files are opened
with ``O_NOFOLLOW`` (``open_file``), so a link an intruder planted on disk opens nothing.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FOLDERS = ("inbound", "outbound", "archive")
STAGING = ".upload-"
"""Prefix of an upload in progress under a final name (``inbound/.upload-<random>-<name>``):
renamed to its name only when the client closes it, so a file under a final name is always
complete, even after a crash."""
MAX_NAME = 200
"""Longest file name a partner may use (a staging name adds a prefix; the store's transport
message id holds the name and a digest)."""
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class PathRefused(Exception):
    """A client path that names nothing it may use; ``kind`` says which SFTP answer it gets and
    whether it is counted as an attack (``traversal``)."""

    def __init__(self, kind: Literal["traversal", "missing", "denied"], reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Place:
    """Where a client path leads: the root (``folder`` None), a folder (``name`` None) or a
    file in one."""

    folder: str | None
    name: str | None
    path: Path

    @property
    def is_file(self) -> bool:
        return self.name is not None


class Mailbox:
    def __init__(self, root: Path, partner_id: str) -> None:
        self.home = root / partner_id
        self.partner_id = partner_id

    def folder(self, name: str) -> Path:
        return self.home / name

    def ensure(self) -> None:
        """Create the folders (owner only); refuse to serve a mailbox whose folders are links."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in FOLDERS:
            path = self.home / name
            path.mkdir(mode=0o700, exist_ok=True)
            _real_directory(path)
        _real_directory(self.home)

    def resolve(self, client_path: str) -> Place:
        """``client_path`` (absolute or relative to ``/``) -> a ``Place``, or ``PathRefused``."""
        if "\x00" in client_path or "\\" in client_path:
            raise PathRefused("traversal", f"path {client_path!r} has a NUL or a backslash")
        parts = [p for p in client_path.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise PathRefused("traversal", f"path {client_path!r} climbs with '..'")
        if not parts:
            return Place(None, None, self.home)
        folder = parts[0]
        if folder not in FOLDERS:
            raise PathRefused("missing", f"/{folder}: no such folder (inbound, outbound, archive)")
        directory = self.home / folder
        try:
            _real_directory(directory)
        except PathRefused:
            raise
        except OSError as exc:
            raise PathRefused("missing", f"/{folder}: {exc.strerror}") from exc
        if len(parts) == 1:
            return Place(folder, None, directory)
        if len(parts) > 2:
            raise PathRefused("missing", f"{client_path}: there are no subfolders")
        name = parts[1]
        check_name(name)
        return Place(folder, name, directory / name)


def check_name(name: str) -> None:
    if name.startswith("."):
        raise PathRefused("denied", f"{name!r}: names starting with '.' are not allowed")
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise PathRefused("denied", f"{name[:40]!r}: too long or with a control character")


def _real_directory(path: Path) -> None:
    mode = os.lstat(path).st_mode
    if not stat.S_ISDIR(mode):
        raise PathRefused("traversal", f"{path.name}: not a real folder (a link?)")


def regular_files(directory: Path) -> list[os.DirEntry[str]]:
    """The visible regular files of a folder (no links, no dot names), by name."""
    with os.scandir(directory) as entries:
        found = [
            e for e in entries if not e.name.startswith(".") and e.is_file(follow_symlinks=False)
        ]
    return sorted(found, key=lambda e: e.name)


def read_whole(path: Path) -> bytes:
    """A regular file's bytes, never through a link."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PathRefused("denied", f"{path.name}: not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomically(directory: Path, name: str, data: bytes) -> Path:
    """``data`` as ``directory/name``, written as ``.name.part`` and renamed: a reader never sees
    a part of it under its name (our own outbound files)."""
    final = directory / name
    temp = directory / f".{name}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, final)
    return final
