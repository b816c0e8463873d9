"""Recently heard ICAO addresses, for accepting address/parity frames.

An address/parity frame (DF0/4/5/16/20/21) carries no address of its own: its parity is
the CRC XOR the address, so any noise burst "decodes" to some address. It is believable
only when that address was heard recently in a frame whose CRC stands on its own
(DF11/17/18). The table is an open-addressing hash in two arrays so the Numba kernel can
consult and update it per frame; times are 12 MHz sample-clock ticks, never wall time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.frames.formats import CLOCK_HZ

DEFAULT_TTL_TICKS = 60 * CLOCK_HZ
NEVER = np.iinfo(np.int64).min // 2


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _slot(keys: np.ndarray, address: int) -> int:
    """The slot holding `address`, or the empty slot where it would go."""
    mask = keys.size - 1
    i = ((address * 2654435761) >> 7) & mask  # multiplicative hash; low bits of ICAOs cluster
    while keys[i] != 0 and keys[i] != address:
        i = (i + 1) & mask
    return i


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def heard_since(keys: np.ndarray, times: np.ndarray, address: int, since: int) -> bool:
    if address == 0:
        return False
    i = _slot(keys, address)
    return keys[i] == address and times[i] >= since


@njit(cache=True, nogil=True, error_model="numpy")
def mark_heard(keys: np.ndarray, times: np.ndarray, address: int, when: int) -> None:
    if address == 0:
        return
    i = _slot(keys, address)
    keys[i] = address
    if when > times[i]:
        times[i] = when


class RecentAddresses:
    """Owner of the two arrays; grows and drops expired entries between blocks."""

    def __init__(self, ttl_ticks: int = DEFAULT_TTL_TICKS, capacity: int = 4096) -> None:
        self.ttl_ticks = ttl_ticks
        self.keys = np.zeros(capacity, dtype=np.int64)
        self.times = np.full(capacity, NEVER, dtype=np.int64)

    def __len__(self) -> int:
        return int(np.count_nonzero(self.keys))

    def tidy(self, now: int) -> None:
        """Keep the table under half full so probes stay short; forget expired entries."""
        if len(self) * 2 < self.keys.size:
            return
        live = (self.keys != 0) & (self.times >= now - self.ttl_ticks)
        keys, times = self.keys[live], self.times[live]
        capacity = self.keys.size
        while keys.size * 4 > capacity:
            capacity *= 2
        self.keys = np.zeros(capacity, dtype=np.int64)
        self.times = np.full(capacity, NEVER, dtype=np.int64)
        for address, when in zip(keys.tolist(), times.tolist(), strict=True):
            mark_heard(self.keys, self.times, address, when)

    def add(self, address: int, when: int) -> None:
        mark_heard(self.keys, self.times, address, when)

    def heard(self, address: int, now: int) -> bool:
        return bool(heard_since(self.keys, self.times, address, now - self.ttl_ticks))

    def heard_at_or_after(self, address: int, when: int) -> bool:
        """Whether `address` was last heard at `when` or later."""
        return bool(heard_since(self.keys, self.times, address, when))
