"""The station's statistics: one accumulator, fed once per batch of frames and once per
decoded batch, kept in minute buckets on the station's clock (a recording's own minutes;
the wall clock's when live).

Every figure the program shows is a view of it: the stats line and the view's footer,
stats.json's periods, /metrics, the closing summary and the stored minute rows. Each
figure has one definition here:
- noise: the mean power of every sample received, in dBFS (dump1090-fa's);
- signal: the mean power of the frames that came with a level, in dBFS; peak: the
  strongest; strong: frames above STRONG_DBFS;
- samples, dropped samples (lost while connected), samples away (missed while a live
  source was gone), CPU: what the source and the threads counted, added to the minute
  in which the batch ended;
- frames: CRC-checked frames, by downlink format and by bits repaired, each in the
  minute of its own time; messages: frames decoded.
Counting is numpy per batch: no Python per frame.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ

if TYPE_CHECKING:  # a run without decoding (--raw) never loads the tracker
    from adsbwatch.decoder.messages.tracker import Tracker, TrackerCounts

MINUTE_S = 60.0
KEPT_MINUTES = 16  # minutes kept: stats.json's last15min and the one under way
LEVEL_LO_DB = -60  # the lowest 1-dB bin also holds every weaker frame
LEVEL_HI_DB = 6  # the highest bin (5..6 dBFS) also holds every stronger one
LEVEL_BINS = LEVEL_HI_DB - LEVEL_LO_DB
STRONG_DBFS = -3.0  # dump1090-fa's strong_signals
REPAIR_SLOTS = 3  # frames accepted with 0, 1 or 2 bits repaired
AIRCRAFT_S = 60.0  # an aircraft counts as present while heard this recently
LONGEST_BLOCK_S = 120.0  # a longer step of the clock is a jump, not listening


@dataclass(frozen=True)
class SourceCounts:
    """The source's and threads' cumulative counts, as the station reads them (named
    as the Bucket fields they add to)."""

    samples: int = 0
    dropped: int = 0
    away: int = 0
    demod_cpu_s: float = 0.0
    reader_cpu_s: float = 0.0
    decode_cpu_s: float = 0.0


_SOURCE_FIELDS = tuple(f.name for f in fields(SourceCounts))  # named once: fields() is slow


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n, np.int64)


@dataclass
class Bucket:
    """Counts over a stretch of the station's clock (a minute, or several added up)."""

    start: float
    end: float
    first_t: float = math.inf  # the first and last moments the station heard in it
    last_t: float = -math.inf
    seconds: float = 0.0  # how much of it the receiver listened to
    samples: int = 0
    dropped: int = 0  # lost while connected: the machine or the link did not keep up
    away: int = 0  # samples missed while a live source was gone (never dropped)
    sample_power_sum: float = 0.0  # of every sample received (for the noise)
    sample_power_n: int = 0
    by_df: np.ndarray = field(default_factory=lambda: _zeros(32))
    accepted: np.ndarray = field(default_factory=lambda: _zeros(REPAIR_SLOTS))
    levels: np.ndarray = field(default_factory=lambda: _zeros(LEVEL_BINS))
    frame_power_sum: float = 0.0  # of the frames that came with a level
    levelled: int = 0
    peak_power: float = 0.0
    strong: int = 0
    late_frames: int = 0  # frames of a minute already given up (too long ago)
    messages: int = 0
    undecodable: int = 0
    global_positions: int = 0
    local_positions: int = 0
    rejected_positions: int = 0
    surface_cpr: int = 0
    airborne_cpr: int = 0
    tracks: int = 0
    single_message_tracks: int = 0
    max_distance_m: float = 0.0
    demod_cpu_s: float = 0.0
    reader_cpu_s: float = 0.0
    decode_cpu_s: float = 0.0

    @property
    def frames(self) -> int:
        return int(self.by_df.sum())

    @property
    def positions(self) -> int:
        return self.global_positions + self.local_positions

    @property
    def noise_dbfs(self) -> float | None:
        if not self.sample_power_n:
            return None
        return _dbfs(self.sample_power_sum / self.sample_power_n)

    @property
    def signal_dbfs(self) -> float | None:
        return _dbfs(self.frame_power_sum / self.levelled) if self.levelled else None

    @property
    def peak_dbfs(self) -> float | None:
        return _dbfs(self.peak_power) if self.levelled else None

    def heard(self, start: float, end: float) -> None:
        if start < self.first_t:
            self.first_t = start
        if end > self.last_t:
            self.last_t = end

    def add(self, other: Bucket) -> None:
        """Add `other`'s counts (a period made of minutes)."""
        self.start = min(self.start, other.start)
        self.end = max(self.end, other.end)
        self.heard(other.first_t, other.last_t)
        for f in fields(self):
            if f.name in ("start", "end", "first_t", "last_t"):
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in ("peak_power", "max_distance_m"):
                setattr(self, f.name, max(mine, theirs))
            elif isinstance(mine, np.ndarray):
                mine += theirs
            else:
                setattr(self, f.name, mine + theirs)

    def minus(self, earlier: Bucket) -> Bucket:
        """The counts added since `earlier` (a copy of the same running bucket); the
        strongest frame is not among them (a maximum does not subtract)."""
        diff = Bucket(earlier.end, self.end)
        for f in fields(self):
            if f.name in ("start", "end", "first_t", "last_t", "peak_power",
                          "max_distance_m"):
                continue
            setattr(diff, f.name, getattr(self, f.name) - getattr(earlier, f.name))
        return diff

    def copy(self) -> Bucket:
        twin = Bucket(self.start, self.end)
        twin.add(self)
        return twin


