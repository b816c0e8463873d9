"""Preamble fits around a screen peak: the gap level, the pulse template at every
sub-sample phase, the best few (start, phase) ranked, and the busy-bytes test."""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.screen import _second_smallest
from adsbwatch.decoder.demod.slicing import ONE, THREE, TWO

# A fitted preamble's pulses relative to its gaps, and to the noise floor.
PREAMBLE_RATIO = 1.5
PREAMBLE_SNR = 2.6
PULSE_RATIO = 1.3  # three of the four pulses must stand at least this far above the gaps
TRIES = 3  # best-scoring (start, phase) preambles sliced per candidate
# Every byte of a frame is as busy as any other: each bit has a high half, so a byte's
# samples average half the pulse level or more. A Mode A/C reply falls quiet after 21 us,
# and so does the tail of a frame whose last bits look like a preamble. The 7 bytes every
# frame has are checked.
DATA_SHARE = 0.4
BUSY_BYTES = 7


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _gap_level(mag: np.ndarray, start: int, gaps: np.ndarray) -> float:
    """Mean of the samples that lie in the preamble's gaps whatever the phase. (Indices
    unsigned, as in slicing.py.)"""
    acc = 0.0
    for k in range(gaps.size):
        acc += mag[np.uint64(start + gaps[np.uint64(k)])]
    return acc / gaps.size


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _pulse(mag: np.ndarray, start: int, p: np.uint64, k: int, base: np.ndarray,
           taps: np.ndarray) -> float:
    s = np.uint64(start + base[p, k])
    return (taps[p, k, 0] * mag[s] + taps[p, k, 1] * mag[s + ONE]
            + taps[p, k, 2] * mag[s + TWO] + taps[p, k, 3] * mag[s + THREE])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _preamble(mag: np.ndarray, start: int, p: np.uint64, lo: float, pulse_base: np.ndarray,
              pulse_taps: np.ndarray, pulse_energy: np.ndarray,
              pulse_area: np.ndarray) -> tuple[float, float, float]:
    """Fit the preamble starting at start + phase p over gaps at level lo.

    Returns (fit, amplitude, pulse level): fit is the signal energy the pulse template
    explains at this phase (the matched-filter score, which a misplaced template cannot
    inflate the way a plain amplitude can), amplitude its least-squares height above
    the gaps; fit < 0 when two pulses do not stand above the gaps or the pulses are too
    weak overall.
    """
    v0 = _pulse(mag, start, p, 0, pulse_base, pulse_taps)
    v1 = _pulse(mag, start, p, 1, pulse_base, pulse_taps)
    v2 = _pulse(mag, start, p, 2, pulse_base, pulse_taps)
    v3 = _pulse(mag, start, p, 3, pulse_base, pulse_taps)
    hi = (v0 + v1 + v2 + v3) / 4
    weakest = _second_smallest(v0, v1, v2, v3)
    if weakest <= lo * PULSE_RATIO or hi <= lo * PREAMBLE_RATIO:
        return -1.0, 0.0, hi
    # template . (samples - gap level), over the template's own energy
    corr = (v0 * pulse_energy[p, 0] + v1 * pulse_energy[p, 1] + v2 * pulse_energy[p, 2]
            + v3 * pulse_energy[p, 3] - lo * pulse_area[p, 4])
    energy = pulse_energy[p, 4]
    amplitude = corr / energy
    return amplitude * corr, amplitude, hi


@njit(cache=True, nogil=True, error_model="numpy")
def _rank_preambles(mag: np.ndarray, j: int, floor_level: float, min_level: float,
                    pulse_base: np.ndarray, pulse_taps: np.ndarray,
                    pulse_energy: np.ndarray, pulse_area: np.ndarray, gaps: np.ndarray,
                    top_fit: np.ndarray, top_q: np.ndarray, top_lo: np.ndarray,
                    top_start: np.ndarray, top_p: np.ndarray) -> None:
    """The TRIES best-fitting preambles starting in [j-1, j+2), at every sub-sample
    phase, best first (top_fit < 0 past the last one found): fit, amplitude, gap level,
    start and phase.

    A screen peak at j means a start near [j, j+1); its neighbours are tried too, as at
    low SNR a second-best phase often slices with fewer errors.
    """
    for k in range(TRIES):  # not top_fit[:]: a view costs a reference count
        top_fit[k] = -1.0
    for start in range(j - 1, j + 2):
        lo = _gap_level(mag, start, gaps)
        for phase in range(pulse_base.shape[0]):
            p = np.uint64(phase)
            fit, amplitude, hi = _preamble(mag, start, p, lo, pulse_base, pulse_taps,
                                           pulse_energy, pulse_area)
            if fit <= top_fit[TRIES - 1] or hi <= floor_level or hi <= min_level:
                continue
            k = TRIES - 1
            while k > 0 and top_fit[k - 1] < fit:
                top_fit[k] = top_fit[k - 1]
                top_q[k] = top_q[k - 1]
                top_lo[k] = top_lo[k - 1]
                top_start[k] = top_start[k - 1]
                top_p[k] = top_p[k - 1]
                k -= 1
            top_fit[k] = fit
            top_q[k] = amplitude
            top_lo[k] = lo
            top_start[k] = start
            top_p[k] = phase


@njit(cache=True, nogil=True, error_model="numpy")
def _busy(mag: np.ndarray, start: int, byte_len: int, pulse_level: float) -> bool:
    """Whether each of the first BUSY_BYTES bytes from `start` (`byte_len` samples each)
    averages at least DATA_SHARE of `pulse_level`."""
    least = byte_len * DATA_SHARE * pulse_level
    for byte in range(BUSY_BYTES):
        # Four running sums, not one: each add waits on the last in a single sum (most
        # peaks are noise, turned away after their first byte, so this wait is the cost).
        s0 = s1 = s2 = s3 = 0.0
        k = np.uint64(start + byte * byte_len)
        end = k + np.uint64(byte_len)
        while k + THREE < end:
            s0 += mag[k]
            s1 += mag[k + ONE]
            s2 += mag[k + TWO]
            s3 += mag[k + THREE]
            k += np.uint64(4)
        while k < end:
            s0 += mag[k]
            k += ONE
        if (s0 + s1) + (s2 + s3) < least:
            return False
    return True
