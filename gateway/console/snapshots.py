"""The dashboard's numbers, kept in memory and refreshed in the background.

Counting documents per partner, type and day over a fortnight reads every event of those days
(about a second with a million messages in PostgreSQL: ``bench/console.py``). The dashboard
therefore shows a snapshot at most ``GATEWAY_CONSOLE_DASHBOARD_S`` old: a view of a stale one
answers at once and starts one refresh in a background thread; only the very first view of a
process waits for the numbers (``gateway run`` starts computing them when the console is
installed). The page says when its numbers were taken.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.queries.tracker import Dashboard

log = logging.getLogger("gateway.console")


@dataclass(frozen=True, slots=True)
class Snapshot:
    board: Dashboard
    taken_at: datetime
    monotonic: float


class DashboardSnapshots:
    def __init__(self, compute: Callable[[], Dashboard], max_age_s: float) -> None:
        self._compute = compute
        self.max_age_s = max_age_s
        self._current: Snapshot | None = None
        self._lock = threading.Lock()
        self._refreshing = False

    def get(self) -> Snapshot:
        current = self._current
        if current is None or self.max_age_s == 0:
            return self._take()
        if time.monotonic() - current.monotonic > self.max_age_s:
            self.refresh_in_background()
        return current

    def refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._background, name="dashboard-refresh", daemon=True).start()

    def _background(self) -> None:
        try:
            self._take()
        except Exception:  # the old snapshot stays; the next view tries again
            log.exception("refreshing the dashboard failed")
        finally:
            with self._lock:
                self._refreshing = False

    def _take(self) -> Snapshot:
        board = self._compute()
        snapshot = Snapshot(board, datetime.now(UTC), time.monotonic())
        self._current = snapshot
        return snapshot
