"""A watched visit's altitude profile: barometric altitude over time, from the visit's
stored track points (one PNG per visit: climbs, descents, holding, a go-around)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adsbwatch.receiver.store.rows import VisitRow
from adsbwatch.receiver.ui.plots import style
from adsbwatch.receiver.ui.plots.visits import aircraft_name
from adsbwatch.receiver.when import table_time


def file_name(v: VisitRow) -> str:
    """`altitude-4d2023-20250516T093000.png`: the aircraft and the visit's start."""
    stamp = table_time(v.first_seen).replace("-", "").replace(":", "").replace(" ", "T")
    return f"altitude-{v.icao:06x}-{stamp}.png"


def title(v: VisitRow) -> str:
    callsigns = ", ".join(v.callsigns.split())
    flight = f" as {callsigns}" if callsigns else ""
    return (f"{aircraft_name(v)}{flight}: from {table_time(v.first_seen)} UTC, "
            f"{style.duration_text(v.last_seen - v.first_seen)}")


def draw(v: VisitRow, points: Sequence[tuple[float, int]], path: Path) -> Path:
    fig = style.figure((style.WIDE[0], 3.8))
    ax = fig.add_subplot()
    if points:
        data = np.array(points, dtype=np.float64)
        x = style.date_numbers(data[:, 0])
        ax.plot(x, data[:, 1], color=style.ACCENT, linewidth=1.5, marker="o",
                markersize=2.5 if len(points) < 300 else 0)
        low, high = data[:, 1].min(), data[:, 1].max()
        margin = max(500.0, 0.08 * (high - low))
        ax.set_ylim(max(low - margin, -1500.0), high + margin)
        pad = max((data[-1, 0] - data[0, 0]) * 0.02, 0.05)
        ax.set_xlim(x[0] - pad / 86400, x[-1] + pad / 86400)
    else:
        style.no_data(ax, "no altitude recorded with the positions")
    style.utc_time_axis(ax)
    ax.set_ylabel("altitude (ft)")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.set_title(title(v), fontsize=style.FONT_SIZE + 1)
    ax.grid(True, color=style.MUTED, linewidth=0.5, alpha=0.6)
    return style.save(fig, path)
