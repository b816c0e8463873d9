"""Messages per minute over time, by kind: ADS-B broadcasts, all-call replies and replies
to ground radars' interrogations. A long period is drawn in wider bins (still as
messages per minute, the mean over the minutes heard), so a week stays readable."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adsbwatch.receiver.store.rows import MinuteRow
from adsbwatch.receiver.ui.plots import style

# Downlink formats by what they are (DF17/18 extended squitter, DF11 all-call,
# DF0/4/5/16/20/21 replies to interrogations).
GROUPS = (("ADS-B (DF17, DF18)", (17, 18), "#3a86c8"),
          ("all-call replies (DF11)", (11,), "#57a773"),
          ("surveillance replies (DF0/4/5/16/20/21)", (0, 4, 5, 16, 20, 21), "#f2a541"),
          ("other formats", (), "#9aa5b1"))
MAX_BINS = 1500
BIN_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)


def group_of(df: int) -> int:
    for index, (_, formats, _) in enumerate(GROUPS):
        if df in formats:
            return index
    return len(GROUPS) - 1


@dataclass
class MinuteSeries:
    """Per minute heard (summed over runs), in time order."""

    minutes: np.ndarray  # the minutes' starts, UNIX seconds
    frames: np.ndarray  # [minutes, groups]: frames with a valid CRC
    messages: np.ndarray  # decoded messages
    seconds: np.ndarray  # time listened within each minute

    @property
    def total_messages(self) -> int:
        return int(self.messages.sum())

    @property
    def total_frames(self) -> int:
        return int(self.frames.sum())


class MinuteCounter:
    """Folds minute rows into a MinuteSeries."""

    def __init__(self) -> None:
        self._by_minute: dict[float, np.ndarray] = {}  # [groups..., messages, seconds]

    def add(self, rows: Iterable[MinuteRow]) -> None:
        width = len(GROUPS) + 2
        for row in rows:
            sums = self._by_minute.get(row.minute)
            if sums is None:
                sums = self._by_minute[row.minute] = np.zeros(width)
            for df, n in row.frames_by_df.items():
                sums[group_of(df)] += n
            sums[-2] += row.messages
            sums[-1] += row.seconds

    def result(self) -> MinuteSeries:
        minutes = np.array(sorted(self._by_minute), dtype=np.float64)
        table = np.array([self._by_minute[m] for m in minutes.tolist()]).reshape(
            len(minutes), len(GROUPS) + 2)
        return MinuteSeries(minutes, table[:, :len(GROUPS)].astype(np.int64),
                            table[:, -2].astype(np.int64), table[:, -1])


def bin_minutes(span_minutes: float) -> int:
    """The narrowest bin (in minutes) that draws the span in at most MAX_BINS bars."""
    for width in BIN_MINUTES:
        if span_minutes / width <= MAX_BINS:
            return width
    return 1440 * math.ceil(span_minutes / 1440 / MAX_BINS)


def binned(series: MinuteSeries, width_min: int) -> tuple[np.ndarray, np.ndarray]:
    """(the bins' edges in UNIX seconds, [bins, groups] mean frames per minute heard):
    every bin from the first minute's to the last's, NaN where nothing was heard."""
    width_s = 60.0 * width_min
    keys = np.floor(series.minutes / width_s).astype(np.int64)
    index = keys - keys[0]
    bins = int(index[-1]) + 1
    sums = np.zeros((bins, len(GROUPS)))
    np.add.at(sums, index, series.frames)
    heard = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(heard[:, None] > 0, sums / heard[:, None], np.nan)
    return (keys[0] + np.arange(bins + 1)) * width_s, rates


def draw(series: MinuteSeries, path: Path, title_period: str) -> Path:
    fig = style.figure()
    ax = fig.add_subplot()
    if len(series.minutes) == 0:
        style.no_data(ax, "no minute statistics recorded")
        ax.set_xlabel("time (UTC)")
    else:
        span = (series.minutes[-1] - series.minutes[0]) / 60 + 1
        width = bin_minutes(span)
        edges, rates = binned(series, width)
        x = style.date_numbers(edges)
        bottom = np.zeros(len(rates))
        for (name, _, colour), column in zip(GROUPS, rates.T, strict=True):
            if np.nansum(column) > 0:  # one filled outline per kind: fast for 1500 bins
                ax.stairs(bottom + column, x, baseline=bottom, fill=True, color=colour,
                          label=name)
                bottom = bottom + column
        bin_days = width / 1440
        pad = max((x[-1] - x[0]) * 0.02, bin_days if len(rates) <= 3 else 0.0)
        ax.set_xlim(x[0] - pad, x[-1] + pad)
        ax.set_ylim(0, max(float(np.nanmax(bottom)), 1.0) * 1.3)  # room for the legend
        style.utc_time_axis(ax)
        ax.legend(fontsize=style.FONT_SIZE - 1, loc="upper left", frameon=False)
        per = "minute" if width == 1 else f"minute, mean over {width}-minute bins"
        ax.set_title(f"Messages per {per}; {title_period}", fontsize=style.FONT_SIZE + 1)
    ax.set_ylabel("messages per minute\n(frames with a valid CRC)")
    ax.grid(True, axis="y", color=style.MUTED, linewidth=0.5, alpha=0.6)
    return style.save(fig, path)
