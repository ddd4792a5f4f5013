"""Starting workers: embedded (threads in the gateway process) or standalone processes.

Every start begins with the sweep: whatever the database holds as unfinished is enqueued again,
so a crash at any point loses nothing. A background sweep repeats that for work whose queue
message went missing (a broker restart) after ``STALE_AFTER``.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import dramatiq
from pydantic import SecretStr

from gateway.live.snapshot import ExtraCheck
from gateway.masking import mask_log_handlers
from gateway.memory import tune_malloc
from gateway.pipeline.outbox import Sender
from gateway.pipeline.sla import fire_due_timers
from gateway.pipeline.sweep import sweep
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.workers.actors import Actors, build_actors
from gateway.workers.broker import make_broker

log = logging.getLogger("gateway.workers")
STALE_AFTER = timedelta(minutes=5)
SWEEP_EVERY_SECONDS = 60.0


@dataclass
class WorkerHandle:
    broker: dramatiq.Broker
    actors: Actors
    worker: dramatiq.Worker
    stop_event: threading.Event

    def stop(self, timeout_ms: int = 10_000) -> None:
        self.stop_event.set()
        self.worker.stop(timeout=timeout_ms)
        self.broker.close()


def enqueue_unfinished(
    runtime: Runtime, actors: Actors, older_than: timedelta | None = None
) -> int:
    limit = runtime.settings.recovery_limit if older_than is None else None
    found = sweep(
        runtime.db, older_than, recovery_limit=limit, push_transports=set(runtime.senders)
    )
    for message_id in found.given_up:
        log.error("sweep: gave up on %s after %s recoveries (now failed)", message_id, limit)
    if found.message_ids:
        actors.enqueue_process_group(found.message_ids)
    actors.enqueue_deliveries(found.delivery_ids)
    raise_overdue(runtime, actors)
    for item_id, delay_ms in found.outbox:
        actors.enqueue_outbound([item_id], delay_ms)
    if found.message_ids or found.delivery_ids or found.outbox:
        log.info(
            "sweep: re-enqueued %d messages, %d deliveries, %d outbox items",
            len(found.message_ids),
            len(found.delivery_ids),
            len(found.outbox),
        )
    return len(found.message_ids) + len(found.delivery_ids) + len(found.outbox)


def start_worker(
    runtime: Runtime, broker: dramatiq.Broker | None = None, threads: int = 4
) -> WorkerHandle:
    """Build actors on ``broker`` (default: from settings), sweep, and start consuming in threads."""
    broker = broker or make_broker(runtime.settings)
    actors = build_actors(broker, runtime, runtime.settings.queue_prefix)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    enqueue_unfinished(runtime, actors)
    stop_event = threading.Event()
    threading.Thread(
        target=_sweep_loop, args=(runtime, actors, stop_event), daemon=True, name="sweep"
    ).start()
    return WorkerHandle(broker, actors, worker, stop_event)


def raise_overdue(runtime: Runtime, actors: Actors) -> None:
    """SLA timers that ran out: their events, stored and delivered like any other."""
    try:
        actors.enqueue_deliveries(fire_due_timers(runtime.db, runtime.process_config.connectors))
    except Exception:  # the next round tries again; the timers stay due in the database
        log.exception("raising overdue SLA timers failed")


def _sweep_loop(runtime: Runtime, actors: Actors, stop_event: threading.Event) -> None:
    """The stale-work sweep every ``SWEEP_EVERY_SECONDS`` (it raises the SLA timers too), the
    SLA timers alone every ``GATEWAY_SLA_CHECK_S`` in between."""
    every = min(SWEEP_EVERY_SECONDS, runtime.settings.sla_check_s)
    last_sweep = time.monotonic()
    while not stop_event.wait(every):
        if time.monotonic() - last_sweep >= SWEEP_EVERY_SECONDS - every / 2:
            last_sweep = time.monotonic()
            try:
                enqueue_unfinished(runtime, actors, STALE_AFTER)
            except Exception:  # the next round tries again; the database is the truth
                log.exception("periodic sweep failed")
        else:
            raise_overdue(runtime, actors)


def freeze_startup_objects() -> None:
    """Exempt what start-up built (modules, maps, pools: nearly all of the heap) from the cyclic
    collector: a long-running process otherwise scans it again at every full collection, which
    translation makes frequent (``pipeline.gc_steps``). Garbage made later is collected as ever."""
    gc.collect()
    gc.freeze()


def settings_values(settings: Settings) -> dict[str, object]:
    """Settings as plain values for a child process (secrets revealed: pickled, never logged)."""
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in settings.model_dump().items()
    }


SendersFor = Callable[[Runtime], Mapping[str, Sender]]
"""Builds a runtime's sender table (``gateway_app.senders.build_senders``): a module-level
function, so that it reaches the spawned worker processes by name."""


Background = Callable[[Runtime, Callable[[str], None]], Callable[[], None]]
"""Starts a schedule beside a worker (``gateway_app.pollers.start_sftp_polls``) given the
runtime and the enqueue of stored messages; returns what stops it. Module-level, as above."""


def _worker_process(
    values: dict[str, object],
    threads: int,
    senders_for: SendersFor | None,
    checks: Sequence[ExtraCheck] = (),
    background: Sequence[Background] = (),
) -> None:
    tune_malloc()  # a spawned process: glibc's defaults again (gateway.memory)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )  # as ``gateway run``
    mask_log_handlers()
    settings = Settings.model_validate(values)
    runtime = Runtime.from_settings(settings, migrate=False, pre_ping=False)
    if senders_for is not None:
        runtime.senders = senders_for(runtime)
    problems = runtime.watch_config(checks)  # the same checked set as the API, reloaded alike
    if problems:
        for problem in problems:
            log.error("partner profile or map problem: %s", problem)
        runtime.close()
        raise SystemExit(f"{len(problems)} partner profile or map problem(s), listed above")
    handle = start_worker(runtime, threads=threads)
    stops = [start(runtime, handle.actors.enqueue_process) for start in background]
    freeze_startup_objects()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    for stop in stops:
        stop()
    handle.stop()
    runtime.close()


def run_workers(
    settings: Settings,
    processes: int = 1,
    threads: int = 4,
    senders_for: SendersFor | None = None,
    checks: Sequence[ExtraCheck] = (),
    background: Sequence[Background] = (),
) -> None:
    """``gateway worker``: N worker processes on the configured broker until SIGTERM/SIGINT;
    ``senders_for`` gives each its outbox sender table, ``checks`` the profile checks of the
    composition root (module-level functions: they reach the processes by name)."""
    if settings.broker in ("embedded", "stub"):
        raise SystemExit(
            "gateway worker needs GATEWAY_BROKER=redis or rabbitmq (embedded workers run inside `gateway run`)"
        )
    Runtime.from_settings(settings).close()  # migrate once, before the workers start
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(
            target=_worker_process,
            args=(
                settings_values(settings),
                threads,
                senders_for,
                tuple(checks),
                tuple(background),
            ),
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        if not any(child.is_alive() for child in children):
            break
    for child in children:
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join()
