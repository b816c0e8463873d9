"""Where a Mode S frame's pulses fall among the samples, for every sub-sample phase.

Everything is counted in 12 MHz ticks, the timestamp clock: a sample is 6 ticks at
2.0 MS/s and 5 at 2.4 MS/s, a half-bit always 6, so a frame starting at tick p of
sample j puts every half-bit on a whole tick. What a half-bit pulse of unit amplitude
adds to a sample starting d ticks after the pulse's start is the pulse response
`response[d + REACH]` (pulseshape.py): the box model's (a sample is the average of the
signal over its period) to begin with, the receiver's own once it has learnt it from
clean frames (calibration.py). Slicing a bit is then one small dot product per half,
and trying every phase is what tracks the bit clock at rates like 2.4 MS/s where a
half-bit (1.2 samples) is not a whole number of samples.
"""

from __future__ import annotations

import math
from functools import cache
from typing import NamedTuple

import numpy as np

from adsbwatch.decoder.demod.pulseshape import (
    HALF_TICKS,
    REACH,
    TICKS_PER_US,
    box_response,
)
from adsbwatch.decoder.demod.rates import SUPPORTED_RATES
from adsbwatch.decoder.frames.formats import CLOCK_HZ, LONG_BITS, PREAMBLE_US, SHORT_BITS

TAPS = 4  # samples a half-bit window can touch at rates up to 3 MS/s
# A sample whose weight in a bit's own halves is below this (of a pulse's peak) says
# nothing of that bit.
OUTSIDE = 0.02

# Preamble: four 0.5 us pulses; the quiet stretches between and after them.
PULSES_US = ((0.0, 0.5), (1.0, 1.5), (3.5, 4.0), (4.5, 5.0))
QUIET_US = ((0.5, 1.0), (1.5, 3.5), (4.0, 4.5), (5.0, 8.0))


def _overlap_weights(start: float | np.ndarray, end: float | np.ndarray,
                     length: int) -> np.ndarray:
    """Overlap of [start, end) with each sample box [n, n+1), n < length; for arrays of
    intervals, one more (last) axis."""
    n = np.arange(length, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)[..., None]
    end = np.asarray(end, dtype=np.float64)[..., None]
    return np.clip(np.minimum(n + 1, end) - np.maximum(n, start), 0.0, None)


def _row_dots(x: np.ndarray) -> np.ndarray:
    """x[i] @ x[i] for every row, summed in the order a 1-D `@` sums them."""
    return (x[:, None, :] @ x[:, :, None])[:, 0, 0]


