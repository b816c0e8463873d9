"""Taking a decoded reply out of the IQ samples, so that a weaker one under it shows.

In magnitudes two overlapping replies do not add: where their pulses meet a sample is
|A + B e^(j theta)|, and what is left of the weaker after taking the stronger's
magnitude away is B cos(theta), a coin toss per bit. In IQ they do add. A decoded
frame's bits say where its pulses lie; its carrier (phase and frequency offset: up to
~100 kHz, several radians over a frame), its amplitude (with a slow droop) and its
timing (the accepted start and sub-sample phase) make its complex samples, which are
subtracted from the window's IQ. What is left is the weaker reply, the noise, and the
reconstruction's error (pulse-shape mismatch, the half-tick of timing error, the
frequency estimate), which grows with the stronger's amplitude.

The carrier is fitted in stages: a coarse frequency from the lag-one products of samples
inside the stronger's pulses; then the complex amplitude of each SEGMENT samples (the
model's envelope correlated with the derotated samples), whose phases, unwrapped from
one to the next, give the frequency's and phase's correction by a weighted straight
line, refitted with the segments that stray (the weaker's pulses dominating them) given
less weight; the amplitude is a straight line through the segments' too.

Pure arithmetic on arrays given; the pass that runs the screen and the tries on what is
left is recovery.py's.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.pulseshape import HALF_TICKS, REACH

PREAMBLE_TICKS = (0, 12, 42, 54)  # the preamble's pulses, 12 MHz ticks from its first
DATA_TICKS = 96  # the first data bit's start
SEGMENT = 24  # samples a complex amplitude is measured over (10-12 us)
MIN_WEIGHT = 2.0  # a segment needs this much envelope energy (two full pulse samples)
ROUNDS = 2  # coarse -> segment fits, each refining the frequency
# The accepted start is the best-scoring slice's, to a tick or two: the pulses' edges,
# a fifth of a sample's weight a tick, leave too much of a strong reply behind. Ticks
# either side tried, and half ticks.
SHIFTS = 1
STRAY = 0.5  # rad: a segment's phase this far off the line counts half
# Once fitted, the samples whose misfit passes this share of the amplitude are where
# another reply's pulses lie (they pulled the fit): fitted again without them.
DOMINATED = 0.2


@njit(cache=True, nogil=True, error_model="numpy")
def _add_pulse(env: np.ndarray, tick: int, ticks_per_sample: int, response: np.ndarray,
               first_d: int, last_d: int) -> None:
    """What a unit half-bit pulse starting at `tick` (from sample 0's start) adds to each
    sample of `env` it reaches: offsets d (sample start - pulse start) in
    [first_d, last_d], where the response is not 0."""
    first = max(0, -((-(tick + first_d)) // ticks_per_sample))  # ceil((tick + first_d) / t)
    last = min(env.size - 1, (tick + last_d) // ticks_per_sample)
    for k in range(first, last + 1):
        env[k] += response[k * ticks_per_sample - tick + REACH]


@njit(cache=True, nogil=True, error_model="numpy")
def envelope(env: np.ndarray, tick: int, msg: np.ndarray, nbits: int,
             ticks_per_sample: int, response: np.ndarray) -> None:
    """env[k]: the magnitude the frame `msg` (of nbits) at unit amplitude, its first
    pulse at `tick` (counted from sample 0's start), gives sample k."""
    for k in range(env.size):
        env[k] = 0.0
    # The response's reach where it is not 0 (the box model's: a sample and a half-bit).
    first_d = REACH
    last_d = -REACH
    for d in range(-REACH, REACH + 1):
        if response[d + REACH] != 0.0:
            first_d = min(first_d, d)
            last_d = max(last_d, d)
    for t in PREAMBLE_TICKS:
        _add_pulse(env, tick + t, ticks_per_sample, response, first_d, last_d)
    for i in range(nbits):
        bit = (msg[i >> 3] >> (7 - (i & 7))) & 1
        _add_pulse(env, tick + DATA_TICKS + 12 * i + (1 - bit) * HALF_TICKS,
                   ticks_per_sample, response, first_d, last_d)


@njit(cache=True, nogil=True, error_model="numpy")
def _segment(re: np.ndarray, im: np.ndarray, env: np.ndarray, lo: int, hi: int,
             omega: float) -> tuple[float, float, float, float]:
    """The complex amplitude of samples [lo, hi) under the envelope, the carrier turned
    back by `omega` per sample: (real, imaginary, the envelope's energy, its centre)."""
    cr = 0.0
    ci = 0.0
    w = 0.0
    centre = 0.0
    # e^(-j omega k) by recurrence: a multiply a sample, not a cosine and a sine.
    c = math.cos(omega * lo)
    s = -math.sin(omega * lo)
    step_c = math.cos(omega)
    step_s = -math.sin(omega)
    for k in range(lo, hi):
        e = env[k]
        if e != 0.0:
            cr += e * (re[k] * c - im[k] * s)
            ci += e * (im[k] * c + re[k] * s)
            w += e * e
            centre += e * e * k
        c, s = c * step_c - s * step_s, c * step_s + s * step_c
    if w <= 0.0:
        return 0.0, 0.0, 0.0, 0.0
    return cr / w, ci / w, w, centre / w


@njit(cache=True, nogil=True, error_model="numpy")
def _segments(re: np.ndarray, im: np.ndarray, env: np.ndarray, lo: int, hi: int,
              omega: float, seg_x: np.ndarray, seg_re: np.ndarray, seg_im: np.ndarray,
              seg_w: np.ndarray) -> int:
    """_segment of each SEGMENT samples of [lo, hi) with envelope energy enough to
    measure: their centres, complex amplitudes and energies; returns how many."""
    n = 0
    for a in range(lo, hi, SEGMENT):
        cr, ci, w, centre = _segment(re, im, env, a, min(a + SEGMENT, hi), omega)
        if w < MIN_WEIGHT:
            continue
        seg_x[n] = centre
        seg_re[n] = cr
        seg_im[n] = ci
        seg_w[n] = w
        n += 1
    return n


@njit(cache=True, nogil=True, error_model="numpy")
def _line(x: np.ndarray, y: np.ndarray, w: np.ndarray, n: int) -> tuple[float, float]:
    """Weighted least-squares (intercept, slope) of y against x over the first n."""
    sw = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    for i in range(n):
        sw += w[i]
        sx += w[i] * x[i]
        sy += w[i] * y[i]
        sxx += w[i] * x[i] * x[i]
        sxy += w[i] * x[i] * y[i]
    if sw <= 0.0:
        return 0.0, 0.0
    spread = sw * sxx - sx * sx
    if spread <= 1e-12 * sw * sw:
        return sy / sw, 0.0
    slope = (sw * sxy - sx * sy) / spread
    return (sy - slope * sx) / sw, slope


@njit(cache=True, nogil=True, error_model="numpy")
def fit_carrier(re: np.ndarray, im: np.ndarray, env: np.ndarray, lo: int, hi: int,
                seg_x: np.ndarray, seg_phase: np.ndarray, seg_amp: np.ndarray,
                seg_w: np.ndarray, params: np.ndarray) -> bool:
    """The carrier of the reply whose envelope is `env`, over samples [lo, hi):
    params = [phase at sample 0, frequency (rad per sample), amplitude at sample 0,
    its change per sample]. The seg_* arrays are work space (hi - lo) // SEGMENT + 1
    long. False when too little of the reply is there to fit."""
    # Coarse frequency: lag-one products inside the pulses (unambiguous up to half the
    # sample rate; the weaker's share only biases it, which the segments then correct).
    pr = 0.0
    pi = 0.0
    for k in range(lo, hi - 1):
        w = env[k] * env[k + 1]
        if w <= 0.0:
            continue
        pr += w * (re[k + 1] * re[k] + im[k + 1] * im[k])
        pi += w * (im[k + 1] * re[k] - re[k + 1] * im[k])
    omega = math.atan2(pi, pr)
    phase0 = 0.0
    n = 0
    for _ in range(ROUNDS):
        n = _segments(re, im, env, lo, hi, omega, seg_x, seg_phase, seg_amp, seg_w)
        if n < 2:
            return False
        for i in range(n):  # (real, imaginary) -> (phase, magnitude), weighted by it
            cr = seg_phase[i]
            ci = seg_amp[i]
            seg_phase[i] = math.atan2(ci, cr)
            seg_amp[i] = math.sqrt(cr * cr + ci * ci)
            seg_w[i] *= seg_amp[i]
        # Unwrapped from each segment to the next: what is left of the frequency turns
        # the phase by well under pi a segment.
        for i in range(1, n):
            d = seg_phase[i] - seg_phase[i - 1]
            seg_phase[i] -= 2.0 * math.pi * math.floor((d + math.pi) / (2.0 * math.pi))
        phase0, slope = _line(seg_x, seg_phase, seg_w, n)
        # Again with the segments off the line weighted down: the weaker reply's pulses
        # pull a few segments' phases, not all.
        for i in range(n):
            r = (seg_phase[i] - phase0 - slope * seg_x[i]) / STRAY
            seg_w[i] = seg_w[i] / (1.0 + r * r)
        phase0, slope = _line(seg_x, seg_phase, seg_w, n)
        omega += slope
    # The amplitude: each segment's complex amplitude, measured again on the fitted
    # carrier, projected on its phase.
    n = _segments(re, im, env, lo, hi, omega, seg_x, seg_phase, seg_amp, seg_w)
    if n < 2:
        return False
    for i in range(n):
        seg_amp[i] = seg_phase[i] * math.cos(phase0) + seg_amp[i] * math.sin(phase0)
    amp0, droop = _line(seg_x, seg_amp, seg_w, n)
    params[0] = phase0
    params[1] = omega
    params[2] = amp0
    params[3] = droop
    return amp0 > 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def subtract(re: np.ndarray, im: np.ndarray, env: np.ndarray, params: np.ndarray) -> None:
    """Take the reply (envelope `env`, carrier `params` from fit_carrier) out of the
    samples."""
    phase0, omega, amp0, droop = params[0], params[1], params[2], params[3]
    c = math.cos(phase0)
    s = math.sin(phase0)
    step_c = math.cos(omega)
    step_s = math.sin(omega)
    for k in range(env.size):
        e = env[k]
        if e != 0.0:
            a = (amp0 + droop * k) * e
            re[k] -= a * c
            im[k] -= a * s
        c, s = c * step_c - s * step_s, c * step_s + s * step_c


@njit(cache=True, nogil=True, error_model="numpy")
def _in_phase(re: np.ndarray, im: np.ndarray, params: np.ndarray, lo: int, hi: int,
              out: np.ndarray) -> float:
    """out[k] = the samples' part in phase with the fitted carrier, k in [lo, hi);
    returns their energy."""
    c = math.cos(params[0] + params[1] * lo)
    s = math.sin(params[0] + params[1] * lo)
    step_c = math.cos(params[1])
    step_s = math.sin(params[1])
    energy = 0.0
    for k in range(lo, hi):
        out[k] = re[k] * c + im[k] * s
        energy += re[k] * re[k] + im[k] * im[k]
        c, s = c * step_c - s * step_s, c * step_s + s * step_c
    return energy


@njit(cache=True, nogil=True, error_model="numpy")
def _left(u: np.ndarray, a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> float:
    """The in-phase energy the envelope (a + b) / 2 explains at its best amplitude
    (pass b = a for a itself): (u . h)^2 / (h . h)."""
    uh = 0.0
    hh = 0.0
    for k in range(lo, hi):
        h = 0.5 * (a[k] + b[k])
        uh += u[k] * h
        hh += h * h
    return uh * uh / hh if hh > 0.0 else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def reconstruct(re: np.ndarray, im: np.ndarray, tick: int, msg: np.ndarray, nbits: int,
                ticks_per_sample: int, response: np.ndarray, lo: int, hi: int,
                env: np.ndarray, trial: np.ndarray, other: np.ndarray, u: np.ndarray,
                seg_x: np.ndarray, seg_phase: np.ndarray, seg_amp: np.ndarray,
                seg_w: np.ndarray, params: np.ndarray) -> bool:
    """The frame `msg` starting near `tick`, fitted to samples [lo, hi): `env` its
    envelope and `params` its carrier (fit_carrier). The carrier is fitted at the
    accepted timing; the timing is then the one, within SHIFTS ticks and to half a
    tick, whose envelope explains most of the samples in phase with that carrier (the
    box model's response is linear between whole ticks: half a tick is the mean of
    two), and the carrier fitted again there. `trial`, `other`, `u` are work arrays as
    long as `env`. False when nothing could be fitted."""
    envelope(env, tick, msg, nbits, ticks_per_sample, response)
    if not fit_carrier(re, im, env, lo, hi, seg_x, seg_phase, seg_amp, seg_w, params):
        return False
    _in_phase(re, im, params, lo, hi, u)
    best = _left(u, env, env, lo, hi)
    best_shift = 0.0
    envelope(other, tick - SHIFTS, msg, nbits, ticks_per_sample, response)
    for shift in range(-SHIFTS, SHIFTS + 1):
        # `other` holds shift - 1's envelope (or the first's), `trial` this one's.
        envelope(trial, tick + shift, msg, nbits, ticks_per_sample, response)
        whole = _left(u, trial, trial, lo, hi)
        if whole > best:
            best = whole
            best_shift = shift
        if shift > -SHIFTS:
            half = _left(u, trial, other, lo, hi)
            if half > best:
                best = half
                best_shift = shift - 0.5
        for k in range(other.size):
            other[k] = trial[k]
    if best_shift != 0.0:
        whole_shift = int(math.floor(best_shift))
        envelope(env, tick + whole_shift, msg, nbits, ticks_per_sample, response)
        if best_shift != whole_shift:
            envelope(trial, tick + whole_shift + 1, msg, nbits, ticks_per_sample, response)
            for k in range(env.size):
                env[k] = 0.5 * (env[k] + trial[k])
        if not fit_carrier(re, im, env, lo, hi, seg_x, seg_phase, seg_amp, seg_w, params):
            return False
    # Again on the samples the reply explains, its envelope in `trial` with the others
    # weighted 0; kept if it leaves less behind on those samples.
    _mask(re, im, env, params, lo, hi, DOMINATED * params[2], trial)
    before = _misfit_iq(re, im, trial, env, params, lo, hi)
    for i in range(4):
        u[i] = params[i]  # the first fit, kept aside
    if (fit_carrier(re, im, trial, lo, hi, seg_x, seg_phase, seg_amp, seg_w, params)
            and _misfit_iq(re, im, trial, env, params, lo, hi) < before):
        return True
    for i in range(4):
        params[i] = u[i]
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _mask(re: np.ndarray, im: np.ndarray, env: np.ndarray, params: np.ndarray, lo: int,
          hi: int, limit: float, out: np.ndarray) -> None:
    """out = env where the reply so fitted leaves less than `limit` of the sample, else 0."""
    phase0, omega, amp0, droop = params[0], params[1], params[2], params[3]
    c = math.cos(phase0 + omega * lo)
    s = math.sin(phase0 + omega * lo)
    step_c = math.cos(omega)
    step_s = math.sin(omega)
    for k in range(out.size):
        out[k] = 0.0
    for k in range(lo, hi):
        a = (amp0 + droop * k) * env[k]
        dr = re[k] - a * c
        di = im[k] - a * s
        if dr * dr + di * di < limit * limit:
            out[k] = env[k]
        c, s = c * step_c - s * step_s, c * step_s + s * step_c


@njit(cache=True, nogil=True, error_model="numpy")
def _misfit_iq(re: np.ndarray, im: np.ndarray, where: np.ndarray, env: np.ndarray,
               params: np.ndarray, lo: int, hi: int) -> float:
    """The energy the reply so fitted leaves in samples [lo, hi) where `where` != 0."""
    phase0, omega, amp0, droop = params[0], params[1], params[2], params[3]
    c = math.cos(phase0 + omega * lo)
    s = math.sin(phase0 + omega * lo)
    step_c = math.cos(omega)
    step_s = math.sin(omega)
    acc = 0.0
    for k in range(lo, hi):
        if where[k] != 0.0:
            a = (amp0 + droop * k) * env[k]
            dr = re[k] - a * c
            di = im[k] - a * s
            acc += dr * dr + di * di
        c, s = c * step_c - s * step_s, c * step_s + s * step_c
    return acc
