"""stats.json in dump1090-fa's format: `latest`, `last1min`, `last5min`, `last15min` and
`total`, each with `start`, `end`, `local` (samples, frames accepted by bits repaired,
signal, noise, peak, strong signals, gain), `messages` and `messages_by_df`.

Counted from the batches, with numpy (no loop per frame), on the pipeline's clock: a
replay's minutes are the recording's minutes. As in dump1090-fa, `latest` becomes
`last1min` once a minute, and the 5- and 15-minute periods add up the last minutes."""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch

MINUTE_S = 60.0
STRONG_DBFS = -3.0  # dump1090-fa's strong_signals: frames above -3 dBFS
REPAIR_SLOTS = 3  # accepted[N]: frames accepted with N bits repaired (0, 1 or 2)


@dataclass
class Period:
    start: float
    end: float
    samples: int = 0
    dropped: int = 0
    accepted: np.ndarray = field(default_factory=lambda: np.zeros(REPAIR_SLOTS, np.int64))
    by_df: np.ndarray = field(default_factory=lambda: np.zeros(32, np.int64))
    power_sum: float = 0.0  # of the frames' signal power (level squared)
    levelled: int = 0  # frames with a level (a peer may send frames with none)
    peak_power: float = 0.0
    strong: int = 0
    noise_power_sum: float = 0.0
    noise_blocks: int = 0

    def add(self, other: Period) -> None:
        self.start = min(self.start, other.start)
        self.end = max(self.end, other.end)
        self.samples += other.samples
        self.dropped += other.dropped
        self.accepted += other.accepted
        self.by_df += other.by_df
        self.power_sum += other.power_sum
        self.levelled += other.levelled
        self.peak_power = max(self.peak_power, other.peak_power)
        self.strong += other.strong
        self.noise_power_sum += other.noise_power_sum
        self.noise_blocks += other.noise_blocks

    def as_json(self, gain_db: float | None,
                demod: dict[str, int] | None = None) -> dict[str, Any]:
        frames = int(self.by_df.sum())
        local: dict[str, Any] = {"samples_processed": self.samples,
                                 "samples_dropped": self.dropped}
        if demod:
            # The demodulator's own counts are known once the run is over.
            # modes: preambles tried; bad: those that gave no frame (dump1090-fa's sense).
            local["modes"] = demod.get("screened", 0)
            local["bad"] = demod.get("rejected", 0)
            local["unknown_icao"] = demod.get("unknown_address", 0)
        local["accepted"] = self.accepted.tolist()
        if self.levelled:
            local["signal"] = _dbfs(self.power_sum / self.levelled)
            local["peak_signal"] = _dbfs(self.peak_power)
        if self.noise_blocks:
            local["noise"] = _dbfs(self.noise_power_sum / self.noise_blocks)
        local["strong_signals"] = self.strong
        if gain_db is not None and math.isfinite(gain_db):
            local["gain_db"] = round(gain_db, 1)
        return {"start": round(self.start, 1), "end": round(self.end, 1), "local": local,
                "messages": frames, "messages_by_df": self.by_df.tolist()}


def _dbfs(power: float) -> float:
    return round(10 * math.log10(max(power, 1e-12)), 1)


class StatsPeriods:
    """Feed every batch with the clock's time and the source's sample totals."""

    def __init__(self, start: float) -> None:
        self.latest = Period(start, start)
        self.total = Period(start, start)
        self.minutes: collections.deque[Period] = collections.deque(maxlen=15)
        self._samples = self._dropped = 0

    def on_batch(self, batch: FrameBatch, now: float, samples: int, dropped: int) -> None:
        if now >= self.latest.start + 16 * MINUTE_S:
            self._roll(self.latest.start + MINUTE_S)  # a long silence: older minutes
            self.latest = Period(now, now)  # are empty, and a live clock may jump
        while now >= self.latest.start + MINUTE_S:
            self._roll(self.latest.start + MINUTE_S)
        p = self.latest
        p.end = max(p.end, now)
        p.samples += samples - self._samples
        p.dropped += dropped - self._dropped
        self._samples, self._dropped = samples, dropped
        if batch.noise > 0:
            p.noise_power_sum += batch.noise ** 2
            p.noise_blocks += 1
        if len(batch):
            power = batch.known_level.astype(np.float64) ** 2
            p.by_df += np.bincount(batch.msg[:, 0] >> 3, minlength=32)[:32]
            p.accepted += np.bincount(np.minimum(batch.fixed, REPAIR_SLOTS - 1),
                                      minlength=REPAIR_SLOTS)
            p.power_sum += float(power.sum())
            p.levelled += int(power.size)
            p.peak_power = max(p.peak_power, float(power.max(initial=0.0)))
            p.strong += int(np.count_nonzero(batch.dbfs > STRONG_DBFS))

    def _roll(self, at: float) -> None:
        """`latest` becomes the newest finished minute; a new `latest` begins at `at`."""
        self.latest.end = at
        self.minutes.append(self.latest)
        self.total.add(self.latest)
        self.latest = Period(at, at)

    def as_json(self, gain_db: float | None = None,
                demod: dict[str, int] | None = None) -> dict[str, Any]:
        total = Period(self.total.start, self.total.end)
        total.add(self.total)
        total.add(self.latest)
        doc = {"latest": self.latest.as_json(gain_db)}
        for name, minutes in (("last1min", 1), ("last5min", 5), ("last15min", 15)):
            doc[name] = self._last(minutes).as_json(gain_db)
        doc["total"] = total.as_json(gain_db, demod)
        return doc

    def _last(self, minutes: int) -> Period:
        recent = list(self.minutes)[-minutes:]
        if not recent:  # no minute finished yet: an empty period ending where latest began
            return Period(self.latest.start, self.latest.start)
        period = Period(recent[0].start, recent[0].end)
        for p in recent:
            period.add(p)
        return period
