"""Beast binary output: what dump1090-fa and readsb serve on port 30005.

Each frame is 0x1a, a type ('2' a 56-bit frame, '3' a 112-bit one), the 12 MHz
timestamp in 6 big-endian bytes, one signal byte and the payload; every 0x1a after the
type byte is sent twice, so a reader finds frame starts by an unpaired 0x1a."""

from __future__ import annotations

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch

ESCAPE = 0x1A
SHORT_TYPE, LONG_TYPE = ord("2"), ord("3")
TIMESTAMP_BYTES = 6
HEAD = 2 + TIMESTAMP_BYTES + 1  # escape, type, timestamp, signal: where the payload starts
RECORD = HEAD + 14  # a long frame's record before escaping
TIMESTAMP_MASK = (1 << 48) - 1  # the counter wraps at 48 bits, as a Beast box's does

# Sent when nothing else went out for a while: a Mode A/C record of zeros, which
# dump1090-fa and readsb send as their own heartbeat and every reader skips (pyModeS'
# client included); readsb counts a type '4' record as garbage.
HEARTBEAT = bytes([ESCAPE, ord("1")]) + bytes(TIMESTAMP_BYTES + 1 + 2)


def signal_bytes(level: np.ndarray) -> np.ndarray:
    """The signal byte: our level is the mean magnitude (sqrt of mean power, full scale
    1), Beast's is that times 255; 0 reads as "no level", so at least 1, and 0 exactly
    for a NaN level (a peer sent the frame with none), as dump1090-fa writes then."""
    level = np.asarray(level, np.float64)
    known = ~np.isnan(level)
    scaled = np.clip(np.rint(np.where(known, level, 0.0) * 255), 1, 255)
    return np.where(known, scaled, 0).astype(np.uint8)


def timestamp_bytes(ticks: np.ndarray) -> np.ndarray:
    """[n, 6] uint8: each 12 MHz timestamp as 48 big-endian bits (Beast's, and AVR's
    `@` lines' once in hex)."""
    ticks = np.asarray(ticks, np.int64) & TIMESTAMP_MASK
    shifts = np.arange(8 * (TIMESTAMP_BYTES - 1), -1, -8, dtype=np.int64)
    return ((ticks[:, None] >> shifts) & 0xFF).astype(np.uint8)


def beast_bytes(batch: FrameBatch) -> bytes:
    """Every frame of `batch` as a Beast record, in the batch's order.

    Built as one [n, 23] array of unescaped records; escaping is one np.repeat that
    writes each byte once, twice (a 0x1a after the type) or not at all (a short frame's
    unused columns)."""
    n = len(batch)
    if n == 0:
        return b""
    rows = np.empty((n, RECORD), dtype=np.uint8)
    rows[:, 0] = ESCAPE
    long = batch.long
    rows[:, 1] = np.where(long, LONG_TYPE, SHORT_TYPE)
    rows[:, 2:2 + TIMESTAMP_BYTES] = timestamp_bytes(batch.ticks)
    rows[:, HEAD - 1] = signal_bytes(batch.level)
    rows[:, HEAD:] = batch.msg
    copies = np.where(rows == ESCAPE, 2, 1).astype(np.intp)
    copies[:, :2] = 1  # the record's own start is not escaped
    copies[~long, HEAD + 7:] = 0
    return np.repeat(rows.ravel(), copies.ravel()).tobytes()
