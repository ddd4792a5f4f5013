"""Garbage collection between transaction sets: nothing for it to find, and nothing left behind."""

from __future__ import annotations

import gc
import io
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.pipeline import gc_steps
from gateway.pipeline.translate import translate_bytes, translate_stream
from tests.x12.test_fastpath import ROOT, generated_856


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.mark.parametrize("speedups", ["", "1"])
def test_given_translation_then_it_leaves_no_reference_cycles(
    speedups: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why pausing the collector costs nothing: translation frees everything by reference count."""
    monkeypatch.setenv("GATEWAY_NO_SPEEDUPS", speedups)
    files = [generated_856(tmp_path, 60_000), *sorted((ROOT / "samples").glob("*/*.edi"))[:6]]
    inputs = [f if isinstance(f, bytes) else f.read_bytes() for f in files]
    for data in inputs:  # warm up: maps loaded, caches filled
        translate_bytes(data)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for data in inputs:
            translate_stream(io.BytesIO(data), on_event=lambda event: None)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_given_block_then_collector_paused_inside_and_resumed_after(collector_on: None) -> None:
    with gc_steps.collecting_between_steps():
        assert not gc.isenabled()
        with gc_steps.collecting_between_steps():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds the pause
    assert gc.isenabled()


def test_given_collector_off_then_block_leaves_it_off(collector_on: None) -> None:
    gc.disable()
    with gc_steps.collecting_between_steps():
        cycle = weakref.ref(_Node())
        gc_steps.step()
        assert cycle() is not None  # not ours to collect: the application turned it off
    assert not gc.isenabled()
    gc.collect()


def test_given_error_in_block_then_collector_resumed(collector_on: None) -> None:
    with pytest.raises(RuntimeError), gc_steps.collecting_between_steps():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_given_cycles_made_inside_block_then_a_step_collects_them(collector_on: None) -> None:
    """Garbage made meanwhile (by an on_event callback, say) goes about when it would have."""
    gc.collect()
    young_threshold = gc.get_threshold()[0]
    with gc_steps.collecting_between_steps():
        cycles = [weakref.ref(_Node()) for _ in range(young_threshold + 10)]
        assert all(ref() is not None for ref in cycles)
        gc_steps.step()
        assert all(ref() is None for ref in cycles)


def test_given_concurrent_blocks_then_last_one_out_resumes(collector_on: None) -> None:
    inside, release = threading.Barrier(2), threading.Event()

    def other() -> None:
        with gc_steps.collecting_between_steps():
            inside.wait()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    with gc_steps.collecting_between_steps():
        inside.wait()
    assert not gc.isenabled()  # the other thread is still translating
    release.set()
    thread.join()
    assert gc.isenabled()


def test_given_translating_all_the_time_then_steps_still_collect_the_oldest_generation(
    collector_on: None,
) -> None:
    """A worker always inside a translation must not keep old cyclic garbage forever."""
    thresholds = gc.get_threshold()
    gc.set_threshold(10, 1, 1)
    try:
        with gc_steps.collecting_between_steps():
            node = _Node()
            old = weakref.ref(node)
            gc.collect(1)  # the cycle survives into the oldest generation...
            del node  # ...and only then becomes garbage
            ballast = []
            for _ in range(10):
                ballast.append([[] for _ in range(20)])  # kept: the young count must grow
                gc_steps.step()
            assert old() is None
    finally:
        gc.set_threshold(*thresholds)
