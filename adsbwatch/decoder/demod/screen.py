"""The screen: a branch-free pass over every sample that scores how much a preamble
starting there would stand out, and the local peaks of that score, the candidates."""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

# Screen thresholds: a pulse level relative to the gaps and to the noise floor (the
# median magnitude). A frame at the 50% point (10 dB) stands about 3.8x over the median;
# the thresholds sit well below that and still turn away most noise.
SCREEN_RATIO = 1.25
SCREEN_SNR = 1.8
SCREEN_PULSE_RATIO = 1.3
# Shape tests that turn away what only looks like a preamble on average: the data bits of
# a frame we cannot decode (no 2 us of quiet ever occurs in them), and pulse pairs of Mode
# A/C replies or DME (a pulse missing, or two far weaker than the rest). A quiet sample may
# rise to QUIET_SHARE of the pulse level or QUIET_NOISE times the noise floor, whichever is
# higher: near the floor, noise alone reaches that share. (0.7 is as fast on modes1 but
# loses a further 0.5% of the frames of a busy simulated scene, overlapped ones; 1.0 keeps
# 0.35% more and costs 15% more time.) Of the four pulses, three must reach PULSE_SHARE
# of their mean.
QUIET_SHARE = 0.85
QUIET_NOISE = 3.0
PULSE_SHARE = 0.5


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _second_smallest(a: float, b: float, c: float, d: float) -> float:
    return min(max(min(a, b), min(c, d)), min(max(a, b), max(c, d)))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _max3(a: float, b: float, c: float) -> float:
    return max(max(a, b), c)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _screen_ok(h: float, q: float, weakest: float, quiet_max: float, floor: float) -> float:
    """1.0 where a preamble with pulse level h, gap mean q, weakest of three pulses
    `weakest` and loudest quiet sample `quiet_max` passes the screen, else 0.0."""
    ok = ((h > q * np.float32(SCREEN_RATIO)) & (weakest > q * np.float32(SCREEN_PULSE_RATIO))
          & (h > floor * np.float32(SCREEN_SNR)) & (weakest > h * np.float32(PULSE_SHARE))
          & (quiet_max < max(h * np.float32(QUIET_SHARE), floor * np.float32(QUIET_NOISE))))
    return np.float32(ok)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _pulses_24(a: float, b: float, c: float, d: float, e: float,
               f: float) -> tuple[float, float, float, float, float]:
    """At 2.4 MS/s, from samples j, j+1, j+3, j+9, j+11, j+12: the four pulses and
    their mean h (the level). One expression for the screen and for screen_level, so
    that both give the same float32 bits."""
    p1 = (a + b) * np.float32(0.5)
    p4 = (e + f) * np.float32(0.5)
    return p1, c, d, p4, (p1 + p1 + c + d + p4 + p4) * np.float32(1 / 6)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _pulses_20(a: float, b: float, c: float, d: float, e: float, f: float, g: float,
               h: float) -> tuple[float, float, float, float, float]:
    """At 2.0 MS/s, from samples j, j+1, j+2, j+3, j+7, j+8, j+9, j+10: the four
    pulses (two samples each) and their mean level."""
    p1 = a + b
    p2 = c + d
    p3 = e + f
    p4 = g + h
    return p1, p2, p3, p4, (p1 + p2 + p3 + p4) * np.float32(0.125)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def screen_level(mag: np.ndarray, j: int, two_point_four: bool) -> float:
    """The screen's pulse level of a start in [j, j+1), for the few positions tried: the
    screen itself keeps only its score (a second array written for every sample cost
    more than this at the peaks)."""
    if two_point_four:
        return _pulses_24(mag[j], mag[j + 1], mag[j + 3], mag[j + 9], mag[j + 11],
                          mag[j + 12])[4]
    return _pulses_20(mag[j], mag[j + 1], mag[j + 2], mag[j + 3], mag[j + 7], mag[j + 8],
                      mag[j + 9], mag[j + 10])[4]


