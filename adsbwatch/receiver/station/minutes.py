"""Per-minute statistics of all traffic, watched or not, for `adsbwatch report`: frames by
downlink format, decoded messages, the frames' levels in 1-dB bins, the strongest level,
the noise floor, and how long the receiver listened. Counted per batch with numpy (a
live receiver's CPU budget has no room for Python per frame) and saved with the store's
once-a-second flush, so the current minute is at most a second behind.

This sink runs after the decoding sink: the pipeline's totals then already count the
batch's decoded messages, and the decoding sink's closing flush writes the last minute."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.station.fanout import OutletGone
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.store.protocols import Recorder
from adsbwatch.receiver.store.rows import MinuteRow

LEVEL_LO_DB = -60  # the lowest bin also holds every weaker frame
LEVEL_HI_DB = 6  # the highest bin (5..6 dBFS) also holds every stronger one
LEVEL_BINS = LEVEL_HI_DB - LEVEL_LO_DB
KEPT_MINUTES = 10  # minutes before the newest still counted into (out-of-order inputs)
LONGEST_BLOCK_S = 120.0  # a longer step of the sample clock is a jump, not listening


class _Minute:
    """One minute's counts so far."""

    __slots__ = ("by_df", "first_t", "last_t", "levels", "max_dbfs", "messages", "noise_n",
                 "noise_sum", "seconds")

    def __init__(self) -> None:
        self.by_df = np.zeros(32, np.int64)
        self.levels = np.zeros(LEVEL_BINS, np.int64)
        self.messages = 0
        self.max_dbfs = -math.inf
        self.noise_sum = 0.0
        self.noise_n = 0
        self.seconds = 0.0
        self.first_t = math.inf
        self.last_t = -math.inf

    def heard(self, start: float, end: float) -> None:
        self.first_t = min(self.first_t, start)
        self.last_t = max(self.last_t, end)


