"""The Mode S demodulator: magnitudes in, CRC-checked frames out.

Per block, three steps, all in Numba:
1. a branch-free screen over every sample marks positions where something shaped like a
   preamble rises above the noise floor (cheap, so it may be generous);
2. each marked position is tried at every sub-sample phase: the preamble is scored
   against its gaps, the 5 DF bits are sliced, and a valid DF gets the whole frame sliced
   with a soft margin per bit;
3. the CRC decides. Clean DF11/17/18 stand alone; 1 (or, for DF17/18, 2) bad bits are
   repaired only where the bits were weak and only for an address already heard clean;
   address/parity formats need their address heard within the filter's TTL. Of the phases
   (and the next position) that pass, the one with the fewest repairs and the widest
   margin wins, which also fixes the timestamp to one 12 MHz tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from . import crc
from .geometry import Geometry, geometry_for
from .icaofilter import RecentAddresses, heard_since, mark_heard
from .modes import FRAME_BITS, LONG_BITS

# Screen and preamble thresholds: a pulse level relative to the gaps and to the noise floor.
SCREEN_RATIO = 1.25
SCREEN_SNR = 1.35
PREAMBLE_RATIO = 1.5
PREAMBLE_SNR = 1.5
# Inside a frame already decoded, only a clearly stronger preamble (another aircraft
# capturing the receiver) is worth a look; the frame's own bits look like preambles.
STRONGER = 1.6
# A repaired bit must be among this many least certain bits of its frame.
WEAK_RANK_ONE = 6
WEAK_RANK_TWO = 10

# Indices into the stats array.
ST_SCREENED, ST_CANDIDATES, ST_REJECTED, ST_FIXED1, ST_FIXED2, ST_UNKNOWN, ST_REFUSED = range(7)
STAT_NAMES = ("screened", "candidates", "rejected", "repaired_1bit", "repaired_2bit",
              "unknown_address", "repair_refused")

# Per-frame status codes returned by _classify.
REJECT, ACCEPT = 0, 1


@njit(cache=True, nogil=True)
def _screen(mag: np.ndarray, stop: int, floor: float, two_point_four: bool,
            mask: np.ndarray) -> int:
    """Mark j in [0, stop) where pulse-ish samples beat the gaps and the noise floor.

    The sample sets are the ones that hold most of each pulse / only gap for every
    start phase in [j, j+1); branch-free so LLVM vectorises it.
    """
    count = 0
    if two_point_four:
        for j in range(stop):
            h = (mag[j] + mag[j + 1] + mag[j + 3] + mag[j + 9] + mag[j + 11] + mag[j + 12]) / 6
            q = (mag[j + 5] + mag[j + 6] + mag[j + 7] + mag[j + 13] + mag[j + 14]
                 + mag[j + 15] + mag[j + 16] + mag[j + 17] + mag[j + 18]) / 9
            hit = (h > q * SCREEN_RATIO) & (h > floor)
            mask[j] = hit
            count += hit
    else:
        for j in range(stop):
            h = (mag[j] + mag[j + 1] + mag[j + 2] + mag[j + 3]
                 + mag[j + 7] + mag[j + 8] + mag[j + 9] + mag[j + 10]) / 8
            q = (mag[j + 4] + mag[j + 5] + mag[j + 6] + mag[j + 11] + mag[j + 12]
                 + mag[j + 13] + mag[j + 14] + mag[j + 15]) / 8
            hit = (h > q * SCREEN_RATIO) & (h > floor)
            mask[j] = hit
            count += hit
    return count


@njit(cache=True, nogil=True)
def _dot(weights: np.ndarray, mag: np.ndarray, j: int) -> float:
    acc = 0.0
    for k in range(weights.size):
        acc += weights[k] * mag[j + k]
    return acc


@njit(cache=True, nogil=True)
def _slice(mag: np.ndarray, j: int, first_bit: int, nbits: int, base: np.ndarray,
           first: np.ndarray, second: np.ndarray, bits: np.ndarray,
           margin: np.ndarray) -> float:
    """Slice bits [first_bit, nbits) at one phase; returns the sum of high-half levels."""
    high = 0.0
    for i in range(first_bit, nbits):
        s = j + base[i]
        a = (first[i, 0] * mag[s] + first[i, 1] * mag[s + 1]
             + first[i, 2] * mag[s + 2] + first[i, 3] * mag[s + 3])
        b = (second[i, 0] * mag[s] + second[i, 1] * mag[s + 1]
             + second[i, 2] * mag[s + 2] + second[i, 3] * mag[s + 3])
        bits[i] = a > b
        margin[i] = abs(a - b)
        high += max(a, b)
    return high


@njit(cache=True, nogil=True)
def _pack(bits: np.ndarray, nbits: int, msg: np.ndarray) -> None:
    for k in range(nbits // 8):
        v = 0
        for b in range(8):
            v = (v << 1) | bits[8 * k + b]
        msg[k] = v
    for k in range(nbits // 8, 14):
        msg[k] = 0


@njit(cache=True, nogil=True)
def _is_weak(margin: np.ndarray, nbits: int, pos: int, rank: int) -> bool:
    """True when fewer than `rank` bits of the frame are less certain than bit `pos`."""
    below = 0
    for i in range(nbits):
        below += margin[i] < margin[pos]
    return below < rank


@njit(cache=True, nogil=True)
def _flip(msg: np.ndarray, pos: int) -> None:
    msg[pos >> 3] ^= 0x80 >> (pos & 7)


@njit(cache=True, nogil=True)
def _address(msg: np.ndarray) -> int:
    return (np.int64(msg[1]) << 16) | (np.int64(msg[2]) << 8) | np.int64(msg[3])


@njit(cache=True, nogil=True)
def _classify(msg: np.ndarray, nbits: int, margin: np.ndarray, fix: int,
              keys: np.ndarray, times: np.ndarray, since: int,
              stats: np.ndarray) -> tuple[int, int]:
    """Decide one sliced frame; may repair `msg` in place. Returns (status, bits repaired)."""
    df = msg[0] >> 3
    nbytes = nbits // 8
    syn = crc.syndrome(msg, nbytes)
    if df == 0 or df == 4 or df == 5 or df == 16 or df == 20 or df == 21:
        if heard_since(keys, times, syn, since):
            return ACCEPT, 0
        stats[ST_UNKNOWN] += 1
        return REJECT, 0
    ca = msg[0] & 7
    if (df == 11 or df == 17) and ca >= 1 and ca <= 3:
        return REJECT, 0  # capability codes 1-3 are reserved: no transponder sends them
    if syn == 0:
        return ACCEPT, 0
    if df == 11 and (syn & 0xFFFF80) == 0:
        # Nonzero interrogator code: parity can't vouch for the address on its own.
        if heard_since(keys, times, _address(msg), since):
            return ACCEPT, 0
        stats[ST_UNKNOWN] += 1
        return REJECT, 0
    if fix < 1:
        return REJECT, 0
    if nbits == 56:
        pos = crc.lookup(crc.ONE_KEYS_56, crc.ONE_POS_56, syn)
    else:
        pos = crc.lookup(crc.ONE_KEYS_112, crc.ONE_POS_112, syn)
    if pos >= 0:
        if not _is_weak(margin, nbits, pos, WEAK_RANK_ONE):
            stats[ST_REFUSED] += 1
            return REJECT, 0
        _flip(msg, pos)
        if heard_since(keys, times, _address(msg), since):
            return ACCEPT, 1
        _flip(msg, pos)
        stats[ST_REFUSED] += 1
        return REJECT, 0
    if fix < 2 or nbits != 112:
        return REJECT, 0
    pair = crc.lookup(crc.TWO_KEYS_112, crc.TWO_POS_112, syn)
    if pair < 0:
        return REJECT, 0
    p1 = pair >> 8
    p2 = pair & 0xFF
    if not (_is_weak(margin, nbits, p1, WEAK_RANK_TWO)
            and _is_weak(margin, nbits, p2, WEAK_RANK_TWO)):
        stats[ST_REFUSED] += 1
        return REJECT, 0
    _flip(msg, p1)
    _flip(msg, p2)
    if heard_since(keys, times, _address(msg), since):
        return ACCEPT, 2
    _flip(msg, p1)
    _flip(msg, p2)
    stats[ST_REFUSED] += 1
    return REJECT, 0


@njit(cache=True, nogil=True)
def _try_position(mag: np.ndarray, j: int, floor_level: float, min_level: float,
                  g_pulse: np.ndarray, g_quiet: np.ndarray, g_base: np.ndarray,
                  g_first: np.ndarray, g_second: np.ndarray, fix: int,
                  keys: np.ndarray, times: np.ndarray, since: int, stats: np.ndarray,
                  bits: np.ndarray, margin: np.ndarray, msg: np.ndarray,
                  best_msg: np.ndarray) -> tuple[float, int, int, int, float]:
    """Try every phase of a frame starting in [j, j+1).

    Returns (score, phase, nbits, repaired, level) of the best accepted phase, with
    its bytes in best_msg; score < 0 when no phase was accepted.
    """
    best_score = -1.0
    best_phase = 0
    best_nbits = 0
    best_fixed = 0
    best_level = 0.0
    tried = False
    for p in range(g_pulse.shape[0]):
        hi = _dot(g_pulse[p], mag, j)
        lo = _dot(g_quiet[p], mag, j)
        if hi <= lo * PREAMBLE_RATIO or hi <= floor_level or hi <= min_level:
            continue
        _slice(mag, j, 0, 5, g_base[p], g_first[p], g_second[p], bits, margin)
        df = (bits[0] << 4) | (bits[1] << 3) | (bits[2] << 2) | (bits[3] << 1) | bits[4]
        nbits = FRAME_BITS[df]
        if nbits == 0:
            continue
        tried = True
        high = _slice(mag, j, 5, nbits, g_base[p], g_first[p], g_second[p], bits, margin)
        _pack(bits, nbits, msg)
        status, fixed = _classify(msg, nbits, margin, fix, keys, times, since, stats)
        if status != ACCEPT:
            continue
        total = 0.0
        for i in range(nbits):
            total += margin[i]
        # Fewest repairs first, then the widest mean margin relative to the level.
        level = (high + 0.0) / nbits
        score = (3 - fixed) * 1e6 + total / nbits / (level + 1e-12)
        if score > best_score:
            best_score = score
            best_phase = p
            best_nbits = nbits
            best_fixed = fixed
            best_level = level
            best_msg[:] = msg
    if tried:
        stats[ST_CANDIDATES] += 1
    return best_score, best_phase, best_nbits, best_fixed, best_level


@njit(cache=True, nogil=True)
def _demodulate(mag: np.ndarray, stop: int, first_sample: int, noise: float,
                two_point_four: bool, ticks_per_sample: int, span_short: int, span_long: int,
                g_pulse: np.ndarray, g_quiet: np.ndarray, g_base: np.ndarray,
                g_first: np.ndarray, g_second: np.ndarray, fix: int,
                keys: np.ndarray, times: np.ndarray, ttl: int,
                resume: np.ndarray, mask: np.ndarray, stats: np.ndarray,
                out_msg: np.ndarray, out_ticks: np.ndarray, out_level: np.ndarray,
                out_fixed: np.ndarray) -> int:
    """Demodulate frames starting at block positions [0, stop). Returns frames written.

    `resume` carries across blocks: [absolute sample where the last frame ended,
    its level * 1e6]. `mag` must hold at least stop + lookahead samples.
    """
    stats[ST_SCREENED] += _screen(mag, stop, noise * SCREEN_SNR, two_point_four, mask)
    bits = np.zeros(LONG_BITS, dtype=np.uint8)
    margin = np.zeros(LONG_BITS, dtype=np.float32)
    msg = np.zeros(14, dtype=np.uint8)
    cand = np.zeros(14, dtype=np.uint8)
    best = np.zeros(14, dtype=np.uint8)
    floor_level = noise * PREAMBLE_SNR
    count = 0
    capacity = out_ticks.size
    for j in range(stop):
        if not mask[j]:
            continue
        absolute = first_sample + j
        min_level = 0.0
        if absolute < resume[0]:
            min_level = resume[1] * 1e-6 * STRONGER
        since = (absolute * ticks_per_sample) - ttl
        score, phase, nbits, fixed, level = _try_position(
            mag, j, floor_level, min_level, g_pulse, g_quiet, g_base, g_first, g_second,
            fix, keys, times, since, stats, bits, margin, msg, best)
        if score < 0:
            stats[ST_REJECTED] += 1
            continue
        # The same frame may align better one sample later.
        start = j
        score2, phase2, nbits2, fixed2, level2 = _try_position(
            mag, j + 1, floor_level, min_level, g_pulse, g_quiet, g_base, g_first, g_second,
            fix, keys, times, since, stats, bits, margin, msg, cand)
        if score2 > score:
            start, phase, nbits, fixed, level = j + 1, phase2, nbits2, fixed2, level2
            best[:] = cand
        ticks = (first_sample + start) * ticks_per_sample + phase
        out_msg[count] = best
        out_ticks[count] = ticks
        out_level[count] = level
        out_fixed[count] = fixed
        count += 1
        if fixed == 1:
            stats[ST_FIXED1] += 1
        elif fixed == 2:
            stats[ST_FIXED2] += 1
        df = best[0] >> 3
        if df == 11 or df == 17 or (df == 18 and (best[0] & 7) == 0):
            mark_heard(keys, times, _address(best), ticks)
        span = span_short if nbits == 56 else span_long
        resume[0] = first_sample + start + span
        resume[1] = level * 1e6
        if count == capacity:
            return count
    return count


@dataclass
class FrameBatch:
    """Frames from one block, in time order, as arrays."""

    msg: np.ndarray  # [n, 14] uint8; 56-bit frames use the first 7 bytes
    ticks: np.ndarray  # [n] int64, 12 MHz ticks of the first preamble pulse
    level: np.ndarray  # [n] float32, mean high-half magnitude (full scale = 1)
    fixed: np.ndarray  # [n] uint8, bits repaired

    def __len__(self) -> int:
        return int(self.ticks.size)

    @property
    def nbytes(self) -> np.ndarray:
        return np.where(self.msg[:, 0] >> 3 >= 16, 14, 7)

    @property
    def dbfs(self) -> np.ndarray:
        return 20 * np.log10(np.maximum(self.level, 1e-9))


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
        self.noise: float | None = None

    @property
    def lookahead(self) -> int:
        """Samples a block must hold beyond its last scanned position."""
        return self.geometry.span_long + 24

    def _update_noise(self, mag: np.ndarray) -> float:
        # Median of a sparse subsample: robust to the signals themselves. Smoothed over
        # blocks so the threshold does not depend on where a stream is cut into blocks.
        step = max(1, mag.size // 4096)
        block_noise = float(np.median(mag[::step])) if mag.size else 0.0
        block_noise = max(block_noise, 1e-4)
        if self.noise is None:
            self.noise = block_noise
        else:
            self.noise += 0.25 * (block_noise - self.noise)
        return self.noise

    def process(self, mag: np.ndarray, first_sample: int, stop: int) -> FrameBatch:
        """Frames starting at positions [0, stop) of `mag`, whose sample 0 is `first_sample`.

        `mag` must extend `lookahead` samples beyond `stop`; pad the end of a stream.
        """
        if mag.size < stop + self.lookahead:
            raise ValueError("block shorter than stop + lookahead")
        noise = self._update_noise(mag[:stop])
        g = self.geometry
        self.recent.tidy(first_sample * g.ticks_per_sample)
        capacity = stop // 32 + 64
        out_msg = np.zeros((capacity, 14), dtype=np.uint8)
        out_ticks = np.zeros(capacity, dtype=np.int64)
        out_level = np.zeros(capacity, dtype=np.float32)
        out_fixed = np.zeros(capacity, dtype=np.uint8)
        mask = np.zeros(stop, dtype=np.bool_)
        n = _demodulate(
            mag, stop, first_sample, noise, g.rate == 2_400_000, g.ticks_per_sample,
            g.span_short, g.span_long, g.pulse_weights, g.quiet_weights, g.bit_base,
            g.bit_first, g.bit_second, self.fix, self.recent.keys, self.recent.times,
            self.recent.ttl_ticks, self.resume, mask, self.stats,
            out_msg, out_ticks, out_level, out_fixed)
        return FrameBatch(out_msg[:n], out_ticks[:n], out_level[:n], out_fixed[:n])

    def stats_dict(self) -> dict[str, int]:
        return dict(zip(STAT_NAMES, self.stats.tolist(), strict=True))
