"""``SftpServer``: our hosted SFTP server, paramiko over a threaded socket listener.

Why paramiko and not asyncssh: paramiko is LGPL-2.1 (asyncssh is EPL-2.0/GPL-2.0, outside the
licences shipped code may use), it is synchronous like the rest of the gateway's transports (a
commit is a blocking database transaction; with asyncssh each would hop to a thread pool and
back), and the poller of suppliers' servers uses it as a client: one SSH library in the
gateway. Its SFTP server is one thread per connection, which is what ``bench/sftp.py``
measures; ``max_connections`` bounds the threads.

Each connection gets a paramiko ``Transport`` with our host key (``hostkey``), a ``Login``
(authentication, channel policy) and the SFTP subsystem (``session``). Handshake and
authentication must finish within ``TIMEOUT_S``; a connection over ``max_connections`` is
closed at once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

import paramiko

from transports.sftp.accounts import Accounts
from transports.sftp.hostkey import fingerprint
from transports.sftp.login import Login
from transports.sftp.session import MailboxSftp, MailboxSftpServer
from transports.sftp.transport import SftpTransport

log = logging.getLogger("gateway.sftp")
TIMEOUT_S = 30.0
PRE_AUTH_PER_ADDRESS = 16
"""Connections from one address still authenticating at once; more are closed (idle TCP
connections from one host would otherwise hold every slot for ``TIMEOUT_S`` each)."""
SESSIONS_PER_ACCOUNT = 16
"""Authenticated connections of one account at once; more are closed (and counted as quota):
one partner cannot take every slot from the others."""


class SftpServer:
    def __init__(
        self,
        sftp: SftpTransport,
        host_key: paramiko.PKey,
        *,
        host: str = "127.0.0.1",
        port: int = 2222,
        max_connections: int = 64,
    ) -> None:
        self.sftp = sftp
        self.accounts = Accounts(sftp.inbox.partners_dir)
        self.host_key = host_key
        self.host, self.port = host, port
        self._slots = threading.BoundedSemaphore(max_connections)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[paramiko.Transport] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._authenticating: dict[str, int] = {}
        self._sessions: dict[str, int] = {}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.host_key)

    def start(self) -> SftpServer:
        """Listen (``port`` 0: any free port, then ``self.port`` says which) and serve from a
        thread."""
        listener = socket.create_server((self.host, self.port), reuse_port=False, backlog=128)
        self.port = listener.getsockname()[1]
        self._socket = listener
        self._thread = threading.Thread(target=self._accept, name="sftp-accept", daemon=True)
        self._thread.start()
        log.info("sftp server on %s:%d, host key %s", self.host, self.port, self.fingerprint)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SftpServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                client, address = self._socket.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            if not self._slots.acquire(blocking=False):
                log.warning("sftp: connection from %s refused: too many connections", address[0])
                client.close()
                continue
            if not _take(self._lock, self._authenticating, address[0], PRE_AUTH_PER_ADDRESS):
                log.warning("sftp: connection from %s refused: too many logging in", address[0])
                client.close()
                self._slots.release()
                continue
            threading.Thread(
                target=self._serve, args=(client, address[0]), name="sftp-conn", daemon=True
            ).start()

    def _serve(self, client: socket.socket, address: str) -> None:
        login = Login(self.sftp, self.accounts, address)
        ssh = paramiko.Transport(client)
        login.ssh = ssh
        held: dict[str, str] = {"authenticating": address}
        try:
            ssh.banner_timeout = ssh.handshake_timeout = ssh.auth_timeout = TIMEOUT_S
            ssh.add_server_key(self.host_key)
            ssh.set_subsystem_handler("sftp", MailboxSftpServer, MailboxSftp)
            with self._lock:
                self._connections.add(ssh)
            try:
                ssh.start_server(server=login)
            except (paramiko.SSHException, EOFError, OSError) as exc:
                log.info("sftp: handshake with %s failed: %s", address, exc)
                return
            self._wait_for_login(ssh, login, held)
            while ssh.is_active() and not self._stopping.is_set():
                ssh.join(timeout=1.0)
        finally:
            with self._lock:
                self._connections.discard(ssh)
                if "authenticating" in held:
                    _give_back(self._authenticating, held["authenticating"])
                if "sessions" in held:
                    _give_back(self._sessions, held["sessions"])
            ssh.close()
            login.ended()
            self.sftp.activity.flush()
            self._slots.release()

    def _wait_for_login(self, ssh: paramiko.Transport, login: Login, held: dict[str, str]) -> None:
        """Close a connection that has not authenticated within ``TIMEOUT_S``, or whose account
        has ``SESSIONS_PER_ACCOUNT`` already; record a login that did."""
        deadline = time.monotonic() + TIMEOUT_S
        while not ssh.is_authenticated():
            if not ssh.is_active() or time.monotonic() > deadline:
                ssh.close()
                return
            time.sleep(0.02)
        account = login.account
        assert account is not None
        with self._lock:
            _give_back(self._authenticating, held.pop("authenticating"))
        if not _take(self._lock, self._sessions, account.partner_id, SESSIONS_PER_ACCOUNT):
            reason = f"more than {SESSIONS_PER_ACCOUNT} connections at once"
            self.sftp.activity.failure(account.partner_id, account.username, "quota", reason)
            ssh.close()
            return
        held["sessions"] = account.partner_id
        self.sftp.activity.login(account.partner_id, account.username, login.address)


def _take(lock: threading.Lock, counts: dict[str, int], key: str, limit: int) -> bool:
    with lock:
        if counts.get(key, 0) >= limit:
            return False
        counts[key] = counts.get(key, 0) + 1
        return True


def _give_back(counts: dict[str, int], key: str) -> None:
    """Under the caller's lock."""
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
