"""The Mode S demodulator: magnitudes in, CRC-checked frames out.

Per block, all in Numba:
1. a branch-free screen over every sample scores how much a preamble starting in
   [j, j+1) would stand out of its gaps and the noise floor, and whether it has a
   preamble's shape (quiet where it must be quiet, no pulse missing but one); its local
   peaks are the candidates (one per preamble, not one per sample);
2. a peak is passed over unless the 7 bytes every frame has are all busy (the tail of a
   Mode A/C reply looks like a preamble, then falls quiet). Around the others, the
   sub-sample phases of the preamble are fitted with its pulse template; the best few
   are tried. A try stops early when the first byte's bits are far less distinct than
   the preamble (Mode A/C replies, noise, overlaps) or its DF is not one we accept;
3. a try slices plainly first, then by the most likely sequence over a 2-state trellis
   on the box model of a sample (see _viterbi), then (for the best-fitting preamble)
   again with levels fitted over the whole frame; the tries' soft bits are finally
   summed into one more candidate;
4. the CRC decides. Clean DF11/17/18 stand alone; 1 (or, for DF17/18, 2) bad bits are
   repaired only where the bits were weak and only for an address already heard clean;
   address/parity formats need their address heard within the filter's TTL. Of the
   tries that pass, the one with the fewest repairs and the widest margin wins, which
   also fixes the timestamp to one 12 MHz tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.acceptance import (
    ACCEPT,
    REJECT,
    ST_CANDIDATES,
    ST_FIXED1,
    ST_FIXED2,
    ST_REJECTED,
    ST_SCREENED,
    STAT_NAMES,
    _address,
    _classify,
)
from adsbwatch.decoder.demod.geometry import Geometry, geometry_for
from adsbwatch.decoder.demod.icaofilter import RecentAddresses, mark_heard
from adsbwatch.decoder.demod.noisefloor import WINDOW, NoiseFloor
from adsbwatch.decoder.demod.slicing import (
    _frame_fit,
    _pack,
    _slice,
    _slice_plain,
    _unpack,
    _viterbi,
)
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import ACCEPTED_BITS, LONG_BITS, PLAIN_PARITY

# Screen and preamble thresholds: a pulse level relative to the gaps and to the noise
# floor (the median magnitude). A frame at the 50% point (10 dB) stands about 3.8x over
# the median; the thresholds sit well below that and still turn away most noise.
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
# Every byte of a frame is as busy as any other: each bit has a high half, so a byte's
# samples average half the pulse level or more. A Mode A/C reply falls quiet after 21 us,
# and so does the tail of a frame whose last bits look like a preamble. The 7 bytes every
# frame has are checked.
DATA_SHARE = 0.4
BUSY_BYTES = 7
PREAMBLE_RATIO = 1.5
PREAMBLE_SNR = 2.6
PULSE_RATIO = 1.3  # three of the four pulses must stand at least this far above the gaps
STEADY = 0.35  # how far a frame's fitted amplitude may stray from its preamble's
RESLICE = 0.03  # how far the fitted levels must move for a second trellis to be worth it
TRIES = 3  # best-scoring (start, phase) preambles sliced per candidate
STRONG = 4.0  # amplitude over the noise floor above which fewer tries do
STRONG_TRIES = 2
CLEAR_PHASE = 0.7  # mean bit margin a phase keeps for a clean bit (1 = edges on samples)
# The first byte's bits must be at least this distinct, relative to the preamble's
# pulse-to-gap contrast: the same transmitter sends both.
FIRST_BYTE_CONTRAST = 0.5
# Inside a frame already decoded, only a clearly stronger preamble (another aircraft
# capturing the receiver) is worth a look; the frame's own bits look like preambles.
STRONGER = 1.6
LEVEL_BITS = 32  # bits a frame's level is fitted over: 4x the preamble's samples
SCREEN_STRONGER = 0.5  # the screen's level sees part of each pulse only


@njit(cache=True, nogil=True, inline="always")
def _second_smallest(a: float, b: float, c: float, d: float) -> float:
    return min(max(min(a, b), min(c, d)), min(max(a, b), max(c, d)))


@njit(cache=True, nogil=True, inline="always")
def _max3(a: float, b: float, c: float) -> float:
    return max(max(a, b), c)


@njit(cache=True, nogil=True, inline="always")
def _screen_ok(h: float, q: float, weakest: float, quiet_max: float, floor: float) -> float:
    """1.0 where a preamble with pulse level h, gap mean q, weakest of three pulses
    `weakest` and loudest quiet sample `quiet_max` passes the screen, else 0.0."""
    ok = ((h > q * np.float32(SCREEN_RATIO)) & (weakest > q * np.float32(SCREEN_PULSE_RATIO))
          & (h > floor * np.float32(SCREEN_SNR)) & (weakest > h * np.float32(PULSE_SHARE))
          & (quiet_max < max(h * np.float32(QUIET_SHARE), floor * np.float32(QUIET_NOISE))))
    return np.float32(ok)


@njit(cache=True, nogil=True)
def _screen(mag: np.ndarray, begin: int, stop: int, floor: float, two_point_four: bool,
            excess: np.ndarray, level: np.ndarray) -> None:
    """For a frame start in [j, j+1): level[j], the mean of pulse-ish samples, and
    excess[j], how far they rise over the gaps, or 0 where the samples fail the shape
    tests (_screen_ok; one pulse may be lost to interference or a clipped recording).

    The sample sets hold most of each pulse / only gap for every start phase in
    [j, j+1). The loop is branch-free in float32 and indexes views from 0, so no index
    can be negative and LLVM vectorises it (10x faster than with a negative-capable
    index).
    """
    m = mag[begin:stop + 19]
    ex = excess[begin:stop]
    lv = level[begin:stop]
    fl = np.float32(floor)
    if two_point_four:
        for j in range(stop - begin):
            p1 = (m[j] + m[j + 1]) * np.float32(0.5)
            p2 = m[j + 3]
            p3 = m[j + 9]
            p4 = (m[j + 11] + m[j + 12]) * np.float32(0.5)
            h = (p1 + p1 + p2 + p3 + p4 + p4) * np.float32(1 / 6)
            q = (m[j + 5] + m[j + 6] + m[j + 7] + m[j + 13] + m[j + 14] + m[j + 15]
                 + m[j + 16] + m[j + 17] + m[j + 18]) * np.float32(1 / 9)
            quiet_max = max(_max3(m[j + 5], m[j + 6], m[j + 7]),
                            _max3(m[j + 14], m[j + 15], m[j + 16]))
            lv[j] = h
            ex[j] = (h - q) * _screen_ok(h, q, _second_smallest(p1, p2, p3, p4), quiet_max, fl)
    else:
        for j in range(stop - begin):
            p1 = m[j] + m[j + 1]
            p2 = m[j + 2] + m[j + 3]
            p3 = m[j + 7] + m[j + 8]
            p4 = m[j + 9] + m[j + 10]
            h = (p1 + p2 + p3 + p4) * np.float32(0.125)
            q = (m[j + 4] + m[j + 5] + m[j + 6] + m[j + 11] + m[j + 12] + m[j + 13]
                 + m[j + 14] + m[j + 15]) * np.float32(0.125)
            quiet_max = max(_max3(m[j + 4], m[j + 5], m[j + 6]),
                            _max3(m[j + 12], m[j + 13], m[j + 14]))
            lv[j] = h
            weakest = _second_smallest(p1, p2, p3, p4) * np.float32(0.5)
            ex[j] = (h - q) * _screen_ok(h, q, weakest, quiet_max, fl)


@njit(cache=True, nogil=True)
def _peaks(excess: np.ndarray, stop: int, flags: np.ndarray, out: np.ndarray) -> int:
    """Positions j in [1, stop] where the screen peaks.

    A branch-free pass (vectorised) flags them; then the flags are read 8 at a time, as
    one word: under 1% of positions are peaks. Twice as fast as testing each position
    with a branch."""
    e = excess[:stop + 2]  # views indexed from 0: no negative-index handling
    rounded = (stop + 2 + 7) // 8 * 8
    f = flags[:rounded]
    for j in range(1, stop + 1):
        x = e[j]
        f[j] = (x > 0.0) & (x >= e[j - 1]) & (x > e[j + 1])
    f[0] = 0
    for j in range(stop + 1, rounded):  # the scratch may hold an earlier block's flags
        f[j] = 0
    words = f.view(np.uint64)
    count = 0
    for w in range(words.size):
        if words[w] != 0:
            for j in range(8 * w, 8 * w + 8):
                if f[j]:
                    out[count] = j
                    count += 1
    return count


@njit(cache=True, nogil=True, inline="always")
def _gap_level(mag: np.ndarray, start: int, gaps: np.ndarray) -> float:
    """Mean of the samples that lie in the preamble's gaps whatever the phase."""
    acc = 0.0
    for k in range(gaps.size):
        acc += mag[start + gaps[k]]
    return acc / gaps.size


