"""``LiveConfig``: a process's profiles and maps, reloaded while it runs.

At start ``load`` reads the whole set and refuses to run with a problem in it (every problem
listed). Then a daemon thread looks at the files' names, sizes and modification times every
``interval_s`` (no contents, nothing per document); when they changed it reads the whole set
again and checks it as ``check-config`` does:

* valid: its profiles go to the database (``partner_store.apply_profiles``: identity, status,
  audited transitions), then it is installed in one swap, and every partner's new map version
  is kept in the history (``history``);
* invalid (or a status change the lifecycle refuses): every problem is logged once, and the
  snapshot already installed keeps running: the previous version stays in use.

A profile this process writes itself (``partners new``, ``promote``, ``/ops/partners``) is taken
in at once: ``forget_profiles`` calls ``refresh``, which swaps without touching the database
(the writer already did).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from gateway.live.history import record_map_versions
from gateway.live.snapshot import (
    ExtraCheck,
    Snapshot,
    files_state,
    install,
    read_snapshot,
    uninstall,
)
from gateway.partner_store import apply_profiles
from gateway.partners import DEFAULT_OUR_IDS, after_forget
from gateway.store.db import Database
from gateway.x12.identities import EnvelopeId

log = logging.getLogger("gateway.live")


class LiveConfig:
    def __init__(
        self,
        partners_dir: Path,
        maps_dir: Path,
        *,
        db: Database | None = None,
        our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS,
        extra_checks: Sequence[ExtraCheck] = (),
        interval_s: float = 1.0,
    ) -> None:
        self.partners_dir, self.maps_dir = partners_dir, maps_dir
        self.db, self.our_ids, self.extra_checks = db, our_ids, tuple(extra_checks)
        self.interval_s = interval_s
        self.snapshot: Snapshot | None = None
        self.problems: list[str] = []
        """The last refused change's problems (empty once a valid set is installed)."""
        self._state: tuple[tuple[str, int, int], ...] = ()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> list[str]:
        """Read, apply and install the set; its problems (then nothing is installed)."""
        with self._lock:
            self._state = files_state(self.partners_dir, self.maps_dir)
            return self._reload(sync=self.db is not None)

    def check(self) -> bool:
        """Reload when the files changed since the last look; True when a new set went in."""
        with self._lock:
            state = files_state(self.partners_dir, self.maps_dir)
            if state == self._state:
                return False
            self._state = state
            before = self.snapshot
            self._reload(sync=self.db is not None)
            return self.snapshot is not before

    def refresh(self) -> None:
        """Take in what this process just wrote (no database work: the writer did it)."""
        with self._lock:
            self._state = files_state(self.partners_dir, self.maps_dir)
            self._reload(sync=False)

    def start(self) -> None:
        """Watch in a daemon thread (``interval_s`` 0: never); profile writes of this process
        are taken in at once either way."""
        after_forget(self.refresh)
        if self.interval_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="live-config")
            self._thread.start()

    def stop(self, *, uninstall_snapshot: bool = False) -> None:
        after_forget(self.refresh, remove=True)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if uninstall_snapshot:
            uninstall(self.partners_dir, self.maps_dir)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:  # the next look tries again; the running set stays as it is
                log.exception("live reload: looking at the profile and map files failed")

    def _reload(self, *, sync: bool) -> list[str]:
        snapshot, problems = read_snapshot(
            self.partners_dir, self.maps_dir, self.our_ids, self.extra_checks
        )
        running = self.snapshot
        if (
            snapshot is not None
            and running is not None
            and snapshot.fingerprint == running.fingerprint
        ):
            self.problems = []
            return []  # touched, not changed (or back to what runs)
        if snapshot is not None and sync and self.db is not None:
            problems = apply_profiles(self.db, {k: p for k, (p, _) in snapshot.profiles.items()})
            snapshot = None if problems else snapshot
        if snapshot is None:
            self._refused(problems)
            return problems
        install(snapshot)
        old, self.snapshot, self.problems = self.snapshot, snapshot, []
        changed = record_map_versions(self.db, snapshot) if self.db is not None else []
        if old is not None:
            log.info(
                "live reload: profiles and maps %s -> %s now in use%s",
                old.fingerprint,
                snapshot.fingerprint,
                f" (new map versions: {', '.join(changed)})" if changed else "",
            )
        return []

    def _refused(self, problems: list[str]) -> None:
        if problems == self.problems:
            return  # said already
        self.problems = problems
        keeping = self.snapshot.fingerprint if self.snapshot is not None else "nothing"
        log.error(
            "live reload refused: %d problem(s) in the partner profiles and maps; still "
            "running %s:\n  %s",
            len(problems),
            keeping,
            "\n  ".join(problems),
        )
