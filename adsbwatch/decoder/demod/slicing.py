"""Slicing a Mode S frame's bits from magnitudes at one start and sub-sample phase.

Three slicers, from cheap to thorough, all on the box model of a sample (the average of
the signal over its period, see geometry.py): comparing each bit's halves; deciding bit
by bit with the previous bit fed back; and the most likely sequence over a 2-state
trellis. Margins come out in units of amplitude (a clean bit of amplitude A: margin A).

Each takes the geometry's tables of every phase and the phase `p` to use, not the
phase's rows: a row is a view, and making one costs a reference count taken and dropped
(atomics, 12% of the demodulator's time on modes1 when every call made its views).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Array indices are unsigned in the loops here: Numba tests every signed index for a
# negative one (to count from the end), a cost on each of the many table reads per bit.
# (An unsigned plus a signed integer is a float in Numba: offsets are these constants.)
ONE, TWO, THREE = np.uint64(1), np.uint64(2), np.uint64(3)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _dot4(slots: np.ndarray, p: np.uint64, i: np.uint64, k: int, m0: float, m1: float,
          m2: float, m3: float) -> float:
    return ((slots[p, i, k, 0] * m0 + slots[p, i, k, 1] * m1)
            + (slots[p, i, k, 2] * m2 + slots[p, i, k, 3] * m3))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _correlations(mag: np.ndarray, s: np.uint64, lo: float, slots: np.ndarray, p: np.uint64,
                  i: np.uint64) -> tuple[float, float, float, float]:
    """Bit i's samples (above the gap level) against each of its four half-bit slots:
    previous second half, first half, second half, next first half. Direct indexing,
    not row views: a view costs a reference count per bit."""
    m0 = mag[s] - lo
    m1 = mag[s + ONE] - lo
    m2 = mag[s + TWO] - lo
    m3 = mag[s + THREE] - lo
    return (_dot4(slots, p, i, 0, m0, m1, m2, m3), _dot4(slots, p, i, 1, m0, m1, m2, m3),
            _dot4(slots, p, i, 2, m0, m1, m2, m3), _dot4(slots, p, i, 3, m0, m1, m2, m3))


@njit(cache=True, nogil=True, error_model="numpy")
def _slice(mag: np.ndarray, j: int, nbits: int, base: np.ndarray,
           slots: np.ndarray, energy: np.ndarray, scale: np.ndarray, p: int, lo: float,
           contrast: float, bits: np.ndarray, margin: np.ndarray) -> float:
    """Slice bits [0, nbits) at one phase; returns the sum of their margins
    (in units of amplitude: a clean bit of amplitude A has margin A).

    Decision feedback: each bit is the hypothesis whose expected samples (given the
    previous bit, already decided, and the best case for the next) fit the samples
    best. A sample straddling two half-bits, which a plain first-minus-second-half
    slicer reads as mush (at 2.0 MS/s with the bit edges mid-sample, every other
    sample), then still counts. With the edges on sample boundaries this reduces to
    comparing the two halves. (Used on a frame's first byte: the bit after the last
    one sliced may start high.)
    """
    total = 0.0
    prev = 0  # 1: previous second half high; before bit 0 lies the preamble's quiet gap
    up = np.uint64(p)
    for bit in range(nbits):
        i = np.uint64(bit)
        _, mf, ms, mn = _correlations(mag, np.uint64(j + base[up, i]), lo, slots, up, i)
        k = np.uint64(4 * prev)
        # Squared error of each hypothesis (b, next) up to terms common to all of them.
        one = min(contrast * energy[up, i, k + TWO] - 2.0 * mf,
                  contrast * energy[up, i, k + THREE] - 2.0 * (mf + mn))
        zero = min(contrast * energy[up, i, k] - 2.0 * ms,
                   contrast * energy[up, i, k + ONE] - 2.0 * (ms + mn))
        b = one < zero
        bits[i] = b
        d = abs(one - zero) * scale[up, i]
        margin[i] = d
        total += d
        prev = 1 - b
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _viterbi(mag: np.ndarray, j: int, nbits: int, base: np.ndarray, slots: np.ndarray,
             energy: np.ndarray, scale: np.ndarray, p: int, lo: float, contrast: float,
             bits: np.ndarray, margin: np.ndarray, back: np.ndarray) -> float:
    """Slice a whole frame by the most likely bit sequence, with the same hypothesis
    costs as _slice but no commitment bit by bit: one bad decision cannot drag its
    neighbours along (the 2-state trellis: was the previous second half high?).
    Returns the sum of the margins, each the local cost gap between the bit's values.

    Give it the tables of the frame's length (Geometry's frame_slots): after the last
    bit comes silence, where a high next half would let a 0 whose pulse the tuner's
    filter smeared past the frame's end pass for a 1 and a pulse after it."""
    low = 0.0  # path cost ending with the previous second half low
    high = 1e30  # ... and high: before bit 0 comes the preamble's quiet gap
    up = np.uint64(p)
    for bit in range(nbits):
        i = np.uint64(bit)
        mp, mf, ms, mn = _correlations(mag, np.uint64(j + base[up, i]), lo, slots, up, i)
        # Branch costs (hypothesis energy - 2 x correlation), the next half-bit at its
        # best; unlike in _slice, the previous half's share differs between branches.
        one_low = low + min(contrast * energy[up, i, 2] - 2.0 * mf,
                            contrast * energy[up, i, 3] - 2.0 * (mf + mn))
        zero_low = low + min(contrast * energy[up, i, 0] - 2.0 * ms,
                             contrast * energy[up, i, 1] - 2.0 * (ms + mn))
        shared = high - 2.0 * mp
        one_high = shared + min(contrast * energy[up, i, 6] - 2.0 * mf,
                                contrast * energy[up, i, 7] - 2.0 * (mf + mn))
        zero_high = shared + min(contrast * energy[up, i, 4] - 2.0 * ms,
                                 contrast * energy[up, i, 5] - 2.0 * (ms + mn))
        back[i, 1] = one_high < one_low
        back[i, 0] = zero_high < zero_low
        best_one = min(one_low, one_high)
        best_zero = min(zero_low, zero_high)
        margin[i] = abs(best_one - best_zero) * scale[up, i]
        # A 1 leaves the second half low; a 0 leaves it high.
        low = best_one
        high = best_zero
    state = 0 if low <= high else 1
    total = 0.0
    for r in range(nbits):
        i = np.uint64(nbits - 1 - r)
        b = 1 - state
        bits[i] = b
        state = back[i, np.uint64(b)]
        total += margin[i]
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _slice_plain(mag: np.ndarray, j: int, nbits: int, base: np.ndarray,
                 difference: np.ndarray, scale: np.ndarray, p: int, bits: np.ndarray,
                 margin: np.ndarray) -> float:
    """Each bit by its first half against its second (`difference`: Geometry's
    half_difference), nothing assumed about the pulse shape: the fallback where real
    pulses (smoothed by the tuner's filter) stray from the box model the other slicers
    rely on. The four samples' products are summed pairwise, not in a row: the first
    slicing of every try, and the pairs halve its wait on each add."""
    total = 0.0
    up = np.uint64(p)
    for bit in range(nbits):
        i = np.uint64(bit)
        s = np.uint64(j + base[up, i])
        d = ((difference[up, i, 0] * mag[s] + difference[up, i, 1] * mag[s + ONE])
             + (difference[up, i, 2] * mag[s + TWO] + difference[up, i, 3] * mag[s + THREE]))
        bits[i] = d > 0
        margin[i] = abs(d) * scale[up, i]
        total += margin[i]
    return total


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _frame_fit(mag: np.ndarray, j: int, nbits: int, base: np.ndarray, share: np.ndarray,
               inside: np.ndarray, count: np.ndarray, sums: np.ndarray, p: int,
               bits: np.ndarray) -> tuple[float, float]:
    """(low level, amplitude) that best explain the frame's samples given its decided
    bits: a straight-line fit of each sample against its share of high half-bits."""
    low, amplitude, _ = _fit_bits(mag, j, 0, nbits, nbits, base, share, inside, count, sums,
                                  p, bits)
    return low, amplitude


