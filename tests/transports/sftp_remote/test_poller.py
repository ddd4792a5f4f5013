"""The poller against a real OpenSSH sshd: pick-up, completion, the pinned host key, a crash
between the commit and the remote delete, the lease, and our uploads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.pipeline.inbox import Inbox
from gateway.pipeline.outbox import Outbound
from gateway.store.models import InboundMessage, PartnerPoll
from tests.transports.harness import SAMPLE_856
from tests.transports.sftp_remote.conftest import Polling, keygen
from transports.sftp.poller import SftpPoller
from transports.sftp.remote import send_remote

SAMPLE = SAMPLE_856.read_bytes()


def messages(polling: Polling) -> list[InboundMessage]:
    with polling.gateway.runtime.db.sessions() as session:
        return list(session.scalars(select(InboundMessage)))


def poll_row(polling: Polling) -> PartnerPoll:
    with polling.gateway.runtime.db.sessions() as session:
        row = session.get(PartnerPoll, "demo-supplier")
        assert row is not None
        return row


def test_a_stable_file_is_taken_committed_then_deleted(polling: Polling) -> None:
    path = polling.peer.drop("856-a.edi", SAMPLE)
    first = polling.poll()
    assert (first.seen, first.taken, first.error) == (1, 0, None)  # seen once: not yet stable
    assert path.exists()
    second = polling.poll()
    assert (second.seen, second.taken, second.error) == (1, 1, None)
    assert not path.exists()
    (message,) = messages(polling)
    assert message.transport == "sftp" and message.partner_id == "demo-supplier"
    assert str(message.transport_message_id).startswith(f"remote:{path}#")
    assert len(polling.gateway.deliveries()) == 1  # the canonical event reached the ERP
    row = poll_row(polling)
    assert (row.polls, row.files_seen, row.files_taken, row.errors) == (2, 2, 1, 0)
    assert row.lease_owner is None


def test_a_growing_file_is_not_taken_early(polling: Polling) -> None:
    path = polling.peer.drop("856-b.edi", SAMPLE[:100])
    assert polling.poll(stable_seconds=0).taken == 0
    path.write_bytes(SAMPLE[:400])  # it grew since the last poll
    assert polling.poll(stable_seconds=0).taken == 0
    path.write_bytes(SAMPLE)
    assert polling.poll(stable_seconds=0).taken == 0
    assert polling.poll(stable_seconds=3600).taken == 0  # unchanged, but not for long enough
    assert messages(polling) == []
    assert polling.poll(stable_seconds=0).taken == 1
    (message,) = messages(polling)
    assert message.status != "refused"


def test_rename_completion_takes_only_names_without_a_temp_suffix(polling: Polling) -> None:
    part = polling.peer.drop("856-c.edi.part", SAMPLE[:50])
    assert polling.poll(completion="rename").seen == 0
    part.write_bytes(SAMPLE)
    part.rename(part.with_name("856-c.edi"))
    assert polling.poll(completion="rename").taken == 1
    assert len(messages(polling)) == 1


def test_a_changed_host_key_is_refused_loudly(polling: Polling, tmp_path: Path) -> None:
    path = polling.peer.drop("856-d.edi", SAMPLE)
    pinned = polling.peer.fingerprint
    polling.peer.stop()
    polling.peer.start(keygen(tmp_path / "host_b"))  # the server now shows another key
    outcome = polling.poll(host_key=pinned, completion="rename")
    assert outcome.error_kind == "host_key"
    assert pinned in (outcome.error or "") and polling.peer.fingerprint in (outcome.error or "")
    assert path.exists() and messages(polling) == []
    row = poll_row(polling)
    assert (row.errors, row.last_error_kind) == (1, "host_key")
    assert "refused" in (row.last_error or "")


def test_a_wrong_password_is_an_auth_error(
    polling: Polling, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.transports.sftp_remote.conftest import PASSWORD, PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    polling.peer.drop("856-e.edi", SAMPLE)
    ok = polling.poll(key_file=None, password_env=PASSWORD_ENV, completion="rename")
    assert (ok.taken, ok.error) == (1, None)
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    bad = polling.poll(key_file=None, password_env=PASSWORD_ENV)
    assert bad.error_kind == "auth" and "authentication" in (bad.error or "")


def test_a_crash_between_commit_and_delete_does_not_process_twice(polling: Polling) -> None:
    path = polling.peer.drop("856-f.edi", SAMPLE)

    def crash(_: str) -> None:
        raise RuntimeError("killed between the commit and the remote delete")

    polling.poller.after_commit = crash
    crashed = polling.poll(completion="rename")
    assert crashed.error_kind == "internal" and path.exists()
    assert len(messages(polling)) == 1
    polling.poller.after_commit = None
    again = polling.poll(completion="rename")
    assert (again.error, again.taken) == (None, 0)
    assert not path.exists()
    assert len(messages(polling)) == 1  # one message ...
    assert len(polling.gateway.deliveries()) == 1  # ... and one event


def test_a_crash_before_the_record_is_caught_by_the_duplicate_layers(polling: Polling) -> None:
    """The commit happened, the record of the take did not: ``receive`` sees a re-send."""
    from gateway.store.models import RemoteFile

    path = polling.peer.drop("856-g.edi", SAMPLE)
    polling.poller.after_commit = lambda _: (_ for _ in ()).throw(RuntimeError("crash"))
    polling.poll(completion="rename")
    with polling.gateway.runtime.db.transaction() as session:  # as if the record never was
        for row in session.scalars(select(RemoteFile)):
            row.taken_at = row.sha256 = None
    polling.poller.after_commit = None
    again = polling.poll(completion="rename")
    assert again.taken == 0 and not path.exists()
    stored = messages(polling)
    processed = [m for m in stored if m.duplicate_of is None]
    assert len(processed) == 1
    assert all(m.duplicate_of == processed[0].id for m in stored if m is not processed[0])


def test_one_poll_of_a_partner_at_a_time(polling: Polling) -> None:
    inbox = Inbox(polling.gateway.runtime.db, polling.gateway.enqueue_process, polling.partners)
    others = [SftpPoller(polling.gateway.runtime.db, inbox, f"w{i}") for i in range(2, 6)]
    assert polling.poller.acquire("demo-supplier")
    assert [p.acquire("demo-supplier") for p in others] == [False] * 4
    assert polling.poll(others[0]).ran is False
    assert polling.poll().ran is True  # the holder itself polls, and frees the lease after
    polling.peer.drop("856-h.edi", SAMPLE)
    results: list[bool] = []
    barrier = threading.Barrier(len(others))

    def race(poller: SftpPoller) -> None:
        barrier.wait()
        results.append(poller.acquire("demo-supplier"))

    threads = [threading.Thread(target=race, args=(p,)) for p in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_our_997_is_uploaded_under_a_temp_name_then_renamed(polling: Polling) -> None:
    settings = polling.settings()
    outbound = Outbound("out_" + "a" * 24, "demo-supplier", "997", b"ISA*00*...~")
    sent = send_remote(settings, polling.partners, outbound)
    final = polling.peer.base / "outbox" / f"997-{outbound.id}.edi"
    assert sent.status == "sent" and final.read_bytes() == outbound.payload
    assert not final.with_name(final.name + ".part").exists()
    again = send_remote(
        settings, polling.partners, Outbound(outbound.id, "demo-supplier", "997", b"v2")
    )
    assert again.status == "sent" and final.read_bytes() == b"v2"
    assert [p.name for p in final.parent.iterdir()] == [final.name]
