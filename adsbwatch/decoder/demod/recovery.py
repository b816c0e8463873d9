"""The weaker of two overlapping replies, found again once the stronger is subtracted.

The kernel marks the frames whose samples fit their own levels badly (another reply
under them: suspects.py). For each, in a window covering the frame and a long
frame's length before it (the weaker may start first or inside), the IQ samples are
read, the frame's reconstruction taken out (subtraction.py), and on the magnitudes of
what is left the normal screen and tries run as on a block, with nothing passed over
for starting inside a frame already decoded. What they accept under the usual rules
(acceptance.py; new addresses' repaired frames held, holding.py), other than the
subtracted frame again or a DF11 with an interrogator code (the subtraction's error in
its last bits reads as a code), is the block's too. Nothing learnt from there: the residual
carries the reconstruction's error (neither the pulse response, calibration.py, nor
the typical misfit, suspects.py).

Without the IQ (magnitudes only) nothing of this runs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.geometry import Geometry
from adsbwatch.decoder.demod.kernel import Carried, Scratch, _try_peaks, new_scratch
from adsbwatch.decoder.demod.screen import _peaks, _screen_windows
from adsbwatch.decoder.demod.subtraction import SEGMENT, reconstruct, subtract
from adsbwatch.decoder.frames import crc
from adsbwatch.decoder.frames.formats import ACCEPTED_BITS

SCREEN_REACH = 20  # samples the screen reads past a position
# Samples of a window: a long frame before the frame, the frame, and what the tries of
# a start at its end read (the demodulator's lookahead), at 2.4 MS/s with room to spare.
WINDOW_SAMPLES = 1024


class Work(NamedTuple):
    """A window's IQ, the subtracted frame's envelope, the residual's magnitudes, the
    carrier fit's work arrays, and each frame found's source (the suspect's index)."""

    re: np.ndarray
    im: np.ndarray
    env: np.ndarray
    trial: np.ndarray
    other: np.ndarray
    in_phase: np.ndarray
    mag: np.ndarray
    seg_x: np.ndarray
    seg_phase: np.ndarray
    seg_amp: np.ndarray
    seg_w: np.ndarray
    params: np.ndarray


def new_work() -> Work:
    segments = WINDOW_SAMPLES // SEGMENT + 2
    return Work(np.zeros(WINDOW_SAMPLES), np.zeros(WINDOW_SAMPLES), np.zeros(WINDOW_SAMPLES),
                np.zeros(WINDOW_SAMPLES), np.zeros(WINDOW_SAMPLES), np.zeros(WINDOW_SAMPLES),
                np.zeros(WINDOW_SAMPLES, dtype=np.float32), np.zeros(segments),
                np.zeros(segments), np.zeros(segments), np.zeros(segments), np.zeros(4))


@njit(cache=True, nogil=True, error_model="numpy")
def _same(a: np.ndarray, i: int, b: np.ndarray, k: int) -> bool:
    for m in range(a.shape[1]):  # noqa: SIM110 (Numba compiles no generators)
        if a[i, m] != b[k, m]:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _recover(iq: np.ndarray, centre: float, scale: float, raw_first: int, stop: int,
             msg: np.ndarray, ticks: np.ndarray, floors: np.ndarray, first_window: int,
             window: int, fix: int, ttl: int, g: Geometry, carried: Carried,
             scratch: Scratch, work: Work) -> int:
    """For each frame `msg[q]` at `ticks[q]` (suspects), subtract it in IQ (`iq`: the
    block's interleaved I,Q values, its sample 0 the absolute sample `raw_first`;
    `centre` and `scale` make them units of full scale) and try the residual for other
    frames starting in [raw_first, raw_first + stop]. They are written to `scratch`
    (msg, ticks, ...); returns how many."""
    tps = g.ticks_per_sample
    nsamples = iq.size // 2
    lookahead = g.span_long + 24
    two_point_four = g.rate == 2_400_000
    re, im, env, lmag = work.re, work.im, work.env, work.mag
    count = 0
    capacity = scratch.ticks.size
    for q in range(ticks.size):
        nbits = ACCEPTED_BITS[msg[q, 0] >> 3]
        if nbits == 0 or count + 8 > capacity:
            continue
        start = ticks[q] // tps  # absolute
        phase = ticks[q] - start * tps
        span = g.span_short if nbits == 56 else g.span_long
        a = max(raw_first, start - g.span_long - 2)
        e = min(start + span, raw_first + stop)  # the last start tried
        if e <= a + 1:
            continue
        size = e - a + 2 + lookahead + SCREEN_REACH
        if size > WINDOW_SAMPLES:
            continue
        for k in range(size):
            s = a + k - raw_first
            if s < nsamples:
                re[k] = (iq[2 * s] - centre) * scale
                im[k] = (iq[2 * s + 1] - centre) * scale
            else:
                re[k] = 0.0
                im[k] = 0.0
        wenv = env[:size]
        lo = max(0, start - a - 1)
        hi = min(size, start - a + span + 1)
        if not reconstruct(re, im, (start - a) * tps + phase, msg[q], nbits, tps,
                           g.response, lo, hi, wenv, work.trial[:size], work.other[:size],
                           work.in_phase, work.seg_x, work.seg_phase, work.seg_amp,
                           work.seg_w, work.params):
            continue
        subtract(re, im, wenv, work.params)
        for k in range(size):
            lmag[k] = np.float32(np.sqrt(re[k] * re[k] + im[k] * im[k]))
        last = e - a
        _screen_windows(lmag, 0, last + 2, a, floors, first_window, window, two_point_four,
                        scratch.excess)
        npeaks = _peaks(scratch.excess, 1, last, scratch.flags, scratch.peaks)
        carried.resume[0] = 0  # nothing in the residual is passed over as inside a frame
        carried.resume[1] = 0
        before = count
        count = _try_peaks(lmag, npeaks, count, a, floors, first_window, window, fix, ttl,
                           g, carried, scratch)
        kept = before
        for k in range(before, count):
            if _same(scratch.msg, k, msg, q):
                continue  # the subtracted frame again
            if scratch.msg[k, 0] >> 3 == 11 and crc.syndrome(scratch.msg[k], 7) != 0:
                # An interrogator code read off a residual: what the subtraction leaves
                # lands in a DF11's last bits as easily as another reply's pulses do, and
                # the heard address vouches for nothing there (the busy scene: the one
                # false frame the pass added, analog model at 2.0 MS/s).
                continue
            if kept != k:
                for m in range(14):
                    scratch.msg[kept, m] = scratch.msg[k, m]
                scratch.ticks[kept] = scratch.ticks[k]
                scratch.frame_level[kept] = scratch.frame_level[k]
                scratch.fixed[kept] = scratch.fixed[k]
                scratch.held[kept] = scratch.held[k]
            kept += 1
        count = kept
    return count


class WeakerReplies:
    """The work arrays of the pass, kept from block to block, and its call."""

    def __init__(self) -> None:
        self.work = new_work()
        self.scratch = new_scratch(WINDOW_SAMPLES)
        self.resume = np.zeros(2, dtype=np.int64)
        self.pace = np.array([-1, 0], dtype=np.int64)  # learn nothing from residuals
        self.shape = np.zeros(2)  # a copy: nor what a strong frame's misfit is

    def recover(self, iq: np.ndarray, centre: float, scale: float, raw_first: int,
                stop: int, suspects: tuple[np.ndarray, np.ndarray], floors: np.ndarray,
                first_window: int, window: int, fix: int, ttl: int, g: Geometry,
                carried: Carried, found: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
        """The frames found under `suspects` (msg, ticks) that are not among `found`
        (the block's frames, msg and ticks) already, nor found under another suspect
        too (the same bits within a window's length): msg, ticks, level, fixed, held."""
        self.shape[:] = carried.shape
        local = carried._replace(resume=self.resume, pace=self.pace, shape=self.shape)
        n = _recover(iq, centre, scale, raw_first, stop, suspects[0], suspects[1], floors,
                     first_window, window, fix, ttl, g, local, self.scratch, self.work)
        s = self.scratch
        keep = []
        reach = 2 * g.span_long * g.ticks_per_sample
        for k in range(n):
            near = np.abs(found[1] - s.ticks[k]) <= reach
            if (found[0][near] == s.msg[k]).all(axis=1).any():
                continue
            if any(abs(int(s.ticks[i]) - int(s.ticks[k])) <= reach
                   and np.array_equal(s.msg[i], s.msg[k]) for i in keep):
                continue
            keep.append(k)
        return tuple(a[keep].copy() for a in (s.msg, s.ticks, s.frame_level, s.fixed, s.held))
