"""The Mode S CRC-24, defined once and in plain Python: the generator, the byte table,
and the remainder of a frame.

The demodulator's Numba kernels (frames/crc.py) run the same table as a numpy array;
per-message decoding runs it here, without numpy or Numba. For the address/parity
formats (DF0/4/5/16/20/21) the frame's remainder is the aircraft's address.
"""

from __future__ import annotations

GENERATOR = 0xFFF409  # the polynomial 0x1FFF409 without its x^24 term


def _byte_table() -> tuple[int, ...]:
    """The remainder of each byte value shifted to the register's top, 8 steps of the
    long division at once."""
    rows = []
    for byte in range(256):
        reg = byte << 16
        for _ in range(8):
            reg = (reg << 1) ^ GENERATOR if reg & 0x800000 else reg << 1
        rows.append(reg & 0xFFFFFF)
    return tuple(rows)


BYTE_TABLE = _byte_table()


def remainder(frame: bytes) -> int:
    """The CRC of a frame's data bytes XOR its last three (parity) bytes: 0 for a clean
    DF11 (IID 0), DF17 or DF18, the address for the address/parity formats."""
    reg = 0
    table = BYTE_TABLE
    for byte in frame[:-3]:
        reg = ((reg << 8) & 0xFFFFFF) ^ table[(reg >> 16) ^ byte]
    return reg ^ int.from_bytes(frame[-3:], "big")