class MinuteStatsSink:
    name = "minute statistics"

    def __init__(self, store: Recorder, pipeline: Pipeline, session_id: int | None,
                 warn: Callable[[str], None]) -> None:
        self.store = store
        self.pipeline = pipeline
        self.session_id = session_id
        self.warn = warn
        self._minutes: dict[int, _Minute] = {}  # by minute number: UNIX seconds // 60
        self._newest: int | None = None
        self._messages_seen = pipeline.totals.messages
        self._until_ticks = 0  # the previous batch's end (a stream starts at tick 0)
        self.late_frames = 0  # for minutes already written for good: not counted

    def on_batch(self, batch: FrameBatch) -> None:
        if self.store.closed:  # the decoding sink failed and closed it
            raise OutletGone
        epoch0 = self.pipeline.start_epoch if batch.epoch0 is None else batch.epoch0
        touched: set[int] = set()
        self._listened(epoch0, batch.until_ticks, touched)
        decoded = self.pipeline.totals.messages - self._messages_seen
        self._messages_seen += decoded
        if len(batch):
            self._count(batch, epoch0, decoded, touched)
        if batch.noise > 0:
            minute = self._minute(int((epoch0 + batch.until_ticks / CLOCK_HZ) // 60))
            if minute is not None:
                minute.noise_sum += batch.noise
                minute.noise_n += 1
        for number in touched:
            self.store.save_minute(self._row(number))
        self._forget_old()

    def close(self) -> None:
        """Nothing pending: every batch's minutes were saved with it."""
        if self.late_frames:
            self.warn(f"minute statistics: {self.late_frames} frames came more than "
                      f"{KEPT_MINUTES} minutes after their time; left out of the counts")

    def _minute(self, number: int) -> _Minute | None:
        """The minute's counts; None for one already given up (too long ago)."""
        minute = self._minutes.get(number)
        if minute is not None:
            return minute
        if self._newest is not None and number < self._newest - KEPT_MINUTES:
            return None
        self._newest = number if self._newest is None else max(self._newest, number)
        minute = self._minutes[number] = _Minute()
        return minute

    def _listened(self, epoch0: float, until_ticks: int, touched: set[int]) -> None:
        """The sample clock's step since the previous batch, split over its minutes."""
        step = (until_ticks - self._until_ticks) / CLOCK_HZ
        start = epoch0 + self._until_ticks / CLOCK_HZ
        self._until_ticks = until_ticks
        if not 0 < step <= LONGEST_BLOCK_S:
            return  # a new clock (another source) or a jump: nothing to split
        end = start + step
        while start < end:
            number = int(start // 60)
            upto = min(end, (number + 1) * 60.0)
            minute = self._minute(number)
            if minute is not None:
                minute.seconds += upto - start
                minute.heard(start, upto)
                touched.add(number)
            start = upto

    def _count(self, batch: FrameBatch, epoch0: float, decoded: int,
               touched: set[int]) -> None:
        times = epoch0 + batch.ticks / CLOCK_HZ
        numbers = np.floor(times / 60).astype(np.int64)
        df = batch.msg[:, 0] >> 3
        dbfs = batch.dbfs
        known = ~np.isnan(dbfs)  # NaN: a peer sent the frame with no level
        bins = np.clip(np.floor(np.where(known, dbfs, LEVEL_LO_DB)).astype(np.int64)
                       - LEVEL_LO_DB, 0, LEVEL_BINS - 1)
        first, last = int(numbers.min()), int(numbers.max())
        groups = [(first, slice(None))] if first == last else [
            (int(n), numbers == n) for n in np.unique(numbers)]
        counted: list[tuple[_Minute, int]] = []
        for number, rows in groups:
            minute = self._minute(number)
            frames = df[rows]
            if minute is None:
                self.late_frames += int(frames.size)
                continue
            minute.by_df += np.bincount(frames, minlength=32)
            levels = known[rows]
            minute.levels += np.bincount(bins[rows][levels], minlength=LEVEL_BINS)
            if levels.any():
                minute.max_dbfs = max(minute.max_dbfs, float(dbfs[rows][levels].max()))
            minute.heard(float(times[rows].min()), float(times[rows].max()))
            counted.append((minute, int(frames.size)))
            touched.add(number)
        self._add_messages(counted, decoded)

    @staticmethod
    def _add_messages(counted: list[tuple[_Minute, int]], decoded: int) -> None:
        """The batch's decoded messages, per minute: its frames there, less the frames
        pyModeS could not decode, taken from the batch's last minutes (which of a
        batch's frames they were is not known here; a batch spans a fraction of a
        second, so at most the frames of a minute's edge are misplaced)."""
        short = sum(frames for _, frames in counted) - decoded
        for minute, frames in reversed(counted):
            taken = min(frames, max(short, 0))
            minute.messages += frames - taken
            short -= taken
        if counted and short < 0:  # more decoded than counted: late frames, or a peer's
            counted[-1][0].messages -= short

    def _row(self, number: int) -> MinuteRow:
        m = self._minutes[number]
        noise = m.noise_sum / m.noise_n if m.noise_n else 0.0
        return MinuteRow(
            minute=number * 60.0, run_start=self.pipeline.start_epoch,
            session_id=self.session_id, first_t=m.first_t, last_t=m.last_t,
            seconds=round(m.seconds, 3),
            frames=int(m.by_df.sum()), messages=m.messages,
            frames_by_df={df: int(n) for df, n in enumerate(m.by_df.tolist()) if n},
            levels={LEVEL_LO_DB + i: int(n) for i, n in enumerate(m.levels.tolist()) if n},
            max_dbfs=None if m.max_dbfs == -math.inf else round(m.max_dbfs, 2),
            noise_dbfs=round(20 * math.log10(noise), 2) if noise > 0 else None)

    def _forget_old(self) -> None:
        """Minutes too far behind the newest are final: their rows stay as saved."""
        if self._newest is None:
            return
        for number in [n for n in self._minutes if n < self._newest - KEPT_MINUTES]:
            del self._minutes[number]
