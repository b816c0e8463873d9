"""Mode S parity in pure Python, for the replies whose parity field carries the address.

The address/parity formats (DF0/4/5/16/20/21) send CRC XOR address: the remainder of a
CRC-checked frame *is* the address. (decoder/frames/crc.py has the Numba kernel the
demodulator runs; this one serves the per-message decoding without numpy.)
"""

from __future__ import annotations

GENERATOR = 0xFFF409  # the Mode S CRC-24 polynomial, x^24 implied


def _table() -> tuple[int, ...]:
    rows = []
    for byte in range(256):
        reg = byte << 16
        for _ in range(8):
            reg = (reg << 1) ^ GENERATOR if reg & 0x800000 else reg << 1
        rows.append(reg & 0xFFFFFF)
    return tuple(rows)


CRC_TABLE = _table()


def remainder(frame: bytes) -> int:
    """CRC of a frame's data bytes XOR its last three (parity) bytes."""
    reg = 0
    table = CRC_TABLE
    for byte in frame[:-3]:
        reg = ((reg << 8) & 0xFFFFFF) ^ table[(reg >> 16) ^ byte]
    return reg ^ int.from_bytes(frame[-3:], "big")