def _add(targets: list[Bucket], deltas: dict[str, float]) -> None:
    for b in targets:
        for name, delta in deltas.items():
            if delta:
                setattr(b, name, getattr(b, name) + delta)


def _dbfs(power: float) -> float:
    return round(10 * math.log10(max(power, 1e-12)), 1)


class StationStats:
    """Feed it `on_frames` for every batch and `on_decoded` after the decoding stage."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.total = Bucket(start, start)
        self.minutes: OrderedDict[int, Bucket] = OrderedDict()  # by UNIX minute number
        self.now = start
        self._newest: int | None = None
        self._touched: set[int] = set()
        self._source = SourceCounts()
        self._tracker: TrackerCounts | None = None  # the counts at the last decoded batch
        self._until_t: float | None = None  # where the previous batch left the clock

    # ------------------------------------------------------------------ feeding

    def on_frames(self, batch: FrameBatch, epoch0: float, source: SourceCounts) -> None:
        """One batch of frames on a clock whose tick 0 is `epoch0` (UNIX seconds), and
        the source's cumulative counts after it."""
        end = epoch0 + batch.until_ticks / CLOCK_HZ
        if self._until_t is None:
            self._until_t = epoch0  # a stream starts at its tick 0
        self._listened(end)
        targets = self._targets(max(end, self.now))
        self._source_deltas(targets, source)
        if batch.samples:
            _add(targets, {"sample_power_sum": batch.sample_power * batch.samples,
                           "sample_power_n": batch.samples})
        if len(batch):
            self._count_frames(batch, epoch0)
        self.now = max(self.now, end)

    def on_decoded(self, now: float, messages: int, undecodable: int, tracker: Tracker,
                   ranges_km: list[float]) -> None:
        """A decoded batch: its messages, and the tracker's counts after it."""
        targets = self._targets(max(now, self.now))
        counts, before = tracker.counts, self._tracker
        deltas = {f.name: getattr(counts, f.name) - (getattr(before, f.name) if before else 0)
                  for f in fields(counts)}
        deltas.update(messages=messages, undecodable=undecodable)
        _add(targets, deltas)
        self._tracker = replace(counts)
        if ranges_km:
            farthest = 1000 * max(ranges_km)
            for b in targets:
                b.max_distance_m = max(b.max_distance_m, farthest)

    def on_idle(self, now: float, source: SourceCounts) -> None:
        """Time passes without a batch (a live source away)."""
        self.now = max(self.now, now)
        self._source_deltas(self._targets(self.now), source)

    # ------------------------------------------------------------------ views

    def period(self, minutes: int) -> Bucket:
        """The last `minutes` finished minutes added up (an empty period ending where the
        current minute began, when none has finished)."""
        current = self._current_number()
        finished = [b for n, b in self.minutes.items() if current is None or n < current]
        recent = finished[-minutes:]
        if not recent:
            begin = self.current().start
            return Bucket(begin, begin)
        period = recent[0].copy()
        for b in recent[1:]:
            period.add(b)
        return period

    def current(self) -> Bucket:
        """The minute under way."""
        number = self._current_number()
        if number is None or number not in self.minutes:
            begin = math.floor(self.now / MINUTE_S) * MINUTE_S
            return Bucket(begin, self.now)
        return self.minutes[number]

    def since(self, mark: Bucket) -> Bucket:
        """What the run's total gained since `mark` (an earlier `total.copy()`), with the
        strongest frame of the minutes since then."""
        diff = self.total.minus(mark)
        diff.start, diff.end = mark.end, self.now
        recent = [b for b in self.minutes.values() if b.end > mark.end]
        diff.peak_power = max((b.peak_power for b in recent), default=0.0)
        return diff

    def mark(self) -> Bucket:
        """The run's total now, ending at the clock: for `since`."""
        mark = self.total.copy()
        mark.end = self.now
        return mark

    def take_touched(self) -> list[Bucket]:
        """The minute buckets changed since the last call (for the stored minute rows)."""
        touched = [self.minutes[n] for n in sorted(self._touched) if n in self.minutes]
        self._touched.clear()
        return touched

    # ------------------------------------------------------------------ inside

    def _current_number(self) -> int | None:
        return self._newest

    def _bucket(self, number: int) -> Bucket | None:
        """The minute's bucket (made when first needed); None for one given up: more
        than KEPT_MINUTES before the newest."""
        bucket = self.minutes.get(number)
        if bucket is None:
            if self._newest is not None and number <= self._newest - KEPT_MINUTES:
                return None
            bucket = self.minutes[number] = Bucket(number * MINUTE_S, (number + 1) * MINUTE_S)
            if self._newest is None or number > self._newest:
                self._newest = number
                for old in [n for n in self.minutes if n <= number - KEPT_MINUTES]:
                    del self.minutes[old]  # final: their rows stay as saved
                    self._touched.discard(old)
            self.minutes = OrderedDict(sorted(self.minutes.items()))
        self._touched.add(number)
        return bucket

    def _bucket_at(self, t: float) -> Bucket | None:
        return self._bucket(int(t // MINUTE_S))

    def _targets(self, t: float) -> list[Bucket]:
        """The minute of `t` (unless given up) and the run's total."""
        bucket = self._bucket_at(t)
        return [self.total] if bucket is None else [bucket, self.total]

    def _source_deltas(self, targets: list[Bucket], source: SourceCounts) -> None:
        before = self._source
        _add(targets, {name: getattr(source, name) - getattr(before, name)
                       for name in _SOURCE_FIELDS})
        self._source = source

    def _listened(self, end: float) -> None:
        """The clock's step since the previous batch, split over its minutes."""
        start, self._until_t = self._until_t, end
        if start is None or not 0 < end - start <= LONGEST_BLOCK_S:
            return  # a new clock or a jump: nothing to split
        self.total.seconds += end - start
        while start < end:
            number = int(start // MINUTE_S)
            upto = min(end, (number + 1) * MINUTE_S)
            bucket = self._bucket(number)
            if bucket is not None:
                bucket.seconds += upto - start
                bucket.heard(start, upto)
            start = upto

    def _count_frames(self, batch: FrameBatch, epoch0: float) -> None:
        # A batch is a fraction of a second: it nearly always falls in one minute, whose
        # counts need no grouping. (Each numpy call costs microseconds of its own, more
        # than its work on a batch's frames: the fewer, the better.)
        ticks = batch.ticks
        first_t = epoch0 + ticks.min() / CLOCK_HZ
        last_t = epoch0 + ticks.max() / CLOCK_HZ
        first = math.floor(first_t / MINUTE_S)
        if first == math.floor(last_t / MINUTE_S):
            self._count_rows(first, batch, None, float(first_t), float(last_t))
            return
        times = epoch0 + ticks / CLOCK_HZ
        numbers = np.floor(times / MINUTE_S).astype(np.int64)
        for number in np.unique(numbers):
            rows = numbers == number
            in_minute = times[rows]
            self._count_rows(int(number), batch, rows, float(in_minute.min()),
                             float(in_minute.max()))

    def _count_rows(self, number: int, batch: FrameBatch, rows: np.ndarray | None,
                    first_t: float, last_t: float) -> None:
        """The frames of `rows` of the batch (None: all), heard in minute `number` from
        `first_t` to `last_t`: counted once, added to the minute's bucket and to the
        whole run's."""
        msg, fixed, level = ((batch.msg, batch.fixed, batch.level) if rows is None else
                             (batch.msg[rows], batch.fixed[rows], batch.level[rows]))
        bucket = self._bucket(number)
        targets = [self.total] if bucket is None else [bucket, self.total]
        if bucket is None:
            self.total.late_frames += len(msg)
        by_df = np.bincount(msg[:, 0] >> 3, minlength=32)
        accepted = np.bincount(np.minimum(fixed, REPAIR_SLOTS - 1), minlength=REPAIR_SLOTS)
        power = level.astype(np.float64)
        if np.isnan(power).any():  # NaN: a peer sent the frame with no level
            power = power[~np.isnan(power)]
        power *= power
        dbfs = np.log10(np.maximum(power, 1e-18))
        dbfs *= 10
        # floor(dBFS) as a bin, the weakest and strongest bins holding all beyond them
        floors = np.floor(np.clip(dbfs, LEVEL_LO_DB, LEVEL_HI_DB - 1)).astype(np.int64)
        levels = np.bincount(floors - LEVEL_LO_DB, minlength=LEVEL_BINS)
        if power.size:
            p_sum, p_max = float(power.sum()), float(power.max())
            strong = int(np.count_nonzero(dbfs > STRONG_DBFS))
        for b in targets:
            b.by_df += by_df
            b.accepted += accepted
            b.levels += levels
            if power.size:
                b.frame_power_sum += p_sum
                b.levelled += int(power.size)
                b.peak_power = max(b.peak_power, p_max)
                b.strong += strong
            b.heard(first_t, last_t)


def aircraft_present(tracker: Tracker, now: float) -> int:
    """The aircraft heard in the last AIRCRAFT_S seconds: what every output calls the
    number of aircraft."""
    return sum(1 for ac in tracker.aircraft.values() if now - ac.last_seen <= AIRCRAFT_S)
