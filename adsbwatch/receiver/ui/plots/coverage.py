"""Coverage: how far the receiver heard aircraft in each direction, from the stored
positions. Each 5° sector of bearing from the receiver gets the farthest position of
each altitude band, so the plot shows both the range and what limits it (low aircraft
vanish behind the horizon first)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adsbwatch.decoder.messages.geo import EARTH_RADIUS_KM
from adsbwatch.receiver.ui.plots import style

SECTOR_DEG = 5
SECTORS = 360 // SECTOR_DEG
BAND_TOPS_FT = (10_000, 20_000, 30_000)  # a band holds altitudes below its top
BAND_NAMES = ("below 10,000 ft", "10,000 to 20,000 ft", "20,000 to 30,000 ft",
              "30,000 ft and above")
BAND_COLOURS = ("#f2a541", "#57a773", "#3a86c8", "#6a3d9a")
_RING_STEPS_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200)


@dataclass
class Coverage:
    receiver: tuple[float, float]
    farthest_km: np.ndarray  # [SECTORS, bands]: NaN where the band was never heard
    positions: int = 0
    without_altitude: int = 0  # counted in the lowest band (on the ground, or unknown)

    @property
    def max_km(self) -> float | None:
        if not np.isfinite(self.farthest_km).any():
            return None
        return float(np.nanmax(self.farthest_km))


def ranges_and_bearings(receiver: tuple[float, float], lat: np.ndarray, lon: np.ndarray,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle distance (km, haversine) and initial bearing (degrees clockwise from
    true north, 0..360) from the receiver to each position."""
    p1, l1 = math.radians(receiver[0]), math.radians(receiver[1])
    p2, dl = np.radians(lat), np.radians(lon) - l1
    a = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    y = np.sin(dl) * np.cos(p2)
    x = math.cos(p1) * np.sin(p2) - math.sin(p1) * np.cos(p2) * np.cos(dl)
    return km, np.degrees(np.arctan2(y, x)) % 360.0


def altitude_bands(alt_ft: np.ndarray) -> np.ndarray:
    """The band index of each altitude (NaN, no altitude: the lowest band)."""
    return np.searchsorted(np.asarray(BAND_TOPS_FT, float), np.nan_to_num(alt_ft, nan=0.0),
                           side="right")


class CoverageCounter:
    """Folds chunks of (lat, lon, alt) rows into a Coverage."""

    def __init__(self, receiver: tuple[float, float]) -> None:
        bands = len(BAND_NAMES)
        self.coverage = Coverage(receiver, np.full((SECTORS, bands), -np.inf))

    def add(self, rows: Sequence[tuple[float, float, int | None]]) -> None:
        if not rows:
            return
        table = np.array(rows, dtype=np.float64)  # None (no altitude) becomes NaN
        km, bearing = ranges_and_bearings(self.coverage.receiver, table[:, 0], table[:, 1])
        sector = (bearing // SECTOR_DEG).astype(np.int64) % SECTORS
        cells = sector * len(BAND_NAMES) + altitude_bands(table[:, 2])
        np.maximum.at(self.coverage.farthest_km.reshape(-1), cells, km)
        self.coverage.positions += len(rows)
        self.coverage.without_altitude += int(np.isnan(table[:, 2]).sum())

    def result(self) -> Coverage:
        farthest = self.coverage.farthest_km
        farthest[~np.isfinite(farthest)] = np.nan
        return self.coverage


def coverage_of(chunks: Iterable[Sequence[tuple[float, float, int | None]]],
                receiver: tuple[float, float]) -> Coverage:
    counter = CoverageCounter(receiver)
    for rows in chunks:
        counter.add(rows)
    return counter.result()


def _ring_step(max_km: float) -> float:
    """A round ring spacing giving three to six rings."""
    for step in _RING_STEPS_KM:
        if max_km / step <= 6:
            return step
    return 100.0 * math.ceil(max_km / 600)


def draw(coverage: Coverage, path: Path, title_period: str) -> Path:
    fig = style.figure(style.SQUARE)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)  # clockwise, as a compass
    width = math.radians(SECTOR_DEG)
    theta = np.radians(np.arange(SECTORS) * SECTOR_DEG + SECTOR_DEG / 2)
    farthest = coverage.farthest_km
    # Per sector, the farthest band is drawn first and nearer ones over it, so every
    # band shows where it was heard.
    order = np.argsort(-np.nan_to_num(farthest, nan=-1.0), axis=1)
    for rank in range(farthest.shape[1]):
        band = order[:, rank]
        km = farthest[np.arange(SECTORS), band]
        heard = np.isfinite(km)
        ax.bar(theta[heard], km[heard], width=width, bottom=0.0,
               color=[BAND_COLOURS[b] for b in band[heard]], edgecolor="white",
               linewidth=0.4, zorder=1 + rank / 10)  # under the axis: rings show
    for colour, name in zip(BAND_COLOURS, BAND_NAMES, strict=True):
        ax.bar([0], [0], color=colour, label=name)  # legend entries only
    max_km = coverage.max_km
    if max_km is None:
        style.no_data(ax, "no positions recorded")
        ax.set_yticklabels([])
    else:
        step = _ring_step(max_km)
        rings = np.arange(step, max_km + step, step)
        ax.set_ylim(0, rings[-1])
        ax.set_yticks(rings)
        labels = ax.set_yticklabels([f"{r:g} km" for r in rings],
                                    fontsize=style.FONT_SIZE - 1)
        for label in labels:  # readable over the bars
            label.set_bbox({"facecolor": "white", "alpha": 0.75, "edgecolor": "none",
                            "pad": 1})
        ax.set_rlabel_position(22.5)
    ax.set_xticks(np.radians(np.arange(0, 360, 45)))
    ax.set_xticklabels(["N", "NE", "E", "SE", "S", "SW", "W", "NW"])
    ax.grid(True, color=style.MUTED, linewidth=0.5, alpha=0.6)
    lat, lon = coverage.receiver
    ax.set_title(f"Coverage: farthest position per {SECTOR_DEG}° of bearing\n"
                 f"receiver {lat:.4f}, {lon:.4f}; {title_period}", fontsize=style.FONT_SIZE + 1)
    fig.legend(loc="outside lower center", ncols=2, fontsize=style.FONT_SIZE - 1,
               title="altitude band", frameon=False)
    return style.save(fig, path)
