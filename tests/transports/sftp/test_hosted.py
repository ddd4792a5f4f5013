"""The hosted SFTP server with the real OpenSSH client: uploads become documents only when
complete, the 997 waits in ``outbound/`` and reading it acknowledges it, and the mailbox lists
what a partner may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.erp.memory import MemoryErpConnector
from gateway.store.models import InboundMessage
from tests.support.documents import numbered_asn
from tests.transports.sftp.conftest import SftpGateway


def stored(sftp_gateway: SftpGateway) -> list[InboundMessage]:
    with sftp_gateway.gateway.runtime.db.sessions() as session:
        return list(session.query(InboundMessage).order_by(InboundMessage.received_at))


def test_given_an_upload_under_a_temporary_name_when_renamed_into_place_then_it_is_stored_processed_and_archived(
    sftp_gateway: SftpGateway,
) -> None:
    raw = numbered_asn(11)
    (sftp_gateway.work / "asn.edi").write_bytes(raw)

    put = sftp_gateway.sftp("put asn.edi inbound/asn.edi.part\n")
    assert put.returncode == 0, put.stderr
    assert stored(sftp_gateway) == [], "a temporary name is not a document"
    done = sftp_gateway.sftp("rename inbound/asn.edi.part inbound/asn.edi\n")

    assert done.returncode == 0, done.stderr
    [message] = stored(sftp_gateway)
    assert (message.raw, message.partner_id, message.transport) == (raw, "demo-supplier", "sftp")
    assert message.transport_message_id is not None
    assert message.transport_message_id.startswith("asn.edi#")
    assert message.status == "processed"
    mailbox = sftp_gateway.mailbox()
    assert list((mailbox / "inbound").iterdir()) == []
    assert (mailbox / "archive" / "asn.edi").read_bytes() == raw
    connector = sftp_gateway.gateway.runtime.connector
    assert isinstance(connector, MemoryErpConnector)
    [event] = connector.events.values()
    assert event.partner_id == "demo-supplier"
    assert sftp_gateway.activity()["demo-supplier"]["files_received"] == 1


def test_given_a_put_under_a_final_name_then_it_is_stored_on_close(
    sftp_gateway: SftpGateway,
) -> None:
    raw = numbered_asn(12)
    (sftp_gateway.work / "asn.edi").write_bytes(raw)

    put = sftp_gateway.sftp("cd inbound\nput asn.edi\nls -1\n")

    assert put.returncode == 0, put.stderr
    assert [m.raw for m in stored(sftp_gateway)] == [raw]
    assert "asn.edi" not in put.stdout.split("sftp> ls -1", 1)[1], "archived before ls"
    assert (sftp_gateway.mailbox() / "archive" / "asn.edi").read_bytes() == raw


def test_given_a_processed_file_then_its_997_waits_in_outbound_and_reading_it_acknowledges_it(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "asn.edi").write_bytes(numbered_asn(13))
    assert sftp_gateway.sftp("put asn.edi inbound/asn.edi\n").returncode == 0
    [item] = sftp_gateway.outbox()
    assert (item.transport, item.kind, item.status) == ("sftp", "997", "queued")

    sftp_gateway.send_outbox()
    name = f"997-{item.id}.edi"
    listing = sftp_gateway.sftp("ls -1 outbound\n")
    assert listing.returncode == 0, listing.stderr
    assert f"outbound/{name}" in listing.stdout
    assert [i.status for i in sftp_gateway.outbox()] == ["sent"]
    got = sftp_gateway.sftp(f"get outbound/{name} ack.edi\n")

    assert got.returncode == 0, got.stderr
    ack = (sftp_gateway.work / "ack.edi").read_bytes()
    assert ack == item.payload and b"ST*997*" in ack and b"AK9*A*1*1*1~" in ack
    assert [i.status for i in sftp_gateway.outbox()] == ["acknowledged"]


def test_given_the_root_then_it_lists_the_three_folders_and_nothing_else(
    sftp_gateway: SftpGateway,
) -> None:
    listing = sftp_gateway.sftp("ls -1\nls -1 archive\n")

    assert listing.returncode == 0, listing.stderr
    lines = [line.strip() for line in listing.stdout.splitlines() if not line.startswith("sftp>")]
    assert lines == ["archive", "inbound", "outbound"]


def test_given_a_file_in_inbound_then_the_partner_cannot_read_it_back_there(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "x.part").write_bytes(b"partial")
    assert sftp_gateway.sftp("put x.part inbound/x.part\n").returncode == 0

    got = sftp_gateway.sftp("get inbound/x.part back\n")

    assert got.returncode != 0
    assert not Path(sftp_gateway.work / "back").exists()


def test_given_a_997_in_outbound_when_the_partner_removes_it_then_it_is_acknowledged(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "asn.edi").write_bytes(numbered_asn(14))
    assert sftp_gateway.sftp("put asn.edi inbound/asn.edi\n").returncode == 0
    [item_id] = sftp_gateway.send_outbox()

    removed = sftp_gateway.sftp(f"rm outbound/997-{item_id}.edi\n")

    assert removed.returncode == 0, removed.stderr
    assert [i.status for i in sftp_gateway.outbox()] == ["acknowledged"]
    assert list((sftp_gateway.mailbox() / "outbound").iterdir()) == []


def test_given_a_997_read_only_in_part_then_it_is_not_acknowledged(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "asn.edi").write_bytes(numbered_asn(15))
    assert sftp_gateway.sftp("put asn.edi inbound/asn.edi\n").returncode == 0
    [item_id] = sftp_gateway.send_outbox()
    key = sftp_gateway.keys["demo-supplier"]
    client = paramiko_sftp(sftp_gateway, key)
    try:
        with client.open(f"/outbound/997-{item_id}.edi") as handle:
            assert handle.read(20).startswith(b"ISA*")
    finally:
        client.close()
        client.ssh.close()

    assert [i.status for i in sftp_gateway.outbox()] == ["sent"]


def test_given_after_commit_delete_then_the_stored_file_is_not_kept(
    sftp_gateway: SftpGateway,
) -> None:
    from tests.transports.sftp.test_confinement import edit_profile

    edit_profile(sftp_gateway, "demo-supplier", after_commit="delete")
    (sftp_gateway.work / "asn.edi").write_bytes(numbered_asn(16))

    assert sftp_gateway.sftp("put asn.edi inbound/asn.edi\n").returncode == 0

    assert [m.raw for m in stored(sftp_gateway)] == [numbered_asn(16)]
    mailbox = sftp_gateway.mailbox()
    assert list((mailbox / "inbound").iterdir()) == list((mailbox / "archive").iterdir()) == []


def test_given_the_operator_api_then_sftp_accounts_need_the_admin_token(
    sftp_gateway: SftpGateway,
) -> None:
    from fastapi.testclient import TestClient

    from tests.transports.harness import ADMIN_TOKEN, bearer, wait_for

    (sftp_gateway.work / "asn.edi").write_bytes(numbered_asn(17))
    assert sftp_gateway.sftp("put asn.edi inbound/asn.edi\n").returncode == 0
    with TestClient(sftp_gateway.gateway.app) as client:
        refused = client.get("/ops/sftp/accounts")

        def accounts() -> dict[str, Any]:
            answer = client.get("/ops/sftp/accounts", headers=bearer(ADMIN_TOKEN))
            return {a["partner_id"]: a for a in answer.json()["accounts"]}

        wait_for(lambda: accounts()["demo-supplier"]["files_received"] == 1, 10)  # flushed
        found = accounts()

    assert refused.status_code == 401
    assert set(found) == {"acme-fasteners", "demo-supplier"}
    assert (found["acme-fasteners"]["logins"], found["acme-fasteners"]["username"]) == (0, "acme")


def paramiko_sftp(sftp_gateway: SftpGateway, key_path: Path) -> Any:
    import paramiko

    ssh = paramiko.SSHClient()
    ssh.load_host_keys(str(sftp_gateway.known_hosts))
    ssh.connect(
        "127.0.0.1",
        port=sftp_gateway.port,
        username="demo-supplier",
        pkey=paramiko.Ed25519Key.from_private_key_file(str(key_path)),
        allow_agent=False,
        look_for_keys=False,
    )
    client = ssh.open_sftp()
    client.ssh = ssh  # the caller closes both
    return client
