"""``Login``: paramiko's server interface for one SSH connection: who may log in, and that an
authenticated account may open one thing only, the SFTP subsystem (no shell, no exec, no port
forwarding: paramiko's defaults refuse those and nothing here allows them).

A correct key or password of a ``draft`` or ``suspended`` partner authenticates, and its SFTP
request is then refused with a line saying why on the channel's stderr (OpenSSH prints it). The
check waits until then because paramiko asks ``check_auth_publickey`` before the client has
signed anything: refusing there would tell anyone holding the (public) key that the account is
suspended. Failed logins of a known account are counted once per connection
(``SftpActivity``), when it ends unauthenticated: a client offering several keys in turn is one
failure, not several.
"""

from __future__ import annotations

import logging

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from gateway.partner_store import REFUSED
from transports.sftp.accounts import Account, Accounts, verify_password
from transports.sftp.transport import SftpTransport

FAILED: int = AUTH_FAILED
log = logging.getLogger("gateway.sftp")
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


class Login(paramiko.ServerInterface):
    def __init__(self, sftp: SftpTransport, accounts: Accounts, address: str) -> None:
        self.sftp = sftp
        self.accounts = accounts
        self.address = address
        self.ssh: paramiko.Transport | None = None
        self._candidate: Account | None = None
        self.tried: str | None = None
        """The user name a refused credential was offered for."""

    @property
    def account(self) -> Account | None:
        """The account, once paramiko has verified the credential (a signature, a password)."""
        if self.ssh is None or not self.ssh.is_authenticated():
            return None
        return self._candidate

    def get_allowed_auths(self, username: str) -> str:
        return "publickey,password"

    def check_auth_none(self, username: str) -> int:
        return AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        account = self.accounts.find(username)
        allowed = account is not None and account.key_allowed(key.get_name(), key.asbytes())
        return self._decide(username, account, allowed)

    def check_auth_password(self, username: str, password: str) -> int:
        account = self.accounts.find(username)
        if account is None:
            verify_password(password, _DUMMY)  # the same work as for a known name
            return self._decide(username, None, False)
        return self._decide(username, account, account.password_allowed(password))

    def _decide(self, username: str, account: Account | None, allowed: bool) -> int:
        if account is None or not allowed:
            self.tried = username
            return AUTH_FAILED
        self._candidate = account
        return AUTH_SUCCESSFUL

    def refusal(self) -> str | None:
        """Why the authenticated account may not use its mailbox now (its partner's status)."""
        account = self.account
        if account is None:
            return "not authenticated"
        current = self.accounts.find(account.username) or account
        template = REFUSED.get(current.status)
        return template.format(id=account.partner_id) if template is not None else None

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session" and self.account is not None:
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        account = self.account
        if name != "sftp" or account is None:
            return False
        refusal = self.refusal()
        if refusal is not None:
            self.sftp.activity.failure(account.partner_id, account.username, "status", refusal)
            channel.send_stderr(f"login refused: {refusal}\r\n".encode())
            return False
        return bool(super().check_channel_subsystem_request(channel, name))

    def ended(self) -> None:
        """The connection is over: count a login that never succeeded, for a known account."""
        if self.account is not None or self.tried is None:
            return
        account = self.accounts.find(self.tried)
        if account is None:
            log.warning("sftp: failed login for unknown user %r from %s", self.tried, self.address)
            return
        self.sftp.activity.failure(
            account.partner_id, self.tried, "auth", f"no valid key or password from {self.address}"
        )