@njit(cache=True, nogil=True, error_model="numpy")
def _screen(mag: np.ndarray, begin: int, stop: int, floor: float, two_point_four: bool,
            excess: np.ndarray) -> None:
    """For a frame start in [j, j+1): excess[j], how far the mean of pulse-ish samples
    (the level, screen_level) rises over the gaps, or 0 where the samples fail the
    shape tests (_screen_ok; one pulse may be lost to interference or a clipped
    recording).

    The sample sets hold most of each pulse / only gap for every start phase in
    [j, j+1). The loop is branch-free in float32 and indexes views from 0, so no index
    can be negative and LLVM vectorises it (10x faster than with a negative-capable
    index).
    """
    m = mag[begin:stop + 19]
    ex = excess[begin:stop]
    fl = np.float32(floor)
    if two_point_four:
        for j in range(stop - begin):
            p1, p2, p3, p4, h = _pulses_24(m[j], m[j + 1], m[j + 3], m[j + 9], m[j + 11],
                                           m[j + 12])
            q = (m[j + 5] + m[j + 6] + m[j + 7] + m[j + 13] + m[j + 14] + m[j + 15]
                 + m[j + 16] + m[j + 17] + m[j + 18]) * np.float32(1 / 9)
            quiet_max = max(_max3(m[j + 5], m[j + 6], m[j + 7]),
                            _max3(m[j + 14], m[j + 15], m[j + 16]))
            ex[j] = (h - q) * _screen_ok(h, q, _second_smallest(p1, p2, p3, p4), quiet_max, fl)
    else:
        for j in range(stop - begin):
            p1, p2, p3, p4, h = _pulses_20(m[j], m[j + 1], m[j + 2], m[j + 3], m[j + 7],
                                           m[j + 8], m[j + 9], m[j + 10])
            q = (m[j + 4] + m[j + 5] + m[j + 6] + m[j + 11] + m[j + 12] + m[j + 13]
                 + m[j + 14] + m[j + 15]) * np.float32(0.125)
            quiet_max = max(_max3(m[j + 4], m[j + 5], m[j + 6]),
                            _max3(m[j + 12], m[j + 13], m[j + 14]))
            weakest = _second_smallest(p1, p2, p3, p4) * np.float32(0.5)
            ex[j] = (h - q) * _screen_ok(h, q, weakest, quiet_max, fl)


@njit(cache=True, nogil=True, error_model="numpy")
def _screen_windows(mag: np.ndarray, begin: int, end: int, first_sample: int,
                    floors: np.ndarray, first_window: int, window: int,
                    two_point_four: bool, excess: np.ndarray) -> None:
    """The screen over block positions [begin, end), window by window of the noise
    floor (each window's floor in `floors`, the first being `first_window`)."""
    while begin < end:
        w = (first_sample + begin) // window
        upto = min(end, (w + 1) * window - first_sample)
        _screen(mag, begin, upto, floors[w - first_window], two_point_four, excess)
        begin = upto


_BYTE_LOWS = 0x0101010101010101  # the low bit of each byte
_GATHER = 0x0102040810204080  # times that: byte k's bit lands in bit 56 + k


@njit(cache=True, nogil=True, error_model="numpy")
def _peaks(excess: np.ndarray, lo: int, hi: int, flags: np.ndarray, out: np.ndarray) -> int:
    """Positions j in [lo, hi] (lo >= 1) where the screen peaks, from its scores of
    [lo - 1, hi + 1]; `flags` must hold hi + 64 bytes.

    A branch-free pass (vectorised) flags them, a byte each; each 64 flags are gathered
    into the bits of one word, whose set bits are then taken lowest first: under 2% of
    positions are peaks. A test per flag (or per 8 flags) mispredicts at every peak."""
    first = lo // 64 * 64  # the words holding [lo, hi]
    last = (hi + 64) // 64 * 64
    e = excess[lo - 1:hi + 2]  # views indexed from 0: no negative-index handling
    f = flags[:last]
    for j in range(first, lo):
        f[j] = 0
    g = flags[lo:hi + 1]
    for k in range(hi + 1 - lo):
        x = e[k + 1]
        g[k] = (x > 0.0) & (x >= e[k]) & (x > e[k + 2])
    for j in range(hi + 1, last):  # the scratch may hold an earlier block's flags
        f[j] = 0
    words = f.view(np.uint64)
    lows, gather = np.uint64(_BYTE_LOWS), np.uint64(_GATHER)
    count = 0
    for block in range(first // 64, last // 64):
        mask = np.uint64(0)
        for w in range(8):
            byte = ((words[8 * block + w] & lows) * gather) >> np.uint64(56)
            mask |= byte << np.uint64(8 * w)
        while mask != 0:
            # The lowest set bit's index: one instruction (tzcnt), where a de Bruijn
            # multiply and a table read were a chain of three.
            out[count] = 64 * block + trailing_zeros(mask)
            count += 1
            mask &= mask - np.uint64(1)
    return count