class Geometry(NamedTuple):
    """The tables for one sample rate. A NamedTuple, so that a kernel takes them as one
    argument (kernel._try_peaks takes each table out of it once per block)."""

    rate: int
    phases: int  # sub-sample phases tried; one phase step is one 12 MHz tick
    ticks_per_sample: int
    bit_base: np.ndarray  # [phase, bit] first sample of the bit's window, relative to j
    # For decision-feedback slicing: how much of each sample in a bit's window falls in
    # [previous bit's second half, first half, second half, next bit's first half],
    # and for each hypothesis (prev second half high, this bit, next first
    # half high) -> index 4*P + 2*b + N, the energy of the expected samples.
    bit_slots: np.ndarray  # [phase, bit, 4, TAPS]
    bit_energy: np.ndarray  # [phase, bit, 8]
    # The same for 56-bit frames, whose bit 55 is their last (bit 111, a long frame's
    # last, has no high next half in the tables above either).
    short_slots: np.ndarray  # [phase, 56, 4, TAPS]
    short_energy: np.ndarray  # [phase, 56, 8]
    # A sample's expected share of high half-bits given (prev second half high, this bit,
    # next first half high) -> index 4*P + 2*b + N, from bit_slots; and whether the sample
    # lies inside the bit at all (1.0 or 0.0). Level fits look these up rather than
    # branching on bit_slots per sample.
    bit_share: np.ndarray  # [phase, bit, 8, TAPS]
    bit_inside: np.ndarray  # [phase, bit, TAPS]
    # Sums over a bit's samples of those: count inside; shares and their squares by index.
    bit_count: np.ndarray  # [phase, bit]
    share_sums: np.ndarray  # [phase, bit, 8, 2]
    # Each sample's first-half share less its second-half share: the plain slicer's weights.
    half_difference: np.ndarray  # [phase, bit, TAPS]
    # Half the reciprocal of the margin between the two hypotheses for a clean bit of unit
    # amplitude: margins are scaled by it so bits (and phases) whose samples straddle
    # less compare fairly. A phase's clarity is that margin's mean (1: edges on samples).
    bit_scale: np.ndarray  # [phase, bit]
    phase_clarity: np.ndarray  # [phase]
    pulse_base: np.ndarray  # [phase, pulse] first sample of each preamble pulse
    pulse_taps: np.ndarray  # [phase, pulse, TAPS] weights giving each pulse's amplitude
    pulse_energy: np.ndarray  # [phase, pulse + total] sum of squared overlaps
    pulse_area: np.ndarray  # [phase, pulse + total] sum of overlaps (width in samples)
    gap_samples: np.ndarray  # offsets from j of samples inside the gaps at every phase
    span_short: int  # samples from j to past the end of a 56-bit frame
    span_long: int
    first_byte_start: int  # samples from j to the first one inside the data at any phase
    first_byte_len: int  # samples the first byte spans
    response: np.ndarray  # the half-bit pulse response the tables were made from


