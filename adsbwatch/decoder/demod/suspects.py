"""Evidence of another reply under a decoded frame, cheap enough for every frame.

A frame's samples, given its decided bits, are its low level plus its amplitude times
each sample's share of high half-bits (slicing._fit_bits). What strays from that is
noise, the pulse shape's error (the receiver's own: a resampled or filtered stream
strays more, in proportion to the amplitude), and any other reply. Another reply that
starts first overlaps the frame's first bits; one that starts inside it, its last. So
the misfit is measured over the first LEVEL_BITS (the fit that gives the frame's level
anyway, its misfit from the same sums) and over the last TAIL_BITS, and the worse
taken: a full pass over every frame cost a fifth of the demodulator's time on modes1,
a 32-bit tail 6% (a fit costs ~10 ns a bit), 16 bits find as many.
It counts as evidence when it stands well over the noise floor and well over what this
receiver's strong frames typically leave (`shape`: a running mean, learnt as frames
come, of their misfit over their amplitude). Only frames so marked get the subtraction
in IQ (recovery.py): a clean capture pays almost nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TAIL_BITS = 16  # the last bits measured (a reply starting inside the frame covers them)
SUSPECT_NOISE = 1.2  # a clean frame's rms misfit is about half the floor (the median)
SUSPECT_SHAPE = 1.9  # times the typical share: modes1 at 2.4 MS/s (resampled) none over it
SHAPE_STRONG = 8.0  # frames learnt from: amplitude over the noise floor, at least
SHAPE_FRAMES = 20  # frames learnt before the mean is taken
UNSETTLED = 0.15  # the typical share taken until then: a filtered stream's, about
SHAPE_MEMORY = 256  # frames the running mean spans once settled
WARMING = 0.5  # a share counted at most this much before the mean settles


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
