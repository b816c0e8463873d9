"""The noise floor, tracked over fixed windows of the stream's own sample clock.

Thresholds must not depend on where a stream happens to be cut into blocks, or the same
recording read in different block sizes would give different frames. So the floor for
a sample depends only on whole windows of samples at fixed absolute positions, finished
two windows earlier (so every block already holds them, whatever its size): the median
of each window (robust to the signals in it), smoothed from window to window.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

WINDOW = 8192  # samples per window (3.4 ms at 2.4 MS/s)
STRIDE = 128  # every 128th sample: a median of 64, steady enough once smoothed over windows
SMOOTHING = 0.25
UNKNOWN = 0.0  # before two windows have passed: no floor (the ratio tests still apply)


@njit(cache=True, nogil=True, error_model="numpy")
def _smallest(a: np.ndarray, k: int) -> float:
    """The k-th smallest value of `a` (from 0), reordering `a` in place so that a[:k]
    holds no value above it and a[k+1:] none below (quickselect; no copy, unlike
    np.median's). Each partition is branch-free (an element below the pivot is swapped
    forward by selects, not a test): where the test went one way or the other at
    random, 2x faster."""
    low = 0
    high = a.size - 1
    while low < high:
        mid = (low + high) >> 1
        # The median of the first, middle and last as the pivot, put last.
        if a[mid] < a[low]:
            a[low], a[mid] = a[mid], a[low]
        if a[high] < a[low]:
            a[low], a[high] = a[high], a[low]
        if a[high] < a[mid]:
            a[mid], a[high] = a[high], a[mid]
        a[mid], a[high] = a[high], a[mid]
        pivot = a[high]
        store = low  # a[low:store] < pivot
        for i in range(low, high):
            x = a[i]
            y = a[store]
            less = x < pivot
            a[i] = y if less else x
            a[store] = x if less else y
            store += less
        a[high] = a[store]
        a[store] = pivot
        if k < store:
            high = store - 1
        elif k > store:
            low = store + 1
        else:
            return pivot
    return a[k]


@njit(cache=True, nogil=True, error_model="numpy")
def _median_in_place(a: np.ndarray) -> float:
    """np.median(a), the same float (the two middle values, (a + b) / 2 as NumPy and
    Numba sum them), without its copy and allocation; reorders `a`."""
    half = a.size >> 1
    upper = _smallest(a, half)
    if a.size & 1:
        return upper
    lower = a[0]  # the largest of a[:half]
    for i in range(1, half):
        lower = max(lower, a[i])
    return (lower + upper) / 2


@njit(cache=True, nogil=True)
def _window_medians(mag: np.ndarray, first_sample: int, pending: np.ndarray, filled: int,
                    level: float, smoothed: np.ndarray) -> tuple[int, int, float]:
    """Collect every STRIDE-th sample (by absolute position) into `pending`; each time a
    window fills, its median moves the smoothed `level` (NaN: none yet, the first median
    sets it), which goes to `smoothed`. Returns (windows finished, samples pending, the
    level after them). The smoothing is here, not in Python: a Python step per window
    cost a third of what the medians do."""
    done = 0
    per_window = pending.size
    for i in range((-first_sample) % STRIDE, mag.size, STRIDE):
        pending[filled] = mag[i]
        filled += 1
        if filled == per_window:
            median = np.float64(_median_in_place(pending))  # refilled from 0 next
            if level != level:
                level = median
            else:
                level += SMOOTHING * (median - level)
            smoothed[done] = level
            done += 1
            filled = 0
    return done, filled, level


class NoiseFloor:
    def __init__(self) -> None:
        self._level = math.nan  # the smoothed level so far (NaN: no window yet)
        # The smoothed level after each window from window `_base` on (UNKNOWN: none).
        self._base = 0
        self._after = np.empty(0)
        self._pending = np.zeros(WINDOW // STRIDE, dtype=np.float32)
        self._filled = 0
        self._next_sample = 0
        self._windows_done = 0  # also the absolute index of the next window to finish
        self._skip_until = 0  # after a gap: samples before this start no window

    def _put(self, window: int, levels: np.ndarray) -> None:
        """The levels after windows [window, window + len(levels))."""
        end = window + levels.size
        if not self._after.size or window > self._base + self._after.size:
            self._base, self._after = window, np.empty(0)  # nothing kept is read again
        if window < self._base:  # before what floors() still reads
            levels, window = levels[self._base - window:], self._base
        if end - self._base > self._after.size:
            grown = np.full(max(end - self._base, 2 * self._after.size, 64), UNKNOWN)
            grown[:self._after.size] = self._after
            self._after = grown
        self._after[window - self._base:end - self._base] = levels

    def skip_to(self, sample: int) -> None:
        """The stream goes on at `sample` after a gap (samples lost on the way in). The
        window it lands in is incomplete: measuring starts again with the next whole
        one, and until that is two windows old the level from before the gap stands."""
        if sample < self._next_sample:
            raise ValueError("noise floor skipped backwards")
        self._filled = 0
        self._next_sample = sample
        self._windows_done = -(-sample // WINDOW)
        self._skip_until = self._windows_done * WINDOW
        if not math.isnan(self._level):
            self._put(self._windows_done - 2, np.full(2, self._level))

    def feed(self, mag: np.ndarray, first_sample: int) -> None:
        """Take samples [first_sample, first_sample + len(mag)); calls must be contiguous
        (but for skip_to)."""
        if first_sample != self._next_sample:
            raise ValueError("noise floor fed out of order")
        self._next_sample = first_sample + mag.size
        if first_sample < self._skip_until:  # the rest of a window cut by a gap
            offset = min(self._skip_until - first_sample, mag.size)
            mag, first_sample = mag[offset:], first_sample + offset
        smoothed = np.empty(mag.size // WINDOW + 2, dtype=np.float64)
        done, self._filled, self._level = _window_medians(
            mag, first_sample, self._pending, self._filled, self._level, smoothed)
        # Count windows, not positions: a window whose last strided sample came just
        # before `first_sample` was finished by the previous call.
        if done:
            self._put(self._windows_done, smoothed[:done])
        self._windows_done += done

    def floors(self, first_sample: int, count: int) -> tuple[int, np.ndarray]:
        """(first window, the floor of each window) for samples [first_sample, +count):
        the level after the window two before (UNKNOWN where there is none)."""
        first = first_sample // WINDOW
        last = (first_sample + count - 1) // WINDOW
        low = first - 2
        if low > self._base:  # blocks only move forward: earlier levels are done with
            self._after = self._after[low - self._base:]
            self._base = low
        levels = np.full(last - first + 1, UNKNOWN)
        a = max(low, self._base)
        b = min(last - 1, self._base + self._after.size)  # windows [a, b) are kept
        if b > a:
            levels[a - low:b - low] = self._after[a - self._base:b - self._base]
        return first, levels
