"""What raw cu8 bytes say of the ADC: samples at its limits, and sampled powers (for the
noise floor). The live sources run this on every byte received (sources/gain.py)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def clipped_and_powers(iq: np.ndarray, stride: int) -> tuple[int, np.ndarray]:
    """(samples whose I or Q is 0 or 255, the power of every stride-th sample in doubled
    counts from the centre). A reader thread runs this on every byte received: numpy's
    passes over the same bytes cost it three times as much."""
    samples = iq.size // 2
    strong = 0
    one = np.uint8(1)
    for n in range(samples):
        # 0 and 255 wrap to 1 and 0 when one is added in uint8; the smaller of I's and
        # Q's then says whether either is at a limit (branch-free: LLVM vectorises it)
        i = np.uint8(iq[2 * n] + one)
        q = np.uint8(iq[2 * n + 1] + one)
        strong += min(i, q) <= one
    power = np.empty((samples + stride - 1) // stride, np.int32)
    for k in range(power.size):
        # Distance from 127.5 doubled, in integers: 2x - 255 is odd, from -255 to 255.
        i = np.int32(iq[2 * k * stride]) * 2 - 255
        q = np.int32(iq[2 * k * stride + 1]) * 2 - 255
        power[k] = i * i + q * q
    return strong, power
