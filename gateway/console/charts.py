"""Inline SVG charts, drawn on the server: no chart library, nothing for the browser to run.

A chart is data the template loops over (bars with their coordinates, axis labels), so it is
escaped like any other text, carries a ``<title>`` per bar for screen readers and tooltips, and
scales with the page (``viewBox``).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 40, 28, 10
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d")
FAILURE = "#dc2626"


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]
    baseline: float


def stacked_bars(
    days: list[str], series: dict[str, list[int]], colours: dict[str, str] | None = None
) -> Chart:
    """One bar per day, one segment per series, stacked."""
    colours = colours or {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(series))}
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    top = _nice(max(totals, default=0))
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bars: list[Bar] = []
    for i, day in enumerate(days):
        base = float(HEIGHT - BOTTOM)
        for name in sorted(series):
            value = series[name][i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            bars.append(
                Bar(
                    LEFT + i * slot + slot * 0.15,
                    base,
                    slot * 0.7,
                    h,
                    colours[name],
                    f"{day} {name}: {value}",
                )
            )
    every = max(1, len(days) // 7)
    x_ticks = [
        Tick(LEFT + i * slot + slot / 2, HEIGHT - 8, day[5:])
        for i, day in enumerate(days)
        if i % every == 0
    ]
    y_ticks = [
        Tick(LEFT - 6, HEIGHT - BOTTOM - plot_h * k / 4, f"{top * k // 4}") for k in range(5)
    ]
    legend = [(name, colours[name]) for name in sorted(series)]
    return Chart(WIDTH, HEIGHT, bars, x_ticks, y_ticks, legend, HEIGHT - BOTTOM)


def _nice(value: int) -> int:
    """A round axis top at or above ``value`` (at least 4, so quarters are whole)."""
    if value <= 4:
        return 4
    step: int = 10 ** (len(str(value)) - 1)
    for m in (1, 2, 4, 5, 10):
        top = m * step
        if top >= value:
            return top if top % 4 == 0 else (top + 3) // 4 * 4
    return value
