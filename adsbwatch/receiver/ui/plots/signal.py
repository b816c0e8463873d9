"""The signal-level histogram: how strong the frames were, in 1-dB bins of dBFS, with the
noise floor. Many frames near 0 dBFS mean the gain is too high (strong signals clip);
a histogram that ends just above the noise floor means weak reception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adsbwatch.receiver.store.rows import MinuteRow
from adsbwatch.receiver.ui.plots import style

STRONG_DBFS = -3.0  # dump1090's "strong signals": above -3 dBFS


@dataclass
class LevelHistogram:
    counts: dict[int, int] = field(default_factory=dict)  # 1-dB bin's lower edge: frames
    max_dbfs: float | None = None
    noise_dbfs: list[float] = field(default_factory=list)  # each minute's noise floor

    @property
    def frames(self) -> int:
        return sum(self.counts.values())

    @property
    def strong_share(self) -> float:
        """Share of frames at or above STRONG_DBFS."""
        strong = sum(n for edge, n in self.counts.items() if edge >= STRONG_DBFS)
        return strong / self.frames if self.frames else 0.0

    @property
    def median_noise_dbfs(self) -> float | None:
        return float(np.median(self.noise_dbfs)) if self.noise_dbfs else None

    def add(self, rows: Iterable[MinuteRow]) -> None:
        for row in rows:
            for edge, n in row.levels.items():
                self.counts[edge] = self.counts.get(edge, 0) + n
            if row.max_dbfs is not None:
                self.max_dbfs = (row.max_dbfs if self.max_dbfs is None
                                 else max(self.max_dbfs, row.max_dbfs))
            if row.noise_dbfs is not None:
                self.noise_dbfs.append(row.noise_dbfs)


def draw(histogram: LevelHistogram, path: Path, title_period: str) -> Path:
    fig = style.figure()
    ax = fig.add_subplot()
    if not histogram.frames:
        style.no_data(ax, "no frames recorded")
    else:
        edges = np.array(sorted(histogram.counts), dtype=float)
        counts = np.array([histogram.counts[int(e)] for e in edges])
        ax.bar(edges, counts, width=1.0, align="edge", color=style.ACCENT,
               edgecolor="white", linewidth=0.4, label="frames per 1-dB bin")
        noise = histogram.median_noise_dbfs
        if noise is not None:
            ax.axvline(noise, color="#555555", linestyle="--", linewidth=1,
                       label=f"noise floor (median) {noise:.1f} dBFS")
        ax.axvspan(STRONG_DBFS, max(0.0, edges[-1] + 1), color="#d62728", alpha=0.08,
                   label=f"strong (≥ {STRONG_DBFS:g} dBFS): {histogram.strong_share:.1%}")
        low = min(edges[0], noise if noise is not None else edges[0]) - 2
        ax.set_xlim(low, max(1.0, edges[-1] + 2))
        ax.legend(fontsize=style.FONT_SIZE - 1, loc="upper left", frameon=False)
    ax.set_title(f"Signal level of {histogram.frames:,} frames; {title_period}",
                 fontsize=style.FONT_SIZE + 1)
    ax.set_xlabel("signal level (dBFS, mean magnitude of the frame's pulses)")
    ax.set_ylabel("frames")
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.grid(True, axis="y", color=style.MUTED, linewidth=0.5, alpha=0.6)
    return style.save(fig, path)
