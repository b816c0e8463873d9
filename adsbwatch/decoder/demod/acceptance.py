"""Whether a sliced frame is a frame: CRC, repair and address rules, in Numba."""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.demod.icaofilter import heard_since
from adsbwatch.decoder.demod.refcounts import NO_REFCOUNTS
from adsbwatch.decoder.frames import crc
from adsbwatch.decoder.frames.formats import ACCEPTED_BITS, ADDRESS_PARITY

# A repaired bit must be among the least certain of its frame: for one bit, in the less
# certain half (the known-address rule already keeps it from inventing aircraft); for
# two, both among the 24 least certain (a fifth of a long frame; dump1090's aggressive
# mode takes any two). Measured: 10 -> 24 moves the 50% point 0.07 dB lower, no phantoms.
WEAK_SHARE_ONE = 0.5
WEAK_RANK_TWO = 24
# A repaired DF17/18 of an address never heard is accepted at once only when the repaired
# bit is the least certain of its frame and every other bit was read with at least this
# share of the frame's mean margin. On noise and fruit (2 minutes at 2.4 MS/s: 54,403
# slicings read as DF17/18) 99.6% of slicings have a second bit below that share, and
# the one that passed the old rule (its repaired bit the least certain) had one at 0.02;
# of the repaired frames of new addresses in the single-frame sweeps, two thirds clear it.
# The rest are held until their address is confirmed (holding.py): a real aircraft's next
# squitter. The same share vouches for a surveillance reply that confirms a held address.
SURE_REST = 0.1
# An interrogator code's bits must be read with at least this share of the frame's
# median margin (_code_sure).
OVERLAY_SURE = 0.3

# The CRC's syndrome inlined here (the same function): _classify and _classify_or_pending
# then make no calls on their common paths, which lets Numba drop the reference counts of
# their array arguments (kernel.py), a dozen atomic pairs per call, several per try.
_syndrome = njit(nogil=True, inline="always")(crc.syndrome.py_func)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lookup(keys: np.ndarray, values: np.ndarray, key: int) -> int:
    """crc.lookup (a binary search in a sorted syndrome table; -1 when absent) without
    its call to np.searchsorted."""
    lo = 0
    hi = keys.size
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < keys.size and keys[lo] == key:
        return values[lo]
    return -1


# Indices into the stats array (holding.py counts the last two).
(ST_SCREENED, ST_CANDIDATES, ST_REJECTED, ST_FIXED1, ST_FIXED2, ST_UNKNOWN, ST_REFUSED,
 ST_FIRST_REPAIRED, ST_HELD, ST_RELEASED, ST_HELD_EXPIRED) = range(11)
STAT_NAMES = ("screened", "candidates", "rejected", "repaired_1bit", "repaired_2bit",
              "unknown_address", "repair_refused", "new_address_repaired", "held",
              "held_released", "held_expired")