@cache
def geometry_for(rate: int) -> Geometry:
    """The box model's tables for `rate`."""
    if rate not in SUPPORTED_RATES:
        raise ValueError(f"unsupported sample rate {rate}")
    return geometry_from_response(rate, box_response(CLOCK_HZ // rate))


def _weights(response: np.ndarray, ticks: int, base: np.ndarray,
             pulse_start: np.ndarray) -> np.ndarray:
    """What a unit half-bit pulse starting at tick `pulse_start` adds to each of the
    TAPS samples from `base` on (arrays broadcast; one more, last axis for the taps)."""
    d = (base[..., None] + np.arange(TAPS)) * ticks - pulse_start[..., None]
    inside = np.abs(d) <= REACH
    return np.where(inside, response[np.clip(d, -REACH, REACH) + REACH], 0.0)


def geometry_from_response(rate: int, response: np.ndarray) -> Geometry:
    """The tables for `rate` with half-bit pulses of `response` (pulseshape.py)."""
    sps = rate / 1e6
    ticks = CLOCK_HZ // rate
    phases = ticks
    pre_len = math.ceil(PREAMBLE_US * sps) + 2
    bit_base = np.zeros((phases, LONG_BITS), dtype=np.int64)
    # float64 like the slicers' arithmetic: a float32 table costs a conversion per use,
    # a third of the trellis' time.
    slots = np.zeros((phases, LONG_BITS, 4, TAPS), dtype=np.float64)
    energy = np.zeros((phases, LONG_BITS, 8), dtype=np.float64)
    norm = np.zeros((phases, LONG_BITS), dtype=np.float64)
    pulse_base = np.zeros((phases, len(PULSES_US)), dtype=np.int64)
    pulse_taps = np.zeros((phases, len(PULSES_US), TAPS), dtype=np.float64)
    pulse_energy = np.zeros((phases, len(PULSES_US) + 1), dtype=np.float64)
    pulse_area = np.zeros((phases, len(PULSES_US) + 1), dtype=np.float64)
    quiet = np.zeros((phases, pre_len), dtype=np.float32)
    for p in range(phases):
        phase = p / phases
        quiet[p] = sum(_overlap_weights(phase + a * sps, phase + b * sps, pre_len)
                       for a, b in QUIET_US)
        for k, (a, _) in enumerate(PULSES_US):
            start = p + round(a * TICKS_PER_US)
            pulse_base[p, k] = start // ticks
            o = _weights(response, ticks, np.array(start // ticks), np.array(start))
            pulse_taps[p, k] = o / (o @ o)  # least-squares amplitude of a pulse so placed
            pulse_energy[p, k] = o @ o
            pulse_area[p, k] = o.sum()
        pulse_energy[p, -1] = pulse_energy[p, :-1].sum()
        pulse_area[p, -1] = pulse_area[p, :-1].sum()
        # Every bit at once (a loop over bits costs 40 ms of start-up).
        first_half = p + (round(PREAMBLE_US) + np.arange(LONG_BITS)) * TICKS_PER_US
        base = first_half // ticks
        bit_base[p] = base
        halves = first_half[:, None] + (np.arange(4) - 1) * HALF_TICKS  # bit, half
        o = _weights(response, ticks, np.broadcast_to(base[:, None], halves.shape), halves)
        # Samples outside a bit say nothing of it.
        o = np.where(((o[:, 1] + o[:, 2]) < OUTSIDE)[:, None, :], 0.0, o)
        slots[p] = o
        norm[p] = _row_dots(o[:, 1] - o[:, 2]) / 2
        for prev in (0, 1):
            for bit in (0, 1):
                for nxt in (0, 1):
                    c = prev * o[:, 0] + bit * o[:, 1] + (1 - bit) * o[:, 2] + nxt * o[:, 3]
                    energy[p, :, 4 * prev + 2 * bit + nxt] = _row_dots(c)
    # A frame's last bit has silence after it: its next half never high. Bit 111 is a long
    # frame's last always; bit 55 only a short frame's, so short frames get tables of
    # their own. (Without a high next half, those hypotheses cost what the low ones do.)
    slots[:, LONG_BITS - 1, 3] = 0.0
    energy[:, LONG_BITS - 1, 1::2] = energy[:, LONG_BITS - 1, 0::2]
    short_slots = slots[:, :SHORT_BITS].copy()
    short_energy = energy[:, :SHORT_BITS].copy()
    short_slots[:, SHORT_BITS - 1, 3] = 0.0
    short_energy[:, SHORT_BITS - 1, 1::2] = short_energy[:, SHORT_BITS - 1, 0::2]
    share = np.zeros((phases, LONG_BITS, 8, TAPS), dtype=np.float64)
    for prev in (0, 1):
        for bit in (0, 1):
            for nxt in (0, 1):
                # The order of the slicers' own sum, so that each share is the same float.
                share[:, :, 4 * prev + 2 * bit + nxt] = (
                    prev * slots[:, :, 0] + bit * slots[:, :, 1] + (1 - bit) * slots[:, :, 2]
                    + nxt * slots[:, :, 3])
    inside = ((slots[:, :, 1] + slots[:, :, 2]) > 0.0).astype(np.float64)
    return Geometry(
        rate=rate,
        phases=phases,
        ticks_per_sample=ticks,
        bit_base=bit_base,
        bit_slots=slots,
        bit_energy=energy,
        short_slots=short_slots,
        short_energy=short_energy,
        bit_share=share,
        bit_inside=inside,
        bit_count=inside.sum(axis=2),
        share_sums=np.stack([share.sum(axis=3), (share * share).sum(axis=3)], axis=3),
        half_difference=slots[:, :, 1] - slots[:, :, 2],
        bit_scale=0.5 / norm,
        phase_clarity=norm.mean(axis=1).astype(np.float64),
        pulse_base=pulse_base,
        pulse_taps=pulse_taps,
        pulse_energy=pulse_energy,
        pulse_area=pulse_area,
        gap_samples=np.flatnonzero((quiet >= 1.0 - 1e-9).all(axis=0)).astype(np.int64),
        span_short=math.ceil((PREAMBLE_US + 56) * sps) + 2,
        span_long=math.ceil((PREAMBLE_US + LONG_BITS) * sps) + 2,
        first_byte_start=math.ceil(PREAMBLE_US * sps),
        first_byte_len=round(8 * sps),
        response=response,
    )
