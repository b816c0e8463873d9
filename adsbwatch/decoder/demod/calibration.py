"""The pulse response learnt from the receiver's own clean frames.

Once a frame's CRC holds, its bits are known, and with them where every pulse lies: each
sample is then the frame's low level plus its amplitude times the sum of the responses
of the pulses within reach (pulseshape.py). Over many strong frames that is a linear
least-squares problem in the response, whatever the tuner's filter did to the pulses.
The kernel adds each suitable frame to the normal equations (`accumulate`); between
blocks, `PulseCalibration.refit` solves them, and the demodulator rebuilds its tables
from the result (geometry.geometry_from_response).

Suitable: a clean CRC, no repair, strong (the fit's noise is small and magnitude is
nearly linear in the signal there), not starting inside another frame, and already well
explained by the current response (no other reply overlapping it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.pulseshape import HALF_TICKS, REACH, normalised

WIDTH = 2 * REACH + 1
TAIL = 6  # ticks at each end of the response that a pulse never reaches
PREAMBLE_HALVES = (0, 2, 7, 9)  # the preamble's pulses, in half-bits of 0.5 us
PREAMBLE_SLOTS = 16
STRONG = 10.0  # a frame's amplitude over the noise floor, at least
FITS_WELL = 0.25  # rms misfit of its samples under the current response, in amplitudes
FRAMES_PER_REFIT = 100
# Frames a second of signal may add: many until the response has settled, then few
# (enough to follow a change of tuner or gain; the fit needs hundreds, not every one).
# At most one frame in each slot of 1/rate seconds, slots counted on the stream's own
# sample clock, and refits only at whole multiples of REFIT_ALIGN samples: where a stream
# is cut into blocks changes nothing (as with the noise floor's windows).
LEARNING_PER_S = 400
SETTLED_PER_S = 1  # a refit every 100 s
SETTLED_AFTER = 2  # refits
REFIT_ALIGN = 1 << 18  # samples: 0.11 s at 2.4 MS/s
RIDGE = 0.05  # pull towards the current response, relative to the data's weight
FORGET = 0.5  # share of the old equations kept after a refit: the tuner may change
# A new response is taken only when it leaves at least this share less misfit than the
# one in use. Frames start on whole ticks but the pulses anywhere between them, so a
# fitted response is a little blurred by that half-tick of jitter; where the one in use
# is right (the box model's, on box-model signals) the blurred one fits no better in
# any way that matters, and slices slightly worse.
BETTER = 0.2


@njit(cache=True, nogil=True, error_model="numpy")
def _high_halves(msg: np.ndarray, nbits: int, high: np.ndarray) -> int:
    """high[k] = 1 where half-bit slot k of a frame (0.5 us slots from its first preamble
    pulse) carries a pulse; returns the number of slots."""
    high[:PREAMBLE_SLOTS] = 0
    for k in PREAMBLE_HALVES:
        high[k] = 1
    for i in range(nbits):
        bit = (msg[i >> 3] >> (7 - (i & 7))) & 1
        high[PREAMBLE_SLOTS + 2 * i] = bit  # a 1 is high in its first half
        high[PREAMBLE_SLOTS + 2 * i + 1] = 1 - bit
    return PREAMBLE_SLOTS + 2 * nbits


# Samples a frame's fit can span: its 240 half-bit slots and the response's reach both
# sides, at 3 MS/s at most (geometry.TAPS), with room to spare.
SPAN_SAMPLES = 1024
REACH_PULSES = REACH // HALF_TICKS * 2 + 2  # pulses within reach of one sample


def accumulate_work() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Work arrays for _accumulate_into, made once (its caller allocates nothing)."""
    return (np.empty(PREAMBLE_SLOTS + 2 * 112, dtype=np.uint8),
            np.empty((SPAN_SAMPLES, REACH_PULSES), dtype=np.int64),
            np.empty(SPAN_SAMPLES, dtype=np.int64), np.empty(SPAN_SAMPLES))


@njit(cache=True, nogil=True, error_model="numpy")
def accumulate(mag: np.ndarray, start: int, phase: int, nbits: int, msg: np.ndarray,
               low: float, amplitude: float, ticks_per_sample: int, response: np.ndarray,
               gram: np.ndarray, moment: np.ndarray, sumsq: np.ndarray) -> bool:
    """Add a clean frame starting at tick `phase` of sample `start` to the normal
    equations `gram` r = `moment` (upper triangle of `gram` only; and its samples'
    squares to `sumsq`), unless the current response explains it poorly. Returns
    whether it was added."""
    high = np.empty(PREAMBLE_SLOTS + 2 * 112, dtype=np.uint8)
    offsets = np.empty((SPAN_SAMPLES, REACH_PULSES), dtype=np.int64)
    counts = np.empty(SPAN_SAMPLES, dtype=np.int64)
    ys = np.empty(SPAN_SAMPLES)
    return _accumulate_into(mag, start, phase, nbits, msg, low, amplitude, ticks_per_sample,
                            response, gram, moment, sumsq, high, offsets, counts, ys)


