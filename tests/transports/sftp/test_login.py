"""Logging in to the hosted server: keys and passwords from the profile, unknown users and wrong
credentials refused (and counted), a suspended partner refused with a line saying why, and an
account that opens SFTP and nothing else (no shell, no exec, no forwarding)."""

from __future__ import annotations

import paramiko
import pytest

from tests.transports.harness import wait_for
from tests.transports.sftp.conftest import SftpGateway, client_key
from tests.transports.sftp.test_confinement import edit_profile
from transports.sftp import server as server_module
from transports.sftp.accounts import hash_password


def paramiko_client(sftp_gateway: SftpGateway, user: str, **auth: object) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(str(sftp_gateway.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        "127.0.0.1",
        port=sftp_gateway.port,
        username=user,
        allow_agent=False,
        look_for_keys=False,
        timeout=10,
        **auth,  # type: ignore[arg-type]
    )
    return client


def test_given_a_key_not_in_the_profile_then_login_fails_and_is_counted(
    sftp_gateway: SftpGateway,
) -> None:
    stranger = client_key(sftp_gateway.work, "stranger")

    result = sftp_gateway.sftp("ls\n", key=stranger)

    assert result.returncode != 0
    assert "Permission denied" in result.stderr
    wait_for(lambda: sftp_gateway.count("demo-supplier", "auth_failures") == 1)


def test_given_an_unknown_user_then_login_fails_and_no_account_row_appears(
    sftp_gateway: SftpGateway,
) -> None:
    result = sftp_gateway.sftp("ls\n", "nobody", key=sftp_gateway.keys["demo-supplier"])

    assert result.returncode != 0
    assert "nobody" not in sftp_gateway.activity()


def test_given_a_password_hash_in_the_profile_then_that_password_logs_in_and_others_do_not(
    sftp_gateway: SftpGateway,
) -> None:
    edit_profile(sftp_gateway, "demo-supplier", password_hash=hash_password("correct horse"))

    client = paramiko_client(sftp_gateway, "demo-supplier", password="correct horse")
    try:
        assert sorted(client.open_sftp().listdir("/")) == ["archive", "inbound", "outbound"]
    finally:
        client.close()
    with pytest.raises(paramiko.AuthenticationException):
        paramiko_client(sftp_gateway, "demo-supplier", password="wrong horse")


def test_given_a_suspended_partner_then_its_valid_key_is_refused_with_the_reason(
    sftp_gateway: SftpGateway,
) -> None:
    edit_profile(sftp_gateway, "demo-supplier", status="suspended")

    result = sftp_gateway.sftp("ls\n")

    assert result.returncode != 0
    assert "partner 'demo-supplier' is suspended" in result.stderr
    row = sftp_gateway.activity()["demo-supplier"]
    assert row["last_failure"].startswith("status: partner 'demo-supplier' is suspended")


def test_given_a_disabled_account_then_its_key_no_longer_logs_in(
    sftp_gateway: SftpGateway,
) -> None:
    assert sftp_gateway.sftp("ls\n").returncode == 0
    edit_profile(sftp_gateway, "demo-supplier", enabled=False)

    assert sftp_gateway.sftp("ls\n").returncode != 0


def test_given_an_authenticated_account_then_exec_shell_and_forwarding_are_refused(
    sftp_gateway: SftpGateway,
) -> None:
    key = paramiko.Ed25519Key.from_private_key_file(str(sftp_gateway.keys["demo-supplier"]))
    client = paramiko_client(sftp_gateway, "demo-supplier", pkey=key)
    try:
        ssh = client.get_transport()
        assert ssh is not None
        with pytest.raises(paramiko.SSHException):
            client.exec_command("cat /etc/passwd")
        with pytest.raises(paramiko.SSHException):
            client.invoke_shell()
        with pytest.raises(paramiko.ChannelException):
            ssh.open_channel("direct-tcpip", ("127.0.0.1", 5432), ("127.0.0.1", 40000))
    finally:
        client.close()
    wait_for(lambda: sftp_gateway.count("demo-supplier", "logins") == 1)
    assert sftp_gateway.activity()["demo-supplier"]["last_login_from"] == "127.0.0.1"


def test_given_an_account_at_its_connection_limit_then_one_more_is_closed_and_counted(
    sftp_gateway: SftpGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "SESSIONS_PER_ACCOUNT", 1)
    key = paramiko.Ed25519Key.from_private_key_file(str(sftp_gateway.keys["demo-supplier"]))
    first = paramiko_client(sftp_gateway, "demo-supplier", pkey=key)
    try:
        first.open_sftp().listdir("/")
        wait_for(lambda: sftp_gateway.count("demo-supplier", "logins") == 1)

        second = sftp_gateway.sftp("ls\n")
        other_account = sftp_gateway.sftp("ls\n", "acme")
    finally:
        first.close()

    assert second.returncode != 0
    assert other_account.returncode == 0, other_account.stderr
    wait_for(lambda: sftp_gateway.count("demo-supplier", "quota_failures") == 1)
    wait_for(lambda: sftp_gateway.sftp("ls\n").returncode == 0, 10)  # the slot is free again
