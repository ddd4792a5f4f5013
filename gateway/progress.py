"""Progress of a long CLI operation on standard error: a redrawn bar on a terminal, a line every
few seconds (and at the end) when the output goes to a log, so cron jobs and CI stay readable."""

from __future__ import annotations

import sys
import time
from collections import Counter
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 30
LOG_EVERY_S = 5.0


class Progress:
    """``with Progress(total, "retrying dead letters") as progress: ... progress.advance("delivered")``.

    Each ``advance`` counts one item under an outcome (``delivered``, ``dead``, ...); the tally is
    shown as it goes and returned by ``summary``.
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total, self.label = total, label
        self.stream = stream or sys.stderr
        self.done = 0
        self.outcomes: Counter[str] = Counter()
        self.tty = self.stream.isatty()
        self._started = self._last = time.monotonic()

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._draw(force=True)
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()

    def advance(self, outcome: str = "done") -> None:
        self.done += 1
        self.outcomes[outcome] += 1
        self._draw()

    def summary(self) -> str:
        tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        return f"{self.label}: {self.done}/{self.total}" + (f" ({tally})" if tally else "")

    def _draw(self, force: bool = False) -> None:
        if self.total <= 1:  # one item: its own line says how it went
            return
        now = time.monotonic()
        if self.tty:
            filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            rate = self.done / (now - self._started) if now > self._started else 0.0
            self.stream.write(f"\r[{bar}] {self.summary()}  {rate:.1f}/s ")
            self.stream.flush()
        elif force or now - self._last >= LOG_EVERY_S:
            self.stream.write(self.summary() + "\n")
            self._last = now