@njit(cache=True, nogil=True, error_model="numpy")
def _accumulate_into(mag: np.ndarray, start: int, phase: int, nbits: int, msg: np.ndarray,
                     low: float, amplitude: float, ticks_per_sample: int,
                     response: np.ndarray, gram: np.ndarray, moment: np.ndarray,
                     sumsq: np.ndarray, high: np.ndarray, offsets: np.ndarray,
                     counts: np.ndarray, ys: np.ndarray) -> bool:
    """accumulate, in the work arrays given (accumulate_work)."""
    t = ticks_per_sample
    slots = _high_halves(msg, nbits, high)
    first = max(start - REACH // t - 1, 0)
    last = min(start + (slots * HALF_TICKS + REACH) // t + 2, mag.size)
    size = last - first
    # Each sample's pulses within reach, as offsets into the response (in `offsets`).
    misfit = 0.0
    for s in range(size):
        d0 = (first + s) * t - (start * t + phase)  # this sample's start from the frame's
        count = 0
        model = 0.0
        for k in range(max(0, -((REACH - d0) // HALF_TICKS)),
                       min(slots - 1, (d0 + REACH) // HALF_TICKS) + 1):
            if high[k]:
                offsets[s, count] = d0 - k * HALF_TICKS + REACH
                model += response[offsets[s, count]]
                count += 1
        counts[s] = count
        ys[s] = (mag[first + s] - low) / amplitude
        misfit += (ys[s] - model) ** 2
    if misfit > FITS_WELL ** 2 * size:
        return False
    for s in range(size):
        y = ys[s]
        sumsq[0] += y * y
        for a in range(counts[s]):
            oa = offsets[s, a]
            moment[oa] += y
            for b in range(counts[s]):
                ob = offsets[s, b]
                if ob >= oa:
                    gram[oa, ob] += 1.0
    return True


def _centred(response: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`response` moved by whole ticks so that its centre of mass stays within a tick of
    `like`'s: the fit cannot tell a shifted response from shifted frame times."""
    d = np.arange(response.size)
    weight = np.clip(response, 0.0, None)
    shift = round(float(d @ weight / weight.sum() - d @ like / like.sum()))
    return np.roll(response, -shift) if shift else response


class PulseCalibration:
    """The normal equations the kernel adds frames to, and their solution."""

    def __init__(self) -> None:
        self.gram = np.zeros((WIDTH, WIDTH))
        self.moment = np.zeros(WIDTH)
        self.sumsq = np.zeros(1)
        self.frames = np.zeros(1, dtype=np.int64)  # added since the last refit
        # [the last slot a frame was added in, samples per slot (0: learning nothing)]
        self.pace = np.array([-1, 0], dtype=np.int64)
        self.refits = 0

    def set_pace(self, rate: int) -> None:
        """Learn at the pace for `rate` samples a second and the refits done so far."""
        self.pace[1] = rate // (LEARNING_PER_S if self.refits < SETTLED_AFTER
                                else SETTLED_PER_S)

    def due(self) -> bool:
        return int(self.frames[0]) >= FRAMES_PER_REFIT

    def _gram(self) -> np.ndarray:
        """The whole normal matrix from the upper triangle the kernel adds to."""
        return np.triu(self.gram) + np.triu(self.gram, 1).T

    def misfit(self, response: np.ndarray) -> float:
        """Sum of squared misfits of the frames added, under `response` (amplitudes
        as fitted with the response in use when each was added)."""
        return float(response @ self._gram() @ response - 2.0 * response @ self.moment
                     + self.sumsq[0])

    def refit(self, current: np.ndarray) -> np.ndarray:
        """The response the equations give, pulled slightly towards `current`, if it
        fits clearly better (else `current`); the equations then keep only part of their
        weight."""
        gram = self._gram()
        ridge = RIDGE * np.trace(gram) / WIDTH
        seen = np.diag(gram) > 0  # offsets no frame reached keep their value
        solved = np.linalg.solve(gram + ridge * np.eye(WIDTH), self.moment + ridge * current)
        response = _centred(np.where(seen, solved, current), current)
        # Nothing reaches 2 us from a pulse: what the fit puts there is the error of the
        # frames' low levels, the same at every offset.
        response = response - response[np.abs(np.arange(WIDTH) - REACH) > REACH - TAIL].mean()
        scale = float(response @ self.moment) / float(response @ gram @ response)
        better = self.misfit(scale * response) < (1.0 - BETTER) * self.misfit(current)
        self.gram *= FORGET
        self.moment *= FORGET
        self.sumsq *= FORGET
        self.frames[0] = 0
        self.refits += 1
        return normalised(response) if better else current