# Per-frame status codes returned by _classify: rejected, accepted with a clean parity,
# accepted because the address (or DF11 interrogator code) overlaid on it checks out;
# repaired into an address not heard yet: held until that address is confirmed
# (holding.py), or accepted at once where the soft decision vouches for the repair.
# An address/parity reply whose address a held frame has: ACCEPT_PENDING (see
# _classify_or_pending).
REJECT, ACCEPT, ACCEPT_OVERLAY, HOLD, ACCEPT_NEW, ACCEPT_PENDING = 0, 1, 2, 3, 4, 5


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _is_weak(margin: np.ndarray, nbits: int, pos: int, rank: int) -> bool:
    """True when bit `pos` is among the `rank` least certain bits of the frame (ties
    count against it: a bit no less certain than the rest is not weak)."""
    below = -1  # itself
    for i in range(nbits):
        below += margin[i] <= margin[pos]
    return below < rank


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _rest_sure(margin: np.ndarray, nbits: int, pos: int) -> bool:
    """Whether every bit but `pos` (-1: every bit) was read with SURE_REST of the
    frame's mean margin."""
    total = 0.0
    least = np.inf
    for i in range(nbits):
        total += margin[i]
        if i != pos:
            least = min(least, margin[i])
    return least >= SURE_REST * total / nbits


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _median(values: np.ndarray, n: int) -> float:
    """np.median(values[:n]), the same float, by counting instead of sorting a copy: no
    allocation (nor call) in _classify. n^2 steps, on the rare DF11 with a code."""
    half = n >> 1
    lower = 0.0  # the (half-1)-th and half-th smallest, from 0
    upper = 0.0
    for i in range(n):
        less = 0
        ties = 0
        for k in range(n):
            less += values[k] < values[i]
            ties += values[k] == values[i]
        # values[i] is the r-th smallest for every r in [less, less + ties)
        if less <= half - 1 < less + ties:
            lower = values[i]
        if less <= half < less + ties:
            upper = values[i]
    if n & 1:
        return upper
    return (lower + upper) / 2


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _code_sure(margin: np.ndarray, nbits: int, code: int) -> bool:
    """Whether the bits of a DF11's interrogator code field that `code` names (its last 7
    bits, 1s of `code`) were read about as surely as the frame's typical bit: misread
    bits there turn a squitter's code 0 into another code, and they are the unsure ones.
    (Margins all 0, as a network input gives: nothing to judge by.)"""
    least = OVERLAY_SURE * _median(margin, nbits)
    for k in range(7):  # noqa: SIM110 (Numba compiles no generators)
        if code >> k & 1 and margin[nbits - 1 - k] < least:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _flip(msg: np.ndarray, pos: int) -> None:
    msg[pos >> 3] ^= 0x80 >> (pos & 7)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _address(msg: np.ndarray) -> int:
    return (np.int64(msg[1]) << 16) | (np.int64(msg[2]) << 8) | np.int64(msg[3])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _reserved_capability(msg: np.ndarray) -> bool:
    """Capability codes 1-3 of a DF11/17 are reserved: no transponder sends them."""
    df = msg[0] >> 3
    ca = msg[0] & 7
    return (df == 11 or df == 17) and ca >= 1 and ca <= 3


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _classify(msg: np.ndarray, nbits: int, margin: np.ndarray, fix: int,
              keys: np.ndarray, times: np.ndarray, since: int,
              stats: np.ndarray) -> tuple[int, int]:
    """Decide one sliced frame; may repair `msg` in place. Returns (status, bits repaired)."""
    df = msg[0] >> 3
    if ACCEPTED_BITS[df] != nbits:
        return REJECT, 0  # a slicer after the first byte's read another format's DF
    nbytes = nbits // 8
    syn = _syndrome(msg, nbytes)
    if ADDRESS_PARITY[df]:
        if heard_since(keys, times, syn, since):
            return ACCEPT_OVERLAY, 0
        stats[ST_UNKNOWN] += 1
        return REJECT, 0
    if _reserved_capability(msg):
        return REJECT, 0
    if syn == 0:
        return ACCEPT, 0
    if df == 11 and (syn & 0xFFFF80) == 0:
        # Nonzero interrogator code: parity can't vouch for the address on its own.
        if not heard_since(keys, times, _address(msg), since):
            stats[ST_UNKNOWN] += 1
            return REJECT, 0
        # A lone 1 there is as likely a squitter (code 0) with one bad bit: where that
        # bit was weak, take the repair rather than an interrogator code.
        if fix >= 1 and (syn & (syn - 1)) == 0:
            pos = 55
            while syn > 1:
                syn >>= 1
                pos -= 1
            if _is_weak(margin, nbits, pos, int(nbits * WEAK_SHARE_ONE)):
                _flip(msg, pos)
                return ACCEPT, 1
        if not _code_sure(margin, nbits, syn):
            stats[ST_REFUSED] += 1
            return REJECT, 0
        return ACCEPT_OVERLAY, 0
    if fix < 1:
        return REJECT, 0
    if nbits == 56:
        pos = _lookup(crc.ONE_KEYS_56, crc.ONE_POS_56, syn)
    else:
        pos = _lookup(crc.ONE_KEYS_112, crc.ONE_POS_112, syn)
    if pos >= 0:
        if not _is_weak(margin, nbits, pos, int(nbits * WEAK_SHARE_ONE)):
            stats[ST_REFUSED] += 1
            return REJECT, 0
        _flip(msg, pos)
        if _reserved_capability(msg):
            _flip(msg, pos)
            return REJECT, 0
        if heard_since(keys, times, _address(msg), since):
            return ACCEPT, 1
        if df != 11 and _is_weak(margin, nbits, pos, 1) and _rest_sure(margin, nbits, pos):
            # The least certain bit of all, and the rest read surely: a frame whose one
            # weak bit is the one its syndrome names. (Noise slicings have several bits
            # at the threshold, so the repaired one being least certain says little.)
            return ACCEPT_NEW, 1
        return HOLD, 1
    if fix < 2 or nbits != 112:
        return REJECT, 0
    pair = _lookup(crc.TWO_KEYS_112, crc.TWO_POS_112, syn)
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


@njit(cache=True, nogil=True, error_model="numpy", **NO_REFCOUNTS)
def _classify_or_pending(msg: np.ndarray, nbits: int, margin: np.ndarray, fix: int,
                         keys: np.ndarray, times: np.ndarray, since: int,
                         pending_keys: np.ndarray, pending_times: np.ndarray,
                         pending_since: int, stats: np.ndarray) -> tuple[int, int]:
    """_classify, and an address/parity reply whose address is that of a held frame
    (pending: holding.py) accepted, the address heard from then on: a reply's parity
    lands on one given address by chance as rarely as noise passes a clean CRC, so the
    two frames vouch for each other."""
    status, fixed = _classify(msg, nbits, margin, fix, keys, times, since, stats)
    if status != REJECT or not ADDRESS_PARITY[msg[0] >> 3]:
        return status, fixed
    if ACCEPTED_BITS[msg[0] >> 3] != nbits:
        return status, fixed
    syn = _syndrome(msg, nbits // 8)
    # Read surely, every bit: a parity names the held address only if all the bits are
    # right, and a slicing with bits at the threshold (noise, overlapped fruit) names a
    # random one. (3 minutes of fruit at 2.4 MS/s: such a DF21, least certain bit at
    # 0.013 of its mean margin, confirmed a held DF11 by chance.)
    if (heard_since(pending_keys, pending_times, syn, pending_since)
            and _rest_sure(margin, nbits, -1)):
        return ACCEPT_PENDING, 0
    return status, fixed
