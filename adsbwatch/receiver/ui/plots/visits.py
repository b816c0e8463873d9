"""The timeline of watched aircraft's visits: one row per watched aircraft, a bar from
each visit's first to its last message. A visit too short to see at the period's scale
gets a marker at its start, so none goes missing from the picture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adsbwatch.receiver.store.rows import VisitRow
from adsbwatch.receiver.ui.plots import style

MIN_BAR_SHARE = 0.004  # of the period's width: a shorter visit is drawn with a marker
MAX_ROWS = 40  # aircraft shown; the most recently seen ones


@dataclass(frozen=True)
class TimelineRow:
    name: str  # "LABEL (HEX, REG TYPE)", "HEX REG TYPE" or "HEX"
    spans: list[tuple[float, float]]  # (first_seen, last_seen) of each visit


def aircraft_name(v: VisitRow) -> str:
    """The label, address and what the aircraft database said of it: "Dutch government
    (484506, PH-GOV B737)"."""
    hex_ = " ".join(part for part in (f"{v.icao:06X}", v.registration, v.type_code) if part)
    if not v.label:
        return hex_
    return f"{v.label} ({hex_.replace(' ', ', ', 1)})"


def timeline_rows(visits: Sequence[VisitRow]) -> list[TimelineRow]:
    """One row per watched aircraft, in the order first seen in the period."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for v in sorted(visits, key=lambda v: v.first_seen):
        spans.setdefault(aircraft_name(v), []).append((v.first_seen, v.last_seen))
    return [TimelineRow(name, s) for name, s in spans.items()]


def draw(rows: list[TimelineRow], path: Path, title_period: str,
         period: tuple[float, float]) -> Path:
    shown = sorted(rows, key=lambda r: r.spans[-1][1])[-MAX_ROWS:]
    shown.sort(key=lambda r: r.spans[0][0])
    fig = style.figure((style.WIDE[0], max(2.6, 1.4 + 0.38 * len(shown))))
    ax = fig.add_subplot()
    start, end = period
    span = max(end - start, 1.0)
    if not shown:
        style.no_data(ax, "no watched aircraft seen")
        ax.set_yticks([])
    else:
        visits = sum(len(r.spans) for r in shown)
        bar_min = span * MIN_BAR_SHARE
        for y, row in enumerate(shown):
            spans = np.array(row.spans)
            x0 = style.date_numbers(spans[:, 0])
            widths = style.date_numbers(np.maximum(spans[:, 1] - spans[:, 0], bar_min))
            ax.barh(y, widths, left=x0, height=0.55, color=style.ACCENT, alpha=0.85)
            short = spans[:, 1] - spans[:, 0] < bar_min
            if short.any():
                ax.plot(x0[short], [y] * int(short.sum()), marker="|", markersize=12,
                        color="#0b3c66", linestyle="none")
        ax.set_yticks(range(len(shown)), [r.name for r in shown],
                      fontsize=style.FONT_SIZE - 1)
        ax.set_ylim(len(shown) - 0.4, -0.6)  # the first seen on top
        more = len(rows) - len(shown)
        note = f" ({more} more not shown)" if more else ""
        style.title(ax, f"Visits of watched aircraft: {style.count(visits, 'visit')} of "
                        f"{style.count(len(shown), 'aircraft', 'aircraft')}{note}\n"
                        f"{title_period}")
    pad = span * 0.02
    ax.set_xlim(*style.date_numbers(np.array([start - pad, end + pad])))
    style.utc_time_axis(ax)
    if not shown:
        style.title(ax, f"Visits of watched aircraft\n{title_period}")
    ax.grid(True, axis="x", color=style.MUTED, linewidth=0.5, alpha=0.6)
    return style.save(fig, path)
