"""A supplier's SFTP server, seen from our side (mode ``remote``): connect with the host key
pinned, and put our documents in their ``outbox`` folder.

paramiko, as the hosted server uses (one SSH library in the gateway). The connection is made by
hand (``paramiko.Transport``) rather than with ``SSHClient``: the partner profile pins one
fingerprint (``SHA256:...`` as ``ssh-keygen -l`` prints it), not a ``known_hosts`` file, and
the key is compared before any credential is sent.

Every failure leaves here as a ``RemoteError`` with a ``kind`` an operator can act on:
``host_key`` (unknown or changed key: refused, never learnt), ``auth``, ``network``, ``quota``
(their disk or our account's limit), ``remote`` (anything else the server answered) and
``config`` (our key file or password is missing). ``remote_errors`` is the one place that
translates paramiko's and the socket's exceptions.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

import paramiko

from gateway.errors import FatalDeliveryError, RetriableDeliveryError
from gateway.partner_sections import SftpSettings
from gateway.pipeline.outbox import Outbound, Sent

ErrorKind = Literal["host_key", "auth", "network", "quota", "remote", "config"]
TIMEOUT_S = 20.0


class RemoteError(Exception):
    """A poll or an upload failed; ``kind`` says what to do about it, the text says what."""

    def __init__(self, kind: ErrorKind, text: str) -> None:
        super().__init__(text)
        self.kind = kind


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:<base64, unpadded>``, the form ``ssh-keygen -l`` prints."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@contextmanager
def remote_errors(settings: SftpSettings) -> Iterator[None]:
    """Translate what paramiko and the network raise into ``RemoteError``."""
    where = f"{settings.username}@{settings.host}:{settings.port}"
    try:
        yield
    except RemoteError:
        raise
    except paramiko.AuthenticationException as exc:
        raise RemoteError("auth", f"{where}: authentication refused ({exc})") from exc
    except (paramiko.SSHException, EOFError) as exc:
        raise RemoteError("network", f"{where}: SSH failed ({exc})") from exc
    except TimeoutError as exc:
        raise RemoteError("network", f"{where}: timed out") from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise RemoteError("quota", f"{where}: out of space ({exc})") from exc
        if isinstance(exc, (ConnectionError, socket.gaierror)) or exc.errno in (
            errno.EHOSTUNREACH,
            errno.ENETUNREACH,
            errno.ECONNREFUSED,
        ):
            raise RemoteError("network", f"{where}: {exc}") from exc
        text = str(exc)
        if "quota" in text.lower() or "space" in text.lower():
            raise RemoteError("quota", f"{where}: {text}") from exc
        raise RemoteError("remote", f"{where}: {text or type(exc).__name__}") from exc


def _credentials(
    settings: SftpSettings, partners_dir: Path
) -> tuple[paramiko.PKey | None, str | None]:
    key = password = None
    if settings.key_file:
        path = Path(settings.key_file)
        path = path if path.is_absolute() else partners_dir / path
        try:
            key = paramiko.PKey.from_path(path)
        except (OSError, paramiko.SSHException) as exc:
            raise RemoteError(
                "config", f"key_file {settings.key_file}: unreadable ({exc})"
            ) from exc
    if settings.password_env:
        password = os.environ.get(settings.password_env)
        if not password and key is None:
            raise RemoteError("config", f"{settings.password_env} is not set")
    return key, password


@contextmanager
def connect(settings: SftpSettings, partners_dir: Path) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session on their server, once its key matched the pinned fingerprint."""
    assert settings.host is not None and settings.host_key is not None
    key, password = _credentials(settings, partners_dir)
    with remote_errors(settings):
        sock = socket.create_connection((settings.host, settings.port), timeout=TIMEOUT_S)
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = transport.auth_timeout = TIMEOUT_S
            transport.start_client(timeout=TIMEOUT_S)
            seen = fingerprint(transport.get_remote_server_key())
            if seen != settings.host_key:
                raise RemoteError(
                    "host_key",
                    f"{settings.host}:{settings.port} presented host key {seen}, not the "
                    f"pinned {settings.host_key}: refused (a changed key is an attack until "
                    "the partner confirms it; then update transports.sftp.host_key)",
                )
            if key is not None:
                transport.auth_publickey(settings.username, key)
            elif password is not None:
                transport.auth_password(settings.username, password)
            client = paramiko.SFTPClient.from_transport(transport)
            if client is None:
                raise RemoteError("remote", f"{settings.host}: no SFTP subsystem")
            client.get_channel().settimeout(TIMEOUT_S)  # type: ignore[union-attr]
            with client:
                yield client
        finally:
            transport.close()


def put_atomically(client: paramiko.SFTPClient, folder: str, name: str, data: bytes) -> None:
    """``<name>.part`` then a rename: they never read a part. Again: replaces the same file."""
    final, temp = f"{folder.rstrip('/')}/{name}", f"{folder.rstrip('/')}/{name}.part"
    client.putfo(io.BytesIO(data), temp, file_size=len(data), confirm=True)
    try:
        client.posix_rename(temp, final)
    except OSError:  # no posix-rename@openssh.com: plain rename refuses to replace
        with suppress(FileNotFoundError):
            client.remove(final)
        client.rename(temp, final)


def send_remote(settings: SftpSettings, partners_dir: Path, outbound: Outbound) -> Sent:
    """Upload one outbox item to their ``outbox`` as ``<kind>-<item id>.edi``. Safe to call
    twice: the name is the item's, the second upload replaces the first."""
    name = f"{outbound.kind}-{outbound.id}.edi"
    try:
        with connect(settings, partners_dir) as client, remote_errors(settings):
            put_atomically(client, settings.outbox, name, outbound.payload)
    except RemoteError as exc:
        if exc.kind in ("host_key", "auth", "config"):
            raise FatalDeliveryError(str(exc), partner_id=outbound.partner_id) from exc
        raise RetriableDeliveryError(str(exc), partner_id=outbound.partner_id) from exc
    return Sent("sent", detail=f"{settings.outbox.rstrip('/')}/{name}", message_id=name)
