"""The station's inputs as one stream of batches for its stages, in the station's thread.

- Unchecked frames (another decoder's, over the network) are admitted by the
  demodulator's rule (admission.py: the CRC, an address heard recently); a checked
  frame (the demodulator's) vouches for its address, so a dongle's DF17 lets through a
  peer's DF4 of the same aircraft.
- With more than one input, a copy of a frame another input delivered first is dropped
  (dedupe.py), and frames are held HOLD_S of wall time to be let out in time order: a
  dongle's block reaches the station up to a second after its first frame, a peer's
  frames milliseconds after theirs. Each input's own order is kept. A frame that comes
  more than HOLD_S after its time goes out with the next batch, at the time of the last
  frame out: times never go back.
- What became of each input's frames is counted (InputCounts), and why frames were
  refused (`refused`).

With one input nothing is held or copied: its batches go on as they are (a recording's
too), only filtered by the rule when unchecked.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.core.abilities import InputCounts
from adsbwatch.receiver.station.admission import Admission
from adsbwatch.receiver.station.dedupe import Dedupe

HOLD_S = 1.5  # with several inputs: frames wait this long, so a dongle's fit in order


class Merge:
    def __init__(self, checked: Sequence[bool], hold_s: float = HOLD_S,
                 clock: Callable[[], float] = time.time) -> None:
        """`checked`: for each input, whether its frames are checked already (the
        demodulator's); `clock`: the wall clock the hold is measured on."""
        self.checked = list(checked)
        self.counts = [InputCounts() for _ in self.checked]
        self.admission = Admission()
        self.several = len(self.checked) > 1
        self.hold_ticks = round(hold_s * CLOCK_HZ)
        self.clock = clock
        self.epoch0: float | None = None  # tick 0 of the merged stream (several inputs)
        self._dedupe = Dedupe() if self.several else None
        self._floor = [-(1 << 62)] * len(self.checked)  # each input's last frame in
        self._last_out = -(1 << 62)  # the last frame out
        self._until = 0
        self._held = _Frames.empty()
        self._samples = 0  # of the dongle's blocks since the last batch out
        self._power_sum = 0.0

    @property
    def refused(self) -> Counter[str]:
        """Frames refused by the rule, by why."""
        return self.admission.refused

    @property
    def held(self) -> int:
        return len(self._held)

    def add(self, index: int, batch: FrameBatch) -> FrameBatch:
        """Input `index`'s next batch; what goes on to the stages now (maybe empty)."""
        if not self.several:
            return self._single(batch)
        if self.epoch0 is None:
            self.epoch0 = batch.epoch0 if batch.epoch0 is not None else self.clock()
        epoch0 = batch.epoch0 if batch.epoch0 is not None else self.epoch0
        ticks = batch.ticks + round((epoch0 - self.epoch0) * CLOCK_HZ)
        # An input's own order, whatever its clock's corrections between batches.
        ticks = np.maximum.accumulate(np.maximum(ticks, self._floor[index]))
        if len(ticks):
            self._floor[index] = int(ticks[-1])
        self._held = _Frames.joined(
            self._held, _Frames(batch.msg, ticks, batch.level, batch.fixed,
                                np.full(len(ticks), index, np.int32)))
        self._samples += batch.samples
        self._power_sum += batch.sample_power * batch.samples
        return self._release(self._now_ticks() - self.hold_ticks)

    def due(self) -> FrameBatch | None:
        """The held frames whose time has come, when no batch came for a while."""
        if not self.several or not len(self._held):
            return None
        return self._release(self._now_ticks() - self.hold_ticks)

    def flush(self) -> FrameBatch | None:
        """Every frame still held (the run is ending)."""
        if not self.several or not len(self._held):
            return None
        return self._release(int(self._held.ticks.max()))

    def discard_held(self) -> None:
        """The run ended without handing them on (no consumer left): counted unread."""
        for source in self._held.source.tolist():
            self.counts[source].unread += 1
        self._held = _Frames.empty()

    # ------------------------------------------------------------------ one input

    def _single(self, batch: FrameBatch) -> FrameBatch:
        counts = self.counts[0]
        if self.checked[0]:
            counts.decoded += len(batch)
            return batch
        rows = batch.msg.tobytes()
        keep = [self._admitted(rows[14 * i:14 * i + n], 0, t)
                for i, (n, t) in enumerate(zip(batch.nbytes.tolist(), batch.ticks.tolist(),
                                               strict=True))]
        if all(keep):
            return batch
        k = np.array(keep, dtype=bool)
        return FrameBatch(batch.msg[k], batch.ticks[k], batch.level[k], batch.fixed[k],
                          batch.until_ticks, batch.epoch0, batch.noise, batch.sample_power,
                          batch.samples)

    # ------------------------------------------------------------------ several

    def _now_ticks(self) -> int:
        assert self.epoch0 is not None
        return round((self.clock() - self.epoch0) * CLOCK_HZ)

    def _release(self, cut: int) -> FrameBatch:
        held = self._held
        order = np.argsort(held.ticks, kind="stable")  # equal times keep their order
        ready = int(np.searchsorted(held.ticks[order], cut, side="right"))
        out, self._held = held.take(order[:ready]), held.take(order[ready:])
        rows = out.msg.tobytes()
        last = self._last_out
        keep: list[bool] = []
        ticks: list[int] = []
        for i, (n, t, source) in enumerate(zip(out.nbytes().tolist(), out.ticks.tolist(),
                                               out.source.tolist(), strict=True)):
            last = max(last, t)
            ticks.append(last)
            keep.append(self._admitted(rows[14 * i:14 * i + n], source, last))
        self._last_out = last
        self._until = max(self._until, cut, last)
        k = np.array(keep, dtype=bool)
        samples, power = self._samples, self._power_sum
        self._samples, self._power_sum = 0, 0.0
        return FrameBatch(out.msg[k], np.array(ticks, np.int64)[k], out.level[k],
                          out.fixed[k], self._until, self.epoch0,
                          sample_power=power / samples if samples else 0.0, samples=samples)

    # ------------------------------------------------------------------ each frame

    def _admitted(self, frame: bytes, source: int, ticks: int) -> bool:
        counts = self.counts[source]
        if self.checked[source]:
            self.admission.vouch(frame, ticks)
        elif not self.admission.admit(frame, ticks):
            counts.refused += 1
            return False
        if self._dedupe is not None and self._dedupe.duplicate(frame, source,
                                                               ticks / CLOCK_HZ):
            counts.duplicates += 1
            return False
        counts.decoded += 1
        return True


class _Frames:
    """Held frames: parallel arrays, with the input each came from."""

    def __init__(self, msg: np.ndarray, ticks: np.ndarray, level: np.ndarray,
                 fixed: np.ndarray, source: np.ndarray) -> None:
        self.msg, self.ticks, self.level, self.fixed, self.source = (msg, ticks, level,
                                                                     fixed, source)

    def __len__(self) -> int:
        return int(self.ticks.size)

    def nbytes(self) -> np.ndarray:
        return np.where(self.msg[:, 0] >> 3 >= 16, 14, 7)

    def take(self, index: np.ndarray) -> _Frames:
        return _Frames(self.msg[index], self.ticks[index], self.level[index],
                       self.fixed[index], self.source[index])

    @staticmethod
    def empty() -> _Frames:
        return _Frames(np.zeros((0, 14), np.uint8), np.zeros(0, np.int64),
                       np.zeros(0, np.float32), np.zeros(0, np.uint8), np.zeros(0, np.int32))

    @staticmethod
    def joined(a: _Frames, b: _Frames) -> _Frames:
        if not len(a):
            return b
        return _Frames(np.concatenate([a.msg, b.msg]), np.concatenate([a.ticks, b.ticks]),
                       np.concatenate([a.level, b.level]), np.concatenate([a.fixed, b.fixed]),
                       np.concatenate([a.source, b.source]))
