"""``EnqueueGroups``: a lone id goes at once, ids that arrive together go as one group, a full
group does not wait, a failed send is logged and the rest still goes, ``close`` sends the rest."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from gateway.workers.grouping import EnqueueGroups

WAIT_S = 10.0


class Sent:
    def __init__(self, fail_first: int = 0) -> None:
        self.groups: list[list[str]] = []
        self.fail_first = fail_first
        self.changed = threading.Condition()

    def __call__(self, group: list[str]) -> None:
        with self.changed:
            if self.fail_first:
                self.fail_first -= 1
                raise ConnectionError("broker down")
            self.groups.append(group)
            self.changed.notify_all()

    def wait_for(self, count: int) -> list[list[str]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.groups) >= count, WAIT_S)
            return list(self.groups)


def test_given_a_quiet_spell_then_a_lone_id_goes_at_once_and_later_ones_wait_for_the_interval() -> (
    None
):
    sent = Sent()
    groups = EnqueueGroups(sent, interval_s=3600, max_ids=20)
    started = time.monotonic()
    groups.add("a")
    assert sent.wait_for(1) == [["a"]]
    assert time.monotonic() - started < WAIT_S  # not an hour
    for message_id in "bcd":
        groups.add(message_id)
    time.sleep(0.2)
    assert sent.groups == [["a"]]  # within the interval: gathered, not sent
    groups.close()
    assert sent.groups == [["a"], ["b", "c", "d"]]


def test_given_a_full_group_then_it_goes_without_waiting_for_the_interval() -> None:
    sent = Sent()
    groups = EnqueueGroups(sent, interval_s=3600, max_ids=2)
    groups.add("a")
    sent.wait_for(1)
    for message_id in "bcde":
        groups.add(message_id)
    assert sent.wait_for(3) == [["a"], ["b", "c"], ["d", "e"]]
    groups.close()
    assert sent.groups == [["a"], ["b", "c"], ["d", "e"]]


def test_given_a_short_interval_then_gathered_ids_go_without_close() -> None:
    sent = Sent()
    groups = EnqueueGroups(sent, interval_s=0.05, max_ids=20)
    groups.add("a")
    groups.add("b")
    groups.add("c")
    assert [i for group in sent.wait_for(1) for i in group][:1] == ["a"]
    deadline = time.monotonic() + WAIT_S
    while sum(len(g) for g in sent.groups) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [i for group in sent.groups for i in group] == ["a", "b", "c"]
    groups.close()


def test_given_a_failing_send_then_it_is_logged_and_later_ids_still_go(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = Sent(fail_first=1)
    groups = EnqueueGroups(sent, interval_s=0, max_ids=20)
    with caplog.at_level(logging.ERROR, logger="gateway.workers"):
        groups.add("lost-to-the-sweep")
        deadline = time.monotonic() + WAIT_S
        while "sweep will pick them up" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "enqueueing 1 stored messages failed; the sweep will pick them up" in caplog.text
    groups.add("b")
    assert sent.wait_for(1) == [["b"]]
    groups.close()


def test_given_closed_then_add_sends_at_once() -> None:
    sent = Sent()
    groups = EnqueueGroups(sent, interval_s=3600, max_ids=20)
    groups.close()
    groups.add("late")
    assert sent.groups == [["late"]]


def test_max_ids_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_ids"):
        EnqueueGroups(Sent(), interval_s=1, max_ids=0)
