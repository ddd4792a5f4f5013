"""Login throttling: at most ``attempts`` failed logins per ``window_s`` per client address and
per username, counted in this process.

In memory on purpose: the console runs in the ``gateway run`` process that serves the API, and a
guesser is slowed where it guesses. A successful login does not reset the client's count, so a
valid account cannot be used to launder guesses at another. Several API processes behind a
balancer each keep their own count (the limit multiplies by their number): put the limit at the
proxy too in that case.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    def __init__(self, attempts: int = 5, window_s: float = 300.0) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again; 0 when all may now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self.attempts:
                    wait = max(wait, failures[0] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # a spray of names: forget the quiet ones
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures
