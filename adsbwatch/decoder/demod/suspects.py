"""Evidence of another reply under a decoded frame, cheap enough for every frame.

A frame's samples, given its decided bits, are its low level plus its amplitude times
each sample's share of high half-bits (slicing._fit_bits). What strays from that is
noise, the pulse shape's error (the receiver's own: a resampled or filtered stream
strays more, in proportion to the amplitude), and any other reply. Another reply that
starts first overlaps the frame's first bits; one that starts inside it, its last. So
the misfit is measured over the first LEVEL_BITS (the fit that gives the frame's level
anyway, its misfit from the same sums) and over the last TAIL_BITS, and the worse
taken: a full pass over every frame cost a fifth of the demodulator's time on modes1.
It counts as evidence when it stands well over the noise floor and well over what this
receiver's strong frames typically leave (`shape`: a running mean, learnt as frames
come, of their misfit over their amplitude). Only frames so marked get the subtraction
in IQ (recovery.py): a clean capture pays almost nothing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

TAIL_BITS = 32  # the last bits measured (a reply starting inside the frame covers them)
SUSPECT_NOISE = 1.2  # a clean frame's rms misfit is about half the floor (the median)
SUSPECT_SHAPE = 1.9  # times the typical share: modes1 at 2.4 MS/s (resampled) none over it
SHAPE_STRONG = 8.0  # frames learnt from: amplitude over the noise floor, at least
SHAPE_FRAMES = 20  # frames learnt before the mean is taken
UNSETTLED = 0.15  # the typical share taken until then: a filtered stream's, about
SHAPE_MEMORY = 256  # frames the running mean spans once settled
WARMING = 0.5  # a share counted at most this much before the mean settles


@njit(cache=True, nogil=True, error_model="numpy")
def _fit_stretch(mag: np.ndarray, j: int, first: int, last: int, nbits: int,
                 base: np.ndarray, slots: np.ndarray, p: int,
                 bits: np.ndarray) -> tuple[float, float, float]:
    """(low level, amplitude, rms misfit) of bits [first, last) of a frame of nbits:
    slicing._fit_bits's straight-line fit (for [0, nbits), the same sums in the same
    order, so the same floats), its misfit from the sums too (one pass)."""
    n = 0.0
    sc = 0.0
    sm = 0.0
    scc = 0.0
    scm = 0.0
    smm = 0.0
    for i in range(first, last):
        prev = 0.0 if i == 0 else 1.0 - bits[i - 1]
        nxt = 0.0 if i == nbits - 1 else float(bits[i + 1])
        b = float(bits[i])
        s = j + base[p, i]
        for t in range(4):
            if slots[p, i, 1, t] + slots[p, i, 2, t] > 0.0:
                c = (prev * slots[p, i, 0, t] + b * slots[p, i, 1, t]
                     + (1.0 - b) * slots[p, i, 2, t] + nxt * slots[p, i, 3, t])
                m = mag[s + t]
                n += 1.0
                sc += c
                sm += m
                scc += c * c
                scm += c * m
                smm += m * m
    spread = n * scc - sc * sc
    if spread <= 0.0:
        return 0.0, 0.0, 0.0
    amplitude = (n * scm - sc * sm) / spread
    low = (sm - amplitude * sc) / n
    # At the least-squares optimum the residual's energy is this.
    left = smm - low * sm - amplitude * scm
    return low, amplitude, math.sqrt(max(left, 0.0) / n)


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
