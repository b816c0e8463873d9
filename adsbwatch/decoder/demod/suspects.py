"""Evidence of another reply under a decoded frame, cheap enough for every frame.

A frame's samples, given its decided bits, are its low level plus its amplitude times
each sample's share of high half-bits (slicing._fit_bits). What strays from that is
noise, the pulse shape's error (the receiver's own: a resampled or filtered stream
strays more, in proportion to the amplitude), and any other reply. Another reply covers
part of the frame, so the misfit is measured in stretches of SPAN bits and the worst
taken. It counts as evidence when it stands well over the noise floor and well over
what this receiver's strong frames typically leave (`shape`: a running mean, learnt as
frames come, of their worst stretch's misfit over their amplitude). Only frames so
marked get the subtraction in IQ (recovery.py): a clean capture pays almost nothing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SPAN = 16  # bits a stretch of the misfit spans (2 bytes: 7 a long frame)
SUSPECT_NOISE = 1.2  # a clean frame's rms misfit is about half the floor (the median)
SUSPECT_SHAPE = 2.0  # times the typical share: modes1 at 2.4 MS/s, resampled, none over it
SHAPE_STRONG = 8.0  # frames learnt from: amplitude over the noise floor, at least
SHAPE_FRAMES = 20  # frames learnt before the mean is taken
UNSETTLED = 0.15  # the typical share taken until then: a filtered stream's, about
SHAPE_MEMORY = 256  # frames the running mean spans once settled
WARMING = 0.5  # a share counted at most this much before the mean settles


@njit(cache=True, nogil=True, error_model="numpy")
def _misfit(mag: np.ndarray, j: int, nbits: int, base: np.ndarray, slots: np.ndarray,
            p: int, bits: np.ndarray, low: float, amplitude: float) -> float:
    """The largest rms difference, over stretches of SPAN bits, between a frame's samples
    and its fitted levels (low, amplitude)."""
    worst = 0.0
    n = 0.0
    acc = 0.0
    for i in range(nbits):
        prev = 0.0 if i == 0 else 1.0 - bits[i - 1]
        nxt = 0.0 if i == nbits - 1 else float(bits[i + 1])
        b = float(bits[i])
        s = j + base[p, i]
        for t in range(4):
            if slots[p, i, 1, t] + slots[p, i, 2, t] > 0.0:
                c = (prev * slots[p, i, 0, t] + b * slots[p, i, 1, t]
                     + (1.0 - b) * slots[p, i, 2, t] + nxt * slots[p, i, 3, t])
                r = mag[s + t] - low - amplitude * c
                acc += r * r
                n += 1.0
        if (i + 1) % SPAN == 0 or i == nbits - 1:
            if n > 0.0:
                worst = max(worst, acc / n)
            n = 0.0
            acc = 0.0
    return math.sqrt(worst)


@njit(cache=True, nogil=True, error_model="numpy")
def _suspect(misfit: float, amplitude: float, noise_level: float, clean: bool,
             shape: np.ndarray) -> float:
    """How far a frame's misfit passes the marks (> 1: another reply under it), and
    the receiver's typical share learnt from it if it is strong, clean (`clean`: no
    repair) and not marked. shape = [typical misfit / amplitude, frames learnt]."""
    if amplitude <= 0.0:
        return 0.0
    settled = shape[1] >= SHAPE_FRAMES
    typical = shape[0] if settled else UNSETTLED
    score = misfit / max(SUSPECT_NOISE * noise_level, SUSPECT_SHAPE * typical * amplitude)
    if clean and score <= 1.0 and amplitude >= SHAPE_STRONG * noise_level:
        shape[1] += 1.0
        share = misfit / amplitude if settled else min(misfit / amplitude, WARMING)
        shape[0] += (share - shape[0]) / min(shape[1], SHAPE_MEMORY)
    return score
