"""Where a Mode S frame's pulses fall among the samples, for every sub-sample phase.

Sample n stands for the interval [n, n+1) sample periods (the box model: a sample is the
average of the signal over its period). A frame whose first preamble pulse starts at
j + phase covers, for each half-bit, an interval that straddles 2 to 4 samples; each
sample's weight is its overlap with that interval. Slicing a bit is then one small dot
product per half, and trying every phase is what tracks the bit clock at rates like
2.4 MS/s where a half-bit (1.2 samples) is not a whole number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from .modes import CLOCK_HZ, LONG_BITS, PREAMBLE_US

SUPPORTED_RATES = (2_000_000, 2_400_000)
TAPS = 4  # samples a half-bit window can touch at rates up to 3 MS/s

# Preamble: four 0.5 us pulses; the quiet stretches between and after them.
PULSES_US = ((0.0, 0.5), (1.0, 1.5), (3.5, 4.0), (4.5, 5.0))
QUIET_US = ((0.5, 1.0), (1.5, 3.5), (4.0, 4.5), (5.0, 8.0))


def _overlap_weights(start: float, end: float, length: int) -> np.ndarray:
    """Overlap of [start, end) with each sample box [n, n+1), n < length."""
    n = np.arange(length, dtype=np.float64)
    return np.clip(np.minimum(n + 1, end) - np.maximum(n, start), 0.0, None)


@dataclass(frozen=True)
class Geometry:
    rate: int
    samples_per_us: float
    phases: int  # sub-sample phases tried; one phase step is one 12 MHz tick
    ticks_per_sample: int
    preamble_len: int  # samples the preamble weights span
    bit_base: np.ndarray  # [phase, bit] first sample of the bit's window, relative to j
    bit_diff: np.ndarray  # [phase, bit, TAPS] first half's mean level minus the second's
    bit_sum: np.ndarray  # [phase, bit, TAPS] first half's mean level plus the second's
    pulse_base: np.ndarray  # [phase, pulse] first sample of each preamble pulse
    pulse_taps: np.ndarray  # [phase, pulse, TAPS] weights giving each pulse's mean level
    gap_samples: np.ndarray  # offsets from j of samples inside the gaps at every phase
    span_short: int  # samples from j to past the end of a 56-bit frame
    span_long: int


@cache
def geometry_for(rate: int) -> Geometry:
    if rate not in SUPPORTED_RATES:
        raise ValueError(f"unsupported sample rate {rate}")
    sps = rate / 1e6
    ticks = CLOCK_HZ // rate
    phases = ticks
    pre_len = math.ceil(PREAMBLE_US * sps) + 2
    bit_base = np.zeros((phases, LONG_BITS), dtype=np.int64)
    first = np.zeros((phases, LONG_BITS, TAPS), dtype=np.float32)
    second = np.zeros((phases, LONG_BITS, TAPS), dtype=np.float32)
    pulse_base = np.zeros((phases, len(PULSES_US)), dtype=np.int64)
    pulse_taps = np.zeros((phases, len(PULSES_US), TAPS), dtype=np.float32)
    quiet = np.zeros((phases, pre_len), dtype=np.float32)
    half = sps / 2
    for p in range(phases):
        phase = p / phases
        quiet[p] = sum(_overlap_weights(phase + a * sps, phase + b * sps, pre_len)
                       for a, b in QUIET_US)
        for k, (a, _) in enumerate(PULSES_US):
            t0 = phase + a * sps
            pulse_base[p, k] = math.floor(t0)
            pulse_taps[p, k] = _overlap_weights(t0 - math.floor(t0),
                                                t0 - math.floor(t0) + half, TAPS) / half
        for i in range(LONG_BITS):
            t0 = phase + (PREAMBLE_US + i) * sps
            base = math.floor(t0)
            bit_base[p, i] = base
            first[p, i] = _overlap_weights(t0 - base, t0 - base + half, TAPS) / half
            second[p, i] = _overlap_weights(t0 - base + half, t0 - base + 2 * half, TAPS) / half
    return Geometry(
        rate=rate,
        samples_per_us=sps,
        phases=phases,
        ticks_per_sample=ticks,
        preamble_len=pre_len,
        bit_base=bit_base,
        bit_diff=first - second,
        bit_sum=first + second,
        pulse_base=pulse_base,
        pulse_taps=pulse_taps,
        gap_samples=np.flatnonzero((quiet >= 1.0 - 1e-9).all(axis=0)).astype(np.int64),
        span_short=math.ceil((PREAMBLE_US + 56) * sps) + 2,
        span_long=math.ceil((PREAMBLE_US + LONG_BITS) * sps) + 2,
    )
