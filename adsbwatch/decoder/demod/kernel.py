"""The block kernel: the screen's peaks tried one by one, the best try of each written out.

Its arguments come in bundles: the rate's `Geometry`, the state `Carried` from block to
block, and the `Scratch` arrays (work space and the frames found).

The compiled kernel holds the machine code of everything it calls (screen, preamble,
slicing, acceptance, icaofilter, suspects, frames/crc and frames/formats' tables;
recovery.py's kernel holds subtraction's and this one's too), but Numba's cache only
checks the compiled function's own file: after editing any of those, delete the cached
*.nbi/*.nbc files under adsbwatch/.

Reference counts (NRT_incref/decref, atomics) cost 11% of the demodulator on modes1.
Numba binds each array argument of a function, and of every helper it inlines, to a
variable, a count taken and dropped, and prunes those pairs only in simple functions
where no exception can leave (hence `error_model="numpy"`: a division by zero gives
inf, never ZeroDivisionError) and no call is made. So the hot helpers that take arrays
are leaves (_rank_preambles with its helpers inlined into it, _busy, the slicers),
called, not inlined into _try_peaks; and _try_peaks and _classify_or_pending, which
allocate nothing (their work arrays are the Scratch's), compile with `_nrt=False`: no
counts at all, the caller holding every array.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.acceptance import (
    ACCEPT,
    ACCEPT_NEW,
    ACCEPT_PENDING,
    HOLD,
    REJECT,
    ST_CANDIDATES,
    ST_FIRST_REPAIRED,
    ST_FIXED1,
    ST_FIXED2,
    ST_HELD,
    ST_REJECTED,
    ST_SCREENED,
    _address,
    _classify_or_pending,
)
from adsbwatch.decoder.demod.calibration import STRONG as CALIBRATION_STRONG
from adsbwatch.decoder.demod.calibration import _accumulate_into, accumulate_work
from adsbwatch.decoder.demod.geometry import Geometry
from adsbwatch.decoder.demod.holding import HOLD_TICKS
from adsbwatch.decoder.demod.icaofilter import heard_since, mark_heard
from adsbwatch.decoder.demod.preamble import PREAMBLE_SNR, TRIES, _busy, _rank_preambles
from adsbwatch.decoder.demod.refcounts import NO_REFCOUNTS
from adsbwatch.decoder.demod.screen import _peaks, _screen_windows, screen_level
from adsbwatch.decoder.demod.slicing import (
    _fit_bits,
    _frame_fit,
    _pack,
    _slice,
    _slice_plain,
    _unpack,
    _viterbi,
)
from adsbwatch.decoder.demod.suspects import TAIL_BITS, _suspect
from adsbwatch.decoder.frames import crc
from adsbwatch.decoder.frames.formats import ACCEPTED_BITS, LONG_BITS, PLAIN_PARITY

STEADY = 0.35  # how far a frame's fitted amplitude may stray from its preamble's
RESLICE = 0.03  # how far the fitted levels must move for a second trellis to be worth it
STRONG = 4.0  # amplitude over the noise floor above which fewer tries do
STRONG_TRIES = 2
CLEAR_PHASE = 0.7  # mean bit margin a phase keeps for a clean bit (1 = edges on samples)
# The first byte's bits must be at least this distinct, relative to the preamble's
# pulse-to-gap contrast: the same transmitter sends both.
FIRST_BYTE_CONTRAST = 0.5
# Inside a frame already decoded, only a clearly stronger preamble (another aircraft
# capturing the receiver) is worth a look; the frame's own bits look like preambles.
STRONGER = 1.6
SCREEN_STRONGER = 0.5  # the screen's level sees part of each pulse only
LEVEL_BITS = 32  # bits a frame's level is fitted over: 4x the preamble's samples
CHUNK = 1 << 13  # positions screened and tried at a time: their scores and samples stay in L1-L2
# Scores of a try: fewer repairs first, a clean parity before an overlaid one; a frame
# held for its new address (HOLD) below every accepted one.
ACCEPTED_SCORE = 1e6
HELD_SCORE = 0.25e6


@njit(cache=True, nogil=True, error_model="numpy")
def _parity_address(msg: np.ndarray, nbits: int) -> int:
    return crc.syndrome(msg, nbits // 8)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _unsettled(status: int) -> bool:
    """Rejected, or only held: a better slicing may still give a frame that stands."""
    return status in (REJECT, HOLD)


@njit(cache=True, nogil=True, error_model="numpy")
def _copy(dst: np.ndarray, src: np.ndarray) -> None:
    """dst[:] = src without the view `dst[:]` (a reference count taken and dropped)."""
    for i in range(dst.size):
        dst[i] = src[i]


@njit(cache=True, nogil=True, error_model="numpy")
def _keep_held(status: int, msg: np.ndarray, held_msg: np.ndarray, total: float,
               held_total: float) -> float:
    """A try's held frame, if this slicing gave one: copied aside, its margin returned
    (else the one kept so far, -1 for none)."""
    if status != HOLD:
        return held_total
    for i in range(held_msg.size):  # not _copy: a leaf keeps no reference counts
        held_msg[i] = msg[i]
    return total


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _score(status: int, fixed: int, mean_margin: float) -> float:
    if status == HOLD:
        return HELD_SCORE + mean_margin
    return (3 - fixed) * ACCEPTED_SCORE + (status == ACCEPT) * 5e5 + mean_margin


class Carried(NamedTuple):
    """What one block leaves for the next (the kernels update it in place)."""

    resume: np.ndarray  # [absolute sample where the last frame ended, its level * 1e6]
    stats: np.ndarray  # counters, indexed by acceptance.ST_*
    keys: np.ndarray  # the recently heard addresses (icaofilter's table)
    times: np.ndarray
    pending_keys: np.ndarray  # the addresses of held frames (holding.py), a table alike
    pending_times: np.ndarray
    # The pulse response's normal equations (calibration.py): gram, moment, the sum of
    # squares, frames added, and its pace ([last slot used, samples per slot]).
    gram: np.ndarray
    moment: np.ndarray
    sumsq: np.ndarray
    calibrated: np.ndarray
    pace: np.ndarray
    # suspects.py: [the typical misfit of a strong frame over its amplitude, frames learnt]
    shape: np.ndarray


class Scratch(NamedTuple):
    """Work arrays for a block of `stop` positions, the frames found, and the tries'
    work space (made once here, not in the kernel: _try_peaks then allocates nothing and
    runs without reference counts)."""

    excess: np.ndarray  # [stop + 2] float32, the screen's score of each start
    flags: np.ndarray  # [stop + 64] uint8, the screen's peaks flagged
    peaks: np.ndarray  # [stop + 1] int64, their positions
    msg: np.ndarray  # [capacity, 14] uint8, the frames found
    ticks: np.ndarray  # [capacity] int64
    frame_level: np.ndarray  # [capacity] float32
    fixed: np.ndarray  # [capacity] uint8, bits repaired
    held: np.ndarray  # [capacity] uint8, 1: repaired into an address not heard yet
    # [capacity] float32: > 1 where another reply shows under the frame (recovery.py)
    suspect: np.ndarray
    bits: np.ndarray  # [LONG_BITS] uint8, a try's bits
    margin: np.ndarray  # [LONG_BITS] float64, and their margins
    back: np.ndarray  # [LONG_BITS, 2] uint8, the trellis' decisions
    votes: np.ndarray  # [LONG_BITS] float64, the tries' soft bits summed
    trial: np.ndarray  # [14] uint8, a try's frame
    held_trial: np.ndarray  # [14] uint8, a try's frame held for its new address
    best: np.ndarray  # [14] uint8, the best try's frame
    top_fit: np.ndarray  # [TRIES] float64, the best preambles (preamble._rank_preambles)
    top_q: np.ndarray  # [TRIES] float64
    top_lo: np.ndarray  # [TRIES] float64
    top_start: np.ndarray  # [TRIES] int64
    top_p: np.ndarray  # [TRIES] int64
    learn: tuple  # calibration.accumulate_work()'s arrays


def new_scratch(stop: int) -> Scratch:
    """Scratch arrays for blocks of up to `stop` positions."""
    capacity = stop // 2 + 64  # at most one frame per screen peak, peaks >= 2 apart
    return Scratch(excess=np.empty(stop + 2, dtype=np.float32),
                   flags=np.empty(stop + 64, dtype=np.uint8),
                   peaks=np.empty(stop + 1, dtype=np.int64),
                   msg=np.empty((capacity, 14), dtype=np.uint8),
                   ticks=np.empty(capacity, dtype=np.int64),
                   frame_level=np.empty(capacity, dtype=np.float32),
                   fixed=np.empty(capacity, dtype=np.uint8),
                   held=np.empty(capacity, dtype=np.uint8),
                   suspect=np.empty(capacity, dtype=np.float32),
                   bits=np.zeros(LONG_BITS, dtype=np.uint8), margin=np.zeros(LONG_BITS),
                   back=np.zeros((LONG_BITS, 2), dtype=np.uint8),
                   votes=np.zeros(LONG_BITS), trial=np.zeros(14, dtype=np.uint8),
                   held_trial=np.zeros(14, dtype=np.uint8),
                   best=np.zeros(14, dtype=np.uint8), top_fit=np.zeros(TRIES),
                   top_q=np.zeros(TRIES), top_lo=np.zeros(TRIES),
                   top_start=np.zeros(TRIES, dtype=np.int64),
                   top_p=np.zeros(TRIES, dtype=np.int64), learn=accumulate_work())


# _nrt=False: no reference counts at all (this function allocates nothing; each array
# it binds is held by the caller), 45 pairs a call and more in the loop.
@njit(cache=True, nogil=True, error_model="numpy", **NO_REFCOUNTS)
def _try_peaks(mag: np.ndarray, npeaks: int, count: int, first_sample: int,
               floors: np.ndarray, first_window: int, window: int, fix: int, ttl: int,
               g: Geometry, carried: Carried, scratch: Scratch) -> int:
    """Try the frame starts around each screen peak; write the accepted frames from
    index `count` on; returns the frames written in all.

    Per peak, the best-fitting preambles are sliced and checked; of the tries that pass,
    the best wins (its start and phase give the timestamp). One call loops over all the
    peaks: a call per peak with this many arrays costs more than the work of most peaks.
    """
    # Every array taken out of its bundle once, here: each taking costs a reference
    # count, and taken in the loops below they cost 5% of the demodulator's time.
    keys, times, resume, stats = carried.keys, carried.times, carried.resume, carried.stats
    pending_keys, pending_times = carried.pending_keys, carried.pending_times
    gram, moment, sumsq = carried.gram, carried.moment, carried.sumsq
    calibrated, pace = carried.calibrated, carried.pace
    shape = carried.shape
    response = g.response
    peaks = scratch.peaks
    two_point_four = g.rate == 2_400_000
    out_msg, out_ticks, out_level, out_fixed, out_held, out_suspect = (
        scratch.msg, scratch.ticks, scratch.frame_level, scratch.fixed, scratch.held,
        scratch.suspect)
    g_base, g_slots, g_energy, g_scale = g.bit_base, g.bit_slots, g.bit_energy, g.bit_scale
    g_short_slots, g_short_energy = g.short_slots, g.short_energy
    g_share, g_inside, g_count, g_sums = g.bit_share, g.bit_inside, g.bit_count, g.share_sums
    g_difference = g.half_difference
    g_clarity, gaps = g.phase_clarity, g.gap_samples
    pulse_base, pulse_taps, pulse_energy, pulse_area = (g.pulse_base, g.pulse_taps,
                                                        g.pulse_energy, g.pulse_area)
    ticks_per_sample = g.ticks_per_sample
    first_byte_start, first_byte_len = g.first_byte_start, g.first_byte_len
    bits, margin, back, votes = scratch.bits, scratch.margin, scratch.back, scratch.votes
    msg, held_msg, best_msg = scratch.trial, scratch.held_trial, scratch.best
    top_fit, top_q, top_lo = scratch.top_fit, scratch.top_q, scratch.top_lo
    top_start, top_p = scratch.top_start, scratch.top_p
    learn_high, learn_offsets, learn_counts, learn_ys = scratch.learn
    capacity = out_ticks.size
    for peak in range(npeaks):
        j = peaks[peak]
        absolute = first_sample + j
        min_level = 0.0
        level = screen_level(mag, j, two_point_four)
        if absolute - 1 < resume[0]:
            # Inside a frame already decoded, only a clearly stronger preamble (another
            # aircraft capturing the receiver) is worth a look.
            min_level = resume[1] * 1e-6 * STRONGER
            if level < min_level * SCREEN_STRONGER:
                continue
        if not _busy(mag, j + first_byte_start, first_byte_len, level):
            continue
        since = (absolute * ticks_per_sample) - ttl
        pending_since = (absolute * ticks_per_sample) - HOLD_TICKS
        noise_level = floors[absolute // window - first_window]
        _rank_preambles(mag, j, noise_level * PREAMBLE_SNR, min_level, pulse_base,
                        pulse_taps, pulse_energy, pulse_area, gaps, top_fit, top_q, top_lo,
                        top_start, top_p)
        best_score = -1.0
        best_start = 0
        best_phase = 0
        best_nbits = 0
        best_fixed = 0
        best_status = REJECT
        for i in range(LONG_BITS):
            votes[i] = 0.0
        voters = 0
        vote_bits = 0
        vote_t = 0
        # A strong preamble pins its phase: the runners-up only help near the noise floor.
        strong = noise_level > 0.0 and top_q[0] >= STRONG * noise_level
        tries = STRONG_TRIES if strong else TRIES
        for t in range(tries):
            if top_fit[t] < 0:
                break
            start = top_start[t]
            p = top_p[t]
            lo = top_lo[t]
            first_byte = _slice(mag, start, 8, g_base, g_slots, g_energy, g_scale, p, lo,
                                top_q[t], bits, margin)
            if first_byte < 8 * FIRST_BYTE_CONTRAST * top_q[t]:
                continue
            df = (bits[0] << 4) | (bits[1] << 3) | (bits[2] << 2) | (bits[3] << 1) | bits[4]
            nbits = ACCEPTED_BITS[df]
            if nbits == 0:
                continue
            stats[ST_CANDIDATES] += 1
            # Cheapest first: a strong clean reply needs nothing better than halves compared.
            total = _slice_plain(mag, start, nbits, g_base, g_difference, g_scale, p, bits,
                                 margin)
            _pack(bits, nbits, msg)
            status, fixed = _classify_or_pending(msg, nbits, margin, fix, keys, times, since,
                                                 pending_keys, pending_times, pending_since,
                                                 stats)
            # A frame held for its new address is kept aside while the better slicers
            # try for one that stands on its own.
            held_total = _keep_held(status, msg, held_msg, total, -1.0)
            if _unsettled(status) and strong and g_clarity[p] >= CLEAR_PHASE:
                # A reply keeps one level from preamble to last bit; Mode A/C trains and
                # overlapping replies do not. Strong ones are judged on the plain slice
                # already, where it reads well (not at 2.0 MS/s with the bit edges near
                # mid-sample; and a weak reply's plain slice is too noisy to judge by).
                low, amplitude = _frame_fit(mag, start, nbits, g_base, g_share, g_inside,
                                            g_count, g_sums, p, bits)
                if abs(amplitude - top_q[t]) > STEADY * top_q[t]:
                    continue
            if _unsettled(status):
                if nbits == LONG_BITS:
                    total = _viterbi(mag, start, nbits, g_base, g_slots, g_energy, g_scale, p,
                                     lo, top_q[t], bits, margin, back)
                else:
                    total = _viterbi(mag, start, nbits, g_base, g_short_slots, g_short_energy,
                                     g_scale, p, lo, top_q[t], bits, margin, back)
                if voters == 0 or nbits == vote_bits:
                    # Every try's soft bits, summed: phases err in different places.
                    vote_bits = nbits
                    voters += 1
                    if voters == 1:
                        vote_t = t
                    for i in range(nbits):
                        votes[i] += margin[i] if bits[i] else -margin[i]
                _pack(bits, nbits, msg)
                status, fixed = _classify_or_pending(msg, nbits, margin, fix, keys, times, since,
                                                 pending_keys, pending_times, pending_since,
                                                 stats)
                held_total = _keep_held(status, msg, held_msg, total, held_total)
            if _unsettled(status) and t == 0:
                # Again with the levels measured over the whole frame, not four pulses (only
                # for the best-fitting preamble: the refits of the rest rarely pay their way).
                low, amplitude = _frame_fit(mag, start, nbits, g_base, g_share, g_inside,
                                            g_count, g_sums, p, bits)
                moved = abs(amplitude - top_q[t]) + abs(low - lo)
                if RESLICE * top_q[t] < moved <= STEADY * top_q[t]:  # else: the same bits again
                    if nbits == LONG_BITS:
                        total = _viterbi(mag, start, nbits, g_base, g_slots, g_energy,
                                         g_scale, p, low, amplitude, bits, margin, back)
                    else:
                        total = _viterbi(mag, start, nbits, g_base, g_short_slots,
                                         g_short_energy, g_scale, p, low, amplitude, bits,
                                         margin, back)
                    _pack(bits, nbits, msg)
                    status, fixed = _classify_or_pending(
                        msg, nbits, margin, fix, keys, times, since, pending_keys,
                        pending_times, pending_since, stats)
                    held_total = _keep_held(status, msg, held_msg, total, held_total)
            if _unsettled(status):
                if held_total < 0:
                    continue
                status, fixed, total = HOLD, 1, held_total
                _copy(msg, held_msg)
            # Fewest repairs first, a clean parity before an overlaid one (a slip in the last
            # bits of a DF11 reads as an interrogator code), then the widest mean margin.
            score = _score(status, fixed, total / nbits / top_q[t])
            if score > best_score:
                best_score = score
                best_start = start
                best_phase = p
                best_nbits = nbits
                best_fixed = fixed
                best_status = status
                _copy(best_msg, msg)
            if strong and fixed == 0 and status == ACCEPT:
                break  # a strong clean frame: the runner-up phase cannot read it better
        if best_score < ACCEPTED_SCORE and voters > 1:
            for i in range(vote_bits):
                bits[i] = votes[i] > 0
                margin[i] = abs(votes[i])
            _pack(bits, vote_bits, msg)
            status, fixed = _classify_or_pending(
                msg, vote_bits, margin, fix, keys, times, since, pending_keys, pending_times,
                pending_since, stats)
            score = _score(status, fixed, 0.0)
            if status != REJECT and score > best_score:
                best_score = score
                best_start = top_start[vote_t]
                best_phase = top_p[vote_t]
                best_nbits = vote_bits
                best_fixed = fixed
                best_status = status
                _copy(best_msg, msg)
        if best_score < 0:
            stats[ST_REJECTED] += 1
            continue
        if (best_status == ACCEPT and best_msg[0] >> 3 == 11
                and not heard_since(keys, times, _address(best_msg), since)):
            # An all-call reply to another interrogator whose code was misread as 0 is a
            # clean DF11 of an address never heard too: such a frame waits for its
            # address to be confirmed (holding.py).
            best_status = HOLD
        # The signal level over the first bytes, steadier than the preamble's.
        # (Its misfit there and over its last bits: another reply under it? suspects.py)
        _unpack(best_msg, best_nbits, bits)
        low, amplitude, misfit = _fit_bits(mag, best_start, 0, LEVEL_BITS, LEVEL_BITS,
                                           g_base, g_share, g_inside, g_count, g_sums,
                                           best_phase, bits)
        best_level = low + amplitude
        head_amplitude = amplitude
        _, _, tail = _fit_bits(mag, best_start, best_nbits - TAIL_BITS, best_nbits,
                               best_nbits, g_base, g_share, g_inside, g_count, g_sums,
                               best_phase, bits)
        misfit = max(misfit, tail)
        slot = (first_sample + best_start) // pace[1] if pace[1] > 0 else -1
        if (slot > pace[0] and best_status == ACCEPT and best_fixed == 0 and min_level == 0.0
                and best_level >= CALIBRATION_STRONG * noise_level):
            # A strong clean frame: its known bits (all in `bits` already) show where its
            # pulses lie.
            low, amplitude = _frame_fit(mag, best_start, best_nbits, g_base, g_share,
                                        g_inside, g_count, g_sums, best_phase, bits)
            if amplitude > 0.0 and _accumulate_into(
                    mag, best_start, best_phase, best_nbits, best_msg, low, amplitude,
                    ticks_per_sample, response, gram, moment, sumsq, learn_high,
                    learn_offsets, learn_counts, learn_ys):
                pace[0] = slot
                calibrated[0] += 1
        ticks = (first_sample + best_start) * ticks_per_sample + best_phase
        for i in range(14):  # not out_msg[count] = best_msg: that needs the NRT
            out_msg[count, i] = best_msg[i]
        out_ticks[count] = ticks
        out_level[count] = best_level
        out_fixed[count] = best_fixed
        held = best_status == HOLD
        out_held[count] = held
        # Another reply under this one? Only such frames are worth the subtraction in IQ
        # (recovery.py).
        out_suspect[count] = _suspect(misfit, head_amplitude, noise_level,
                                      best_fixed == 0 and best_status != HOLD, shape)
        count += 1
        if held:
            stats[ST_HELD] += 1  # counted as repaired when released (holding.py)
        elif best_fixed == 1:
            stats[ST_FIXED1] += 1
            stats[ST_FIRST_REPAIRED] += best_status == ACCEPT_NEW
        elif best_fixed == 2:
            stats[ST_FIXED2] += 1
        # An address in clear is heard; a DF18's only when its CF (0) says it is the
        # sender's own ICAO address (not TIS-B, ADS-R or an anonymous one). A held
        # frame's address is not heard until it is confirmed.
        df = best_msg[0] >> 3
        if not held and PLAIN_PARITY[df] and (df != 18 or (best_msg[0] & 7) == 0):
            mark_heard(keys, times, _address(best_msg), ticks)
        elif best_status == ACCEPT_PENDING:
            mark_heard(keys, times, _parity_address(best_msg, best_nbits), ticks)
        elif held:
            mark_heard(pending_keys, pending_times, _address(best_msg), ticks)
        span = g.span_short if best_nbits == 56 else g.span_long
        resume[0] = first_sample + best_start + span
        resume[1] = best_level * 1e6
        if count == capacity:
            break
    return count


@njit(cache=True, nogil=True, error_model="numpy")
def _demodulate(mag: np.ndarray, stop: int, first_sample: int, floors: np.ndarray,
                first_window: int, window: int, fix: int, ttl: int, g: Geometry,
                carried: Carried, scratch: Scratch, align: int,
                refit_frames: int) -> tuple[int, int]:
    """Demodulate frames starting at block positions [0, high] for the `high` returned
    with the number of frames written to `scratch`: `stop`, or the first multiple of
    `align` samples (absolute) where `refit_frames` frames have been learnt from, so
    that the caller refits there. `mag` must hold at least stop + lookahead samples;
    `floors` holds the noise floor of each `window` samples from window `first_window`
    on.

    Screened, searched and tried CHUNK positions at a time, so that the scores and the
    samples around the peaks are still in the cache when read again. One call for the
    whole block, not one per `align` piece (each piece's frames copied out)."""
    # Peaks j in [1, stop] try starts [j-1, j+1]: together [0, stop+1]. Starts `stop` and
    # `stop+1` are the next block's 0 and 1 as well; `resume` keeps a frame found there
    # from repeating.
    two_point_four = g.rate == 2_400_000
    count = 0
    scored = 0  # the screen's scores of positions [0, scored) are in scratch.excess
    searched = 0  # peaks in [1, searched] tried
    while searched < stop and count < scratch.ticks.size:
        edge = ((first_sample + searched) // align + 1) * align - first_sample
        end = min(stop, searched + CHUNK, edge)
        _screen_windows(mag, scored, end + 2, first_sample, floors, first_window, window,
                        two_point_four, scratch.excess)
        scored = end + 2
        npeaks = _peaks(scratch.excess, searched + 1, end, scratch.flags, scratch.peaks)
        carried.stats[ST_SCREENED] += npeaks
        count = _try_peaks(mag, npeaks, count, first_sample, floors, first_window, window,
                           fix, ttl, g, carried, scratch)
        searched = end
        if end == edge and carried.calibrated[0] >= refit_frames:
            break
    return count, searched
