"""Mode S CRC-24: table-driven parity, and the syndromes of 1- and 2-bit errors.

The Mode S parity is the remainder of the message (parity field zeroed) divided by the
generator 0x1FFF409. For every format the *syndrome* (remainder of the data XOR the
transmitted parity field) is 0 for a clean DF11 (IID 0) / DF17 / DF18, the interrogator
code for other DF11s, and the aircraft address for the address/parity formats.

Because the code is linear, a single flipped bit changes the syndrome by a value that
depends only on that bit's distance from the end of the message; so one table serves
both 56- and 112-bit frames.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from adsbwatch.decoder.frames.parity import BYTE_TABLE, GENERATOR

# The one table (frames/parity.py) as the array the kernels index.
CRC_TABLE = np.array(BYTE_TABLE, dtype=np.uint32)


def _after_zero_bytes(table: np.ndarray, zeros: int) -> np.ndarray:
    """Each byte value's remainder after `zeros` more zero bytes: three data bytes XORed
    into the register then take one look-up each (the register is linear in its bits),
    not three look-ups each waiting on the last."""
    out = table.astype(np.int64)
    for _ in range(zeros):
        out = ((out << 8) & 0xFFFFFF) ^ table[out >> 16]
    return out  # int64, as the register: a uint and an int together are a float in Numba


CRC_MID = _after_zero_bytes(CRC_TABLE, 1)  # a byte one place above the register's lowest
CRC_HIGH = _after_zero_bytes(CRC_TABLE, 2)  # the register's top byte


@njit(cache=True, nogil=True)
def syndrome(msg: np.ndarray, nbytes: int) -> int:
    """CRC of the first nbytes-3 bytes XOR the last 3 (the parity field); three data
    bytes a step, the rest one at a time."""
    reg = 0
    data = nbytes - 3
    i = 0
    while i + 3 <= data:
        x = reg ^ ((msg[i] << 16) | (msg[i + 1] << 8) | msg[i + 2])
        reg = CRC_HIGH[x >> 16] ^ CRC_MID[(x >> 8) & 0xFF] ^ CRC_TABLE[x & 0xFF]
        i += 3
    while i < data:
        reg = ((reg << 8) & 0xFFFFFF) ^ CRC_TABLE[((reg >> 16) ^ msg[i]) & 0xFF]
        i += 1
    parity = (msg[nbytes - 3] << 16) | (msg[nbytes - 2] << 8) | msg[nbytes - 1]
    return reg ^ parity


def syndrome_of(frame: bytes) -> int:
    """Python convenience wrapper: the syndrome of a whole 7- or 14-byte frame."""
    return int(syndrome(np.frombuffer(frame, dtype=np.uint8), len(frame)))


def with_parity(data: bytes, overlay: int = 0) -> bytes:
    """Append the 24-bit parity to `data` (4 or 11 bytes), XORed with `overlay`
    (an address for the address/parity formats, an IID for DF11)."""
    padded = np.frombuffer(data + b"\0\0\0", dtype=np.uint8)
    parity = int(syndrome(padded, len(padded))) ^ overlay
    return data + parity.to_bytes(3, "big")


def _single_bit_syndromes() -> np.ndarray:
    """SINGLE[d] = syndrome change when the bit d places from the end flips (d < 112).

    A parity bit changes only itself; a data bit d places from the end (d >= 24) changes
    the remainder of x^d by the generator, each place one more shift. Computed here in
    Python, not with the kernel: a kernel call at import costs more start-up."""
    out = np.zeros(112, dtype=np.uint32)
    reg = 0
    for d in range(112):
        if d < 24:
            out[d] = 1 << d
            continue
        reg = GENERATOR if d == 24 else ((reg << 1) ^ (GENERATOR if reg & 0x800000 else 0))
        reg &= 0xFFFFFF
        out[d] = reg
    return out


SINGLE = _single_bit_syndromes()


def _sorted_lookup(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order].astype(np.uint32), values[order].astype(np.int32)


def _error_tables(nbits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sorted syndrome -> bit position(s) tables for one frame length.

    Positions are counted from the first bit of the frame. The first 5 bits (the DF) are
    never repaired: a changed DF would change the frame's length and meaning.
    Two-bit values pack as first*256 + second.
    """
    positions = np.arange(5, nbits)
    single = SINGLE[nbits - 1 - positions]
    one_keys, one_vals = _sorted_lookup(single, positions)
    first, second = np.triu_indices(nbits - 5, k=1)
    two = SINGLE[nbits - 1 - (first + 5)] ^ SINGLE[nbits - 1 - (second + 5)]
    two_keys, two_vals = _sorted_lookup(two, (first + 5) * 256 + (second + 5))
    return one_keys, one_vals, two_keys, two_vals


# Kernels elsewhere (demod/acceptance.py's _classify) freeze these arrays into their
# machine code, and Numba's cache only watches the kernel's own file: after changing
# anything here, delete the cached *.nbi/*.nbc files under adsbwatch/.
ONE_KEYS_56, ONE_POS_56, _, _ = _error_tables(56)
ONE_KEYS_112, ONE_POS_112, TWO_KEYS_112, TWO_POS_112 = _error_tables(112)


@njit(cache=True, nogil=True)
def lookup(keys: np.ndarray, values: np.ndarray, key: int) -> int:
    """Binary search in a sorted syndrome table; -1 when absent."""
    i = np.searchsorted(keys, np.uint32(key))
    if i < keys.size and keys[i] == key:
        return values[i]
    return -1
