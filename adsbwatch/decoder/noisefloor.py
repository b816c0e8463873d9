"""The noise floor, tracked over fixed windows of the stream's own sample clock.

Thresholds must not depend on where a stream happens to be cut into blocks, or the same
recording read in different block sizes would give different frames. So the floor for
a sample depends only on whole windows of samples at fixed absolute positions, finished
two windows earlier (so every block already holds them, whatever its size): the median
of each window (robust to the signals in it), smoothed from window to window.
"""

from __future__ import annotations

import numpy as np

WINDOW = 8192  # samples per window (3.4 ms at 2.4 MS/s)
STRIDE = 8  # every 8th sample is enough for a median
SMOOTHING = 0.25
UNKNOWN = 0.0  # before two windows have passed: no floor (the ratio tests still apply)


class NoiseFloor:
    def __init__(self) -> None:
        self._level: float | None = None
        self._after: dict[int, float] = {}  # window index -> smoothed level after it
        self._pending: list[np.ndarray] = []
        self._next_sample = 0

    def feed(self, mag: np.ndarray, first_sample: int) -> None:
        """Take samples [first_sample, first_sample + len(mag)); calls must be contiguous."""
        if first_sample != self._next_sample:
            raise ValueError("noise floor fed out of order")
        pos = first_sample
        end = first_sample + mag.size
        while pos < end:
            window = pos // WINDOW
            window_end = (window + 1) * WINDOW
            take = min(window_end, end) - pos
            chunk = mag[pos - first_sample: pos - first_sample + take]
            self._pending.append(chunk[(-pos) % STRIDE::STRIDE].copy())  # callers reuse buffers
            pos += take
            if pos == window_end:
                median = float(np.median(np.concatenate(self._pending)))
                self._pending = []
                if self._level is None:
                    self._level = median
                else:
                    self._level += SMOOTHING * (median - self._level)
                self._after[window] = self._level
        self._next_sample = end

    def floors(self, first_sample: int, count: int) -> tuple[int, np.ndarray]:
        """(first window, the floor of each window) for samples [first_sample, +count)."""
        first = first_sample // WINDOW
        last = (first_sample + count - 1) // WINDOW
        for old in [w for w in self._after if w < first - 2]:  # blocks only move forward
            del self._after[old]
        levels = [self._after.get(w - 2, UNKNOWN) for w in range(first, last + 1)]
        return first, np.array(levels, dtype=np.float64)