@njit(cache=True, nogil=True, error_model="numpy")
def _fit_bits(mag: np.ndarray, j: int, first: int, last: int, nbits: int, base: np.ndarray,
              share: np.ndarray, inside: np.ndarray, count: np.ndarray, sums: np.ndarray,
              p: int, bits: np.ndarray) -> tuple[float, float, float]:
    """_frame_fit over bits [first, last) of a frame of nbits, and the rms misfit of
    those samples (from the same sums: at the least-squares optimum the residual's
    energy is sum(m^2) - low sum(m) - amplitude sum(c m)).

    Branch-free, from tables (geometry.py): a sample outside the bit adds 0 to every
    sum, each bit's samples are summed apart before the running sums, and the indices
    are unsigned, which spares Numba's test of each for a negative one. 2x faster than
    a test per sample."""
    n = 0.0
    sc = 0.0
    sm = 0.0
    scc = 0.0
    scm = 0.0
    smm = 0.0
    up = np.uint64(p)
    for bit in range(first, last):
        i = np.uint64(bit)
        prev = 0 if bit == 0 else 1 - bits[i - ONE]
        nxt = 0 if bit == nbits - 1 else bits[i + ONE]
        k = np.uint64(4 * prev + 2 * bits[i] + nxt)
        s = np.uint64(j + base[up, i])
        m0 = np.float64(mag[s])
        m1 = np.float64(mag[s + ONE])
        m2 = np.float64(mag[s + TWO])
        m3 = np.float64(mag[s + THREE])
        a0, a1 = inside[up, i, 0] * m0, inside[up, i, 1] * m1
        a2, a3 = inside[up, i, 2] * m2, inside[up, i, 3] * m3
        n += count[up, i]
        sc += sums[up, i, k, 0]
        scc += sums[up, i, k, 1]
        sm += (a0 + a1) + (a2 + a3)
        scm += ((share[up, i, k, 0] * m0 + share[up, i, k, 1] * m1)
                + (share[up, i, k, 2] * m2 + share[up, i, k, 3] * m3))
        smm += (a0 * m0 + a1 * m1) + (a2 * m2 + a3 * m3)
    spread = n * scc - sc * sc
    if spread <= 0.0:
        return 0.0, 0.0, 0.0
    amplitude = (n * scm - sc * sm) / spread
    low = (sm - amplitude * sc) / n
    return low, amplitude, math.sqrt(max(smm - low * sm - amplitude * scm, 0.0) / n)


@njit(cache=True, nogil=True, error_model="numpy")
def _pack(bits: np.ndarray, nbits: int, msg: np.ndarray) -> None:
    for k in range(nbits // 8):
        v = 0
        for b in range(8):
            v = (v << 1) | bits[8 * k + b]
        msg[k] = v
    for k in range(nbits // 8, 14):
        msg[k] = 0


@njit(cache=True, nogil=True, error_model="numpy")
def _unpack(msg: np.ndarray, nbits: int, bits: np.ndarray) -> None:
    for i in range(nbits):
        bits[i] = (msg[i >> 3] >> (7 - (i & 7))) & 1
