"""What a careful attacker with an account tries, with the real OpenSSH client: climbing out of
the mailbox, absolute paths, symlinks (made by the client or planted on disk), another partner's
files, files over the size limit or too many of them, and uploads cut off halfway."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from gateway.partners import forget_profiles
from gateway.store.models import InboundMessage
from tests.support.documents import numbered_asn
from tests.transports.harness import wait_for
from tests.transports.sftp.conftest import SftpGateway


def stored(sftp_gateway: SftpGateway) -> list[InboundMessage]:
    with sftp_gateway.gateway.runtime.db.sessions() as session:
        return list(session.query(InboundMessage))


def edit_profile(sftp_gateway: SftpGateway, partner_id: str, **sftp: object) -> None:
    path = sftp_gateway.transport.inbox.partners_dir
    assert path is not None
    profile_path = path / f"{partner_id}.yaml"
    profile = yaml.safe_load(profile_path.read_text())
    status = sftp.pop("status", None)
    if status is not None:
        profile["status"] = status
    profile["transports"]["sftp"].update(sftp)
    profile_path.write_text(yaml.safe_dump(profile, sort_keys=False))
    forget_profiles()


@pytest.mark.parametrize(
    "batch",
    [
        "get ../../../../etc/passwd stolen\n",
        "get /etc/passwd stolen\n",
        "get inbound/../../acme-fasteners/archive/a.edi stolen\n",
        "get ../acme-fasteners/archive/a.edi stolen\n",
        "put local.edi ../../escape.edi\n",
        "put local.edi /tmp/escape.edi\n",
        "ls ../..\n",
    ],
)
def test_given_a_path_outside_the_mailbox_then_it_is_refused(
    sftp_gateway: SftpGateway, batch: str
) -> None:
    (sftp_gateway.work / "local.edi").write_bytes(b"x")

    result = sftp_gateway.sftp(batch)

    assert result.returncode != 0, result.stdout
    assert not (sftp_gateway.work / "stolen").exists()
    assert not (sftp_gateway.root / "escape.edi").exists()
    assert not (sftp_gateway.root.parent / "escape.edi").exists()
    assert stored(sftp_gateway) == []


def test_given_climbing_paths_then_they_are_counted_as_traversal(
    sftp_gateway: SftpGateway,
) -> None:
    sftp_gateway.sftp("get ../../etc/passwd stolen\n")
    sftp_gateway.sftp("-get inbound/../../x stolen\n")

    row = sftp_gateway.activity()["demo-supplier"]
    assert row["traversal_failures"] >= 2
    assert row["last_failure"].startswith("traversal:")


def test_given_cd_above_the_root_then_the_partner_stays_at_its_root(
    sftp_gateway: SftpGateway,
) -> None:
    result = sftp_gateway.sftp("cd ../../..\npwd\nls -1\n")

    assert "Remote working directory: /\n" in result.stdout
    assert "inbound" in result.stdout and "etc" not in result.stdout


def test_given_a_symlink_request_then_it_is_refused_and_counted(
    sftp_gateway: SftpGateway,
) -> None:
    result = sftp_gateway.sftp("symlink /etc/passwd inbound/passwd.edi\n")

    assert result.returncode != 0
    assert not os.path.lexists(sftp_gateway.mailbox() / "inbound" / "passwd.edi")
    assert sftp_gateway.activity()["demo-supplier"]["traversal_failures"] == 1


def test_given_a_link_planted_on_disk_then_the_partner_can_neither_see_nor_read_it(
    sftp_gateway: SftpGateway, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    sftp_gateway.sftp("ls\n")  # the mailbox exists once the partner logged in
    (sftp_gateway.mailbox() / "outbound" / "planted.edi").symlink_to(secret)

    listing = sftp_gateway.sftp("ls -1 outbound\n")
    got = sftp_gateway.sftp("get outbound/planted.edi stolen\n")

    assert "planted" not in listing.stdout
    assert got.returncode != 0 and not (sftp_gateway.work / "stolen").exists()


def test_given_two_partners_then_neither_sees_nor_touches_the_others_files(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "acme.edi.part").write_bytes(b"acme's")
    assert sftp_gateway.sftp("put acme.edi.part inbound/acme.edi.part\n", "acme").returncode == 0
    (sftp_gateway.mailbox("acme-fasteners") / "outbound" / "997-acme.edi").write_bytes(b"ack")

    demo = sftp_gateway.sftp("ls -1 inbound\nls -1 outbound\n")
    attempts = [
        "get /acme-fasteners/outbound/997-acme.edi stolen\n",
        "get ../acme-fasteners/outbound/997-acme.edi stolen\n",
        "rm inbound/acme.edi.part\n",
        "rename inbound/acme.edi.part inbound/acme.edi\n",
    ]

    assert "acme" not in demo.stdout
    for batch in attempts:
        assert sftp_gateway.sftp(batch).returncode != 0, batch
    assert (sftp_gateway.mailbox("acme-fasteners") / "inbound" / "acme.edi.part").exists()
    assert not (sftp_gateway.work / "stolen").exists()


def test_given_mkdir_or_a_write_outside_inbound_then_they_are_refused(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "x.edi").write_bytes(b"x")

    for batch in ("mkdir inbound/sub\n", "put x.edi outbound/x.edi\n", "put x.edi archive/x\n"):
        assert sftp_gateway.sftp(batch).returncode != 0, batch

    mailbox = sftp_gateway.mailbox()
    assert sorted(p.name for p in mailbox.rglob("*")) == ["archive", "inbound", "outbound"]


def test_given_a_file_over_max_file_bytes_then_the_write_fails_and_nothing_is_stored(
    sftp_gateway: SftpGateway,
) -> None:
    edit_profile(sftp_gateway, "demo-supplier", max_file_bytes=1000)
    (sftp_gateway.work / "big.edi").write_bytes(b"x" * 5000)

    result = sftp_gateway.sftp("put big.edi inbound/big.edi\n")

    assert result.returncode != 0
    assert stored(sftp_gateway) == []
    assert list((sftp_gateway.mailbox() / "inbound").iterdir()) == []
    assert sftp_gateway.activity()["demo-supplier"]["quota_failures"] >= 1


def test_given_max_files_waiting_then_one_more_upload_is_refused(
    sftp_gateway: SftpGateway,
) -> None:
    edit_profile(sftp_gateway, "demo-supplier", max_files=2)
    (sftp_gateway.work / "a.part").write_bytes(b"a")

    result = sftp_gateway.sftp("put a.part inbound/1.part\nput a.part inbound/2.part\n")
    refused = sftp_gateway.sftp("put a.part inbound/3.part\n")

    assert result.returncode == 0, result.stderr
    assert refused.returncode != 0
    assert sorted(p.name for p in (sftp_gateway.mailbox() / "inbound").iterdir()) == [
        "1.part",
        "2.part",
    ]
    assert sftp_gateway.activity()["demo-supplier"]["quota_failures"] == 1


def test_given_a_waiting_file_then_a_put_under_its_name_does_not_overwrite_it(
    sftp_gateway: SftpGateway,
) -> None:
    (sftp_gateway.work / "a.part").write_bytes(b"first")
    (sftp_gateway.work / "b.part").write_bytes(b"second")
    sftp_gateway.sftp("put a.part inbound/a.part\nput b.part inbound/b.part\n")

    clash = sftp_gateway.sftp("rename inbound/a.part inbound/b.part\n")
    final_renamed = sftp_gateway.sftp(
        "rename inbound/a.part inbound/a.edi\nrename inbound/a.edi inbound/c.part\n"
    )

    assert clash.returncode != 0
    assert final_renamed.returncode != 0  # a stored file is archived: nothing to rename back
    assert [m.raw for m in stored(sftp_gateway)] == [b"first"]


def _kill_mid_upload(sftp_gateway: SftpGateway, remote: str) -> None:
    (sftp_gateway.work / "big.edi").write_bytes(numbered_asn(30) + b"\n" * 400_000)
    script = sftp_gateway.work / "slow"
    script.write_text(f"put big.edi {remote}\n")
    client = subprocess.Popen(
        [*sftp_gateway.command(), "-l", "400", "-b", str(script), "demo-supplier@127.0.0.1"],
        cwd=sftp_gateway.work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    inbound = sftp_gateway.mailbox() / "inbound"

    def writing() -> bool:
        return inbound.is_dir() and any(p.stat().st_size > 0 for p in inbound.iterdir())

    try:
        wait_for(writing, 20)
    finally:
        os.killpg(client.pid, signal.SIGKILL)
        client.wait(timeout=10)


def test_given_a_client_killed_mid_upload_under_a_final_name_then_the_part_is_not_taken(
    sftp_gateway: SftpGateway,
) -> None:
    _kill_mid_upload(sftp_gateway, "inbound/big.edi")
    inbound = sftp_gateway.mailbox() / "inbound"

    wait_for(lambda: list(inbound.iterdir()) == [], 20)  # the cut-off upload is dropped
    time.sleep(0.2)
    assert stored(sftp_gateway) == []
    assert not (sftp_gateway.mailbox() / "archive" / "big.edi").exists()
    (sftp_gateway.work / "ok.edi").write_bytes(numbered_asn(31))
    assert sftp_gateway.sftp("put ok.edi inbound/big.edi\n").returncode == 0  # name free again
    assert len(stored(sftp_gateway)) == 1


def test_given_a_client_killed_mid_upload_under_a_temporary_name_then_it_stays_untaken(
    sftp_gateway: SftpGateway,
) -> None:
    _kill_mid_upload(sftp_gateway, "inbound/big.edi.part")
    time.sleep(0.5)

    assert stored(sftp_gateway) == []
    assert sftp_gateway.transport.recover() == 0  # a restart does not take it either
    assert [p.name for p in (sftp_gateway.mailbox() / "inbound").iterdir()] == ["big.edi.part"]


def test_given_a_crash_left_files_in_inbound_then_recover_takes_the_complete_ones_only(
    sftp_gateway: SftpGateway,
) -> None:
    sftp_gateway.sftp("ls\n")
    inbound = sftp_gateway.mailbox() / "inbound"
    (inbound / "complete.edi").write_bytes(numbered_asn(40))
    (inbound / ".upload-0123456789ab-cut.edi").write_bytes(b"ISA*half")
    (inbound / "still.tmp").write_bytes(b"ISA*half")

    assert sftp_gateway.transport.recover() == 1

    assert [m.raw for m in stored(sftp_gateway)] == [numbered_asn(40)]
    assert sorted(p.name for p in inbound.iterdir()) == ["still.tmp"]
    assert (sftp_gateway.mailbox() / "archive" / "complete.edi").exists()


def test_given_a_crash_between_commit_and_archive_then_recover_is_a_recognised_duplicate(
    sftp_gateway: SftpGateway,
) -> None:
    raw = numbered_asn(41)
    (sftp_gateway.work / "a.edi").write_bytes(raw)
    assert sftp_gateway.sftp("put a.edi inbound/a.edi\n").returncode == 0
    archived = sftp_gateway.mailbox() / "archive" / "a.edi"
    archived.rename(sftp_gateway.mailbox() / "inbound" / "a.edi")  # as if the move was lost

    assert sftp_gateway.transport.recover() == 1

    first, again = sorted(stored(sftp_gateway), key=lambda m: m.received_at)
    assert again.status == "duplicate" and again.duplicate_of == first.id
    assert len(sftp_gateway.gateway.runtime.connector.events) == 1  # type: ignore[attr-defined]


def test_given_a_file_being_written_then_another_session_can_neither_write_nor_rename_onto_it(
    sftp_gateway: SftpGateway,
) -> None:
    from tests.transports.sftp.test_hosted import paramiko_sftp

    first = paramiko_sftp(sftp_gateway, sftp_gateway.keys["demo-supplier"])
    second = paramiko_sftp(sftp_gateway, sftp_gateway.keys["demo-supplier"])
    try:
        with second.open("/inbound/other.part", "wb") as other:
            other.write(b"other")
        with first.open("/inbound/same.edi", "wb") as writing:
            writing.write(numbered_asn(50)[:100])
            with pytest.raises(OSError):
                second.open("/inbound/same.edi", "wb")
            with pytest.raises(OSError):
                second.rename("/inbound/other.part", "/inbound/same.edi")
            assert stored(sftp_gateway) == []  # not complete while open
            writing.write(numbered_asn(50)[100:])
    finally:
        for client in (first, second):
            client.close()
            client.ssh.close()

    assert [m.raw for m in stored(sftp_gateway)] == [numbered_asn(50)]