@njit(cache=True, nogil=True, inline="always")
def _pulse(mag: np.ndarray, start: int, p: int, k: int, base: np.ndarray,
           taps: np.ndarray) -> float:
    s = start + base[p, k]
    return (taps[p, k, 0] * mag[s] + taps[p, k, 1] * mag[s + 1] + taps[p, k, 2] * mag[s + 2]
            + taps[p, k, 3] * mag[s + 3])


@njit(cache=True, nogil=True, inline="always")
def _preamble(mag: np.ndarray, start: int, p: int, lo: float, pulse_base: np.ndarray,
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


@njit(cache=True, nogil=True, inline="always")
def _rank_preambles(mag: np.ndarray, j: int, floor_level: float, min_level: float,
                    pulse_base: np.ndarray, pulse_taps: np.ndarray,
                    pulse_energy: np.ndarray, pulse_area: np.ndarray, gaps: np.ndarray,
                    top_fit: np.ndarray, top_q: np.ndarray, top_lo: np.ndarray,
                    top_start: np.ndarray, top_p: np.ndarray) -> None:
    """The TRIES best-fitting preambles starting in [j-1, j+2), at every sub-sample
    phase, best first (top_fit < 0 past the last one found).

    A screen peak at j means a start near [j, j+1); its neighbours are tried too, as at
    low SNR a second-best phase often slices with fewer errors.
    """
    top_fit[:] = -1.0
    for start in range(j - 1, j + 2):
        lo = _gap_level(mag, start, gaps)
        for p in range(pulse_base.shape[0]):
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
            top_p[k] = p


@njit(cache=True, nogil=True, inline="always")
def _busy(mag: np.ndarray, start: int, byte_len: int, least: float) -> bool:
    """Whether each of the first BUSY_BYTES bytes' samples from `start` add up to at
    least `least`."""
    for byte in range(BUSY_BYTES):
        total = 0.0
        first = start + byte * byte_len
        for k in range(first, first + byte_len):
            total += mag[k]
        if total < least:
            return False
    return True


@njit(cache=True, nogil=True)
def _try_peaks(mag: np.ndarray, peaks: np.ndarray, npeaks: int, first_sample: int,
               floors: np.ndarray, first_window: int, window: int, ticks_per_sample: int,
               span_short: int, span_long: int, first_byte_start: int, first_byte_len: int,
               pulse_base: np.ndarray, pulse_taps: np.ndarray, pulse_energy: np.ndarray,
               pulse_area: np.ndarray, gaps: np.ndarray,
               g_base: np.ndarray, g_slots: np.ndarray, g_energy: np.ndarray,
               g_scale: np.ndarray, g_clarity: np.ndarray, fix: int,
               keys: np.ndarray, times: np.ndarray, ttl: int,
               resume: np.ndarray, screen_level: np.ndarray, stats: np.ndarray,
               out_msg: np.ndarray, out_ticks: np.ndarray, out_level: np.ndarray,
               out_fixed: np.ndarray) -> int:
    """Try the frame starts around each screen peak; write the accepted frames.

    Per peak, the best-fitting preambles are sliced and checked; of the tries that pass,
    the best wins (its start and phase give the timestamp). One call loops over all the
    peaks: a call per peak with this many arrays costs more than the work of most peaks.
    """
    bits = np.zeros(LONG_BITS, dtype=np.uint8)
    margin = np.zeros(LONG_BITS)
    back = np.zeros((LONG_BITS, 2), dtype=np.uint8)
    votes = np.zeros(LONG_BITS)
    msg = np.zeros(14, dtype=np.uint8)
    best_msg = np.zeros(14, dtype=np.uint8)
    top_fit = np.zeros(TRIES)
    top_q = np.zeros(TRIES)
    top_lo = np.zeros(TRIES)
    top_start = np.zeros(TRIES, dtype=np.int64)
    top_p = np.zeros(TRIES, dtype=np.int64)
    count = 0
    capacity = out_ticks.size
    for peak in range(npeaks):
        j = peaks[peak]
        absolute = first_sample + j
        min_level = 0.0
        if absolute - 1 < resume[0]:
            # Inside a frame already decoded, only a clearly stronger preamble (another
            # aircraft capturing the receiver) is worth a look.
            min_level = resume[1] * 1e-6 * STRONGER
            if screen_level[j] < min_level * SCREEN_STRONGER:
                continue
        if not _busy(mag, j + first_byte_start, first_byte_len,
                     first_byte_len * DATA_SHARE * screen_level[j]):
            continue
        since = (absolute * ticks_per_sample) - ttl
        noise_level = floors[absolute // window - first_window]
        _rank_preambles(mag, j, noise_level * PREAMBLE_SNR, min_level, pulse_base,
                        pulse_taps, pulse_energy, pulse_area, gaps, top_fit, top_q, top_lo,
                        top_start, top_p)
        best_score = -1.0
        best_start = 0
        best_phase = 0
        best_nbits = 0
        best_fixed = 0
        votes[:] = 0.0
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
            first_byte = _slice(mag, start, 8, g_base[p], g_slots[p], g_energy[p],
                                g_scale[p], lo, top_q[t], bits, margin)
            if first_byte < 8 * FIRST_BYTE_CONTRAST * top_q[t]:
                continue
            df = (bits[0] << 4) | (bits[1] << 3) | (bits[2] << 2) | (bits[3] << 1) | bits[4]
            nbits = ACCEPTED_BITS[df]
            if nbits == 0:
                continue
            stats[ST_CANDIDATES] += 1
            # Cheapest first: a strong clean reply needs nothing better than halves compared.
            total = _slice_plain(mag, start, nbits, g_base[p], g_slots[p], g_scale[p], bits,
                                 margin)
            _pack(bits, nbits, msg)
            status, fixed = _classify(msg, nbits, margin, fix, keys, times, since, stats)
            if status == REJECT and strong and g_clarity[p] >= CLEAR_PHASE:
                # A reply keeps one level from preamble to last bit; Mode A/C trains and
                # overlapping replies do not. Strong ones are judged on the plain slice
                # already, where it reads well (not at 2.0 MS/s with the bit edges near
                # mid-sample; and a weak reply's plain slice is too noisy to judge by).
                low, amplitude = _frame_fit(mag, start, nbits, g_base[p], g_slots[p], bits)
                if abs(amplitude - top_q[t]) > STEADY * top_q[t]:
                    continue
            if status == REJECT:
                total = _viterbi(mag, start, nbits, g_base[p], g_slots[p], g_energy[p],
                                 g_scale[p], lo, top_q[t], bits, margin, back)
                if voters == 0 or nbits == vote_bits:
                    # Every try's soft bits, summed: phases err in different places.
                    vote_bits = nbits
                    voters += 1
                    if voters == 1:
                        vote_t = t
                    for i in range(nbits):
                        votes[i] += margin[i] if bits[i] else -margin[i]
                _pack(bits, nbits, msg)
                status, fixed = _classify(msg, nbits, margin, fix, keys, times, since, stats)
            if status == REJECT and t == 0:
                # Again with the levels measured over the whole frame, not four pulses (only
                # for the best-fitting preamble: the refits of the rest rarely pay their way).
                low, amplitude = _frame_fit(mag, start, nbits, g_base[p], g_slots[p], bits)
                moved = abs(amplitude - top_q[t]) + abs(low - lo)
                if RESLICE * top_q[t] < moved <= STEADY * top_q[t]:  # else: the same bits again
                    total = _viterbi(mag, start, nbits, g_base[p], g_slots[p], g_energy[p],
                                     g_scale[p], low, amplitude, bits, margin, back)
                    _pack(bits, nbits, msg)
                    status, fixed = _classify(msg, nbits, margin, fix, keys, times, since,
                                              stats)
            if status == REJECT:
                continue
            # Fewest repairs first, a clean parity before an overlaid one (a slip in the last
            # bits of a DF11 reads as an interrogator code), then the widest mean margin.
            score = (3 - fixed) * 1e6 + (status == ACCEPT) * 5e5 + total / nbits / top_q[t]
            if score > best_score:
                best_score = score
                best_start = start
                best_phase = p
                best_nbits = nbits
                best_fixed = fixed
                best_msg[:] = msg
            if strong and fixed == 0 and status == ACCEPT:
                break  # a strong clean frame: the runner-up phase cannot read it better
        if best_score < 0 and voters > 1:
            for i in range(vote_bits):
                bits[i] = votes[i] > 0
                margin[i] = abs(votes[i])
            _pack(bits, vote_bits, msg)
            status, fixed = _classify(msg, vote_bits, margin, fix, keys, times, since, stats)
            if status != REJECT:
                start = top_start[vote_t]
                p = top_p[vote_t]
                best_score = (3 - fixed) * 1e6
                best_start = start
                best_phase = p
                best_nbits = vote_bits
                best_fixed = fixed
                best_msg[:] = msg
        if best_score < 0:
            stats[ST_REJECTED] += 1
            continue
        # The signal level over the first bytes, steadier than the preamble's.
        _unpack(best_msg, LEVEL_BITS, bits)
        low, amplitude = _frame_fit(mag, best_start, LEVEL_BITS, g_base[best_phase],
                                    g_slots[best_phase], bits)
        best_level = low + amplitude
        ticks = (first_sample + best_start) * ticks_per_sample + best_phase
        out_msg[count] = best_msg
        out_ticks[count] = ticks
        out_level[count] = best_level
        out_fixed[count] = best_fixed
        count += 1
        if best_fixed == 1:
            stats[ST_FIXED1] += 1
        elif best_fixed == 2:
            stats[ST_FIXED2] += 1
        # An address in clear is heard; a DF18's only when its CF (0) says it is the
        # sender's own ICAO address (not TIS-B, ADS-R or an anonymous one).
        df = best_msg[0] >> 3
        if PLAIN_PARITY[df] and (df != 18 or (best_msg[0] & 7) == 0):
            mark_heard(keys, times, _address(best_msg), ticks)
        span = span_short if best_nbits == 56 else span_long
        resume[0] = first_sample + best_start + span
        resume[1] = best_level * 1e6
        if count == capacity:
            break
    return count


@njit(cache=True, nogil=True)
def _demodulate(mag: np.ndarray, stop: int, first_sample: int, floors: np.ndarray,
                first_window: int, window: int,
                two_point_four: bool, ticks_per_sample: int, span_short: int, span_long: int,
                first_byte_start: int, first_byte_len: int,
                pulse_base: np.ndarray, pulse_taps: np.ndarray, pulse_energy: np.ndarray,
                pulse_area: np.ndarray, gaps: np.ndarray,
                g_base: np.ndarray, g_slots: np.ndarray, g_energy: np.ndarray,
                g_scale: np.ndarray, g_clarity: np.ndarray, fix: int,
                keys: np.ndarray, times: np.ndarray, ttl: int,
                resume: np.ndarray, excess: np.ndarray, screen_level: np.ndarray,
                flags: np.ndarray, peaks: np.ndarray, stats: np.ndarray,
                out_msg: np.ndarray, out_ticks: np.ndarray, out_level: np.ndarray,
                out_fixed: np.ndarray) -> int:
    """Demodulate frames starting at block positions [0, stop]. Returns frames written.

    `resume` carries across blocks: [absolute sample where the last frame ended,
    its level * 1e6]. `mag` must hold at least stop + lookahead samples.
    """
    # The screen window by window of the noise floor.
    begin = 0
    while begin < stop + 2:
        w = (first_sample + begin) // window
        end = min(stop + 2, (w + 1) * window - first_sample)
        _screen(mag, begin, end, floors[w - first_window], two_point_four,
                excess, screen_level)
        begin = end
    # Peaks j in [1, stop] try starts [j-1, j+1]: together [0, stop+1]. Starts `stop` and
    # `stop+1` are the next block's 0 and 1 as well; `resume` keeps a frame found there
    # from repeating.
    npeaks = _peaks(excess, stop, flags, peaks)
    stats[ST_SCREENED] += npeaks
    return _try_peaks(mag, peaks, npeaks, first_sample, floors, first_window, window,
                      ticks_per_sample, span_short, span_long, first_byte_start,
                      first_byte_len, pulse_base, pulse_taps,
                      pulse_energy, pulse_area, gaps, g_base, g_slots, g_energy, g_scale,
                      g_clarity, fix, keys, times, ttl, resume, screen_level, stats,
                      out_msg, out_ticks, out_level, out_fixed)


@dataclass
class Demodulator:
    """Demodulates consecutive magnitude blocks of one stream; keeps the cross-block state."""

    rate: int
    fix: int = 1
    recent: RecentAddresses = field(default_factory=RecentAddresses)
    stats: np.ndarray = field(default_factory=lambda: np.zeros(len(STAT_NAMES), np.int64))

    def __post_init__(self) -> None:
        if self.fix not in (0, 1, 2):
            raise ValueError("fix must be 0, 1 or 2")
        self.geometry: Geometry = geometry_for(self.rate)
        self.resume = np.zeros(2, dtype=np.int64)
        self.noise = NoiseFloor()
        self._scratch_size = -1
        self._arrays: tuple[np.ndarray, ...] = ()

    @property
    def lookahead(self) -> int:
        """Samples a block must hold beyond its last scanned position."""
        return self.geometry.span_long + 24

    def process(self, mag: np.ndarray, first_sample: int, stop: int) -> FrameBatch:
        """Frames starting at positions [0, stop) of `mag`, whose sample 0 is `first_sample`.

        `mag` must extend `lookahead` samples beyond `stop`; pad the end of a stream.
        """
        if mag.size < stop + self.lookahead:
            raise ValueError("block shorter than stop + lookahead")
        self.noise.feed(mag[:stop], first_sample)
        first_window, floors = self.noise.floors(first_sample, stop + 2)
        g = self.geometry
        self.recent.tidy(first_sample * g.ticks_per_sample)
        excess, level, flags, peaks, out_msg, out_ticks, out_level, out_fixed = self._scratch(stop)
        n = _demodulate(
            mag, stop, first_sample, floors, first_window, WINDOW, g.rate == 2_400_000,
            g.ticks_per_sample, g.span_short, g.span_long, g.first_byte_start,
            g.first_byte_len, g.pulse_base, g.pulse_taps,
            g.pulse_energy, g.pulse_area, g.gap_samples, g.bit_base, g.bit_slots,
            g.bit_energy, g.bit_scale, g.phase_clarity, self.fix, self.recent.keys,
            self.recent.times, self.recent.ttl_ticks, self.resume, excess, level, flags, peaks,
            self.stats,
            out_msg, out_ticks, out_level, out_fixed)
        # Copies: the scratch is reused by the next block while this batch is consumed.
        return FrameBatch(out_msg[:n].copy(), out_ticks[:n].copy(), out_level[:n].copy(),
                          out_fixed[:n].copy(), (first_sample + stop) * g.ticks_per_sample)

    def _scratch(self, stop: int) -> tuple[np.ndarray, ...]:
        """Work arrays for a block of `stop` positions, kept from block to block: fresh
        ones each time cost more in page faults than the screen costs to run."""
        if self._scratch_size < stop:
            capacity = stop // 2 + 64  # at most one frame per screen peak, peaks >= 2 apart
            self._arrays = (np.empty(stop + 2, dtype=np.float32),  # screen excess
                            np.empty(stop + 2, dtype=np.float32),  # screen level
                            np.empty(stop + 10, dtype=np.uint8),  # peak flags
                            np.empty(stop + 1, dtype=np.int64),  # peaks
                            np.empty((capacity, 14), dtype=np.uint8),
                            np.empty(capacity, dtype=np.int64),
                            np.empty(capacity, dtype=np.float32),
                            np.empty(capacity, dtype=np.uint8))
            self._scratch_size = stop
        return self._arrays

    def stats_dict(self) -> dict[str, int]:
        return dict(zip(STAT_NAMES, self.stats.tolist(), strict=True))
