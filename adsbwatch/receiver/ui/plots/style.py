"""What every plot shares: figures drawn without a screen (matplotlib's Agg canvas, no
pyplot and its global state), UTC time axes, colours, and the note on an empty plot."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adsbwatch.receiver import wording

DPI = 100
WIDE = (10.0, 4.5)  # inches: time series
SQUARE = (7.5, 7.5)  # the polar coverage plot
FONT_SIZE = 10
SECONDS_PER_DAY = 86400.0
ACCENT = "#1f6fb2"
MUTED = "#9aa5b1"


def figure(size: tuple[float, float] = WIDE) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # drawn in memory: no display, no backend to choose
    return fig


def date_numbers(unix_seconds: np.ndarray | float) -> np.ndarray:
    """matplotlib's date numbers (days since 1970-01-01) of UNIX times."""
    return np.asarray(unix_seconds, dtype=np.float64) / SECONDS_PER_DAY


def utc_time_axis(ax: Axes, axis: str = "x") -> None:
    """Dates and times in UTC, as concise as the span allows, labelled as UTC."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(tz=mdates.UTC)
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=mdates.UTC))
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)("time (UTC)")


def duration_text(seconds: float) -> str:
    """`0.2 s`, `12 min`, `3.5 h`, `6.0 days`: as precise as a caption needs."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * SECONDS_PER_DAY:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / SECONDS_PER_DAY:.1f} days"


def count(n: int, thing: str, things: str | None = None) -> str:
    """`1 visit`, `3 visits`, `12,000 frames`."""
    return wording.count(n, thing, things, grouped=True)


def title(ax: Axes, text: str, size: int = FONT_SIZE + 1) -> None:
    """The plot's title over the whole figure, its lines wrapped until the widest fits
    the image (a long period or note was cut at both edges)."""
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    limit = fig.bbox.width * 0.96
    per_line = max(len(line) for line in text.split("\n"))
    while True:
        lines = [w for part in text.split("\n") for w in textwrap.wrap(part, per_line)]
        shown = fig.suptitle("\n".join(lines), fontsize=size)
        if shown.get_window_extent(renderer).width <= limit or per_line <= 20:
            return
        per_line = int(per_line * 0.9)


def no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            color=MUTED, fontsize=FONT_SIZE + 2)


def save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path
