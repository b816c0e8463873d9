"""Repaired first frames of new addresses, held until the address is confirmed.

A 1-bit repair can turn noise or a garbled reply into a frame of an aircraft that does
not exist. For an address already heard that cannot happen (the repair must land on it);
for a new one the kernel holds the frame (acceptance.HOLD) instead of dropping it, and
this table lets it go, with its own time, once the address is confirmed within
`window_ticks`: heard in a frame that stands on its own (kernel's mark_heard), or held
twice (two repairs landing on the same address by chance are as rare as a clean CRC of
noise). A held frame that is never confirmed is dropped and counted.

All-call replies to another interrogator come in trains (every reply of a beam's dwell
is the same frame, tens of ms apart), and the same misreading of its code may repeat
through one; acquisition squitters come once a second. So two identical held frames
confirm each other only when at least `apart_ticks` lie between them.

A released frame joins the batch of the block in which its confirmation came, in time
order within that batch, so its time may lie before the end of an earlier batch by up to
the window.
"""

from __future__ import annotations

import numpy as np

from adsbwatch.decoder.demod.acceptance import ST_FIXED1, ST_HELD_EXPIRED, ST_RELEASED
from adsbwatch.decoder.demod.icaofilter import RecentAddresses
from adsbwatch.decoder.frames.formats import CLOCK_HZ

# 2.5 s: an aircraft that can be heard at all sends 15 extended squitters in it, or
# (Mode S only) two or three acquisition squitters.
HOLD_TICKS = CLOCK_HZ * 5 // 2
APART_TICKS = CLOCK_HZ // 2  # acquisition squitters: 0.8-1.2 s apart


def addresses_in_clear(msg: np.ndarray) -> np.ndarray:
    """The AA field (bytes 1-3) of each row: a DF11/17/18's address."""
    m = msg.astype(np.int64)
    return (m[:, 1] << 16) | (m[:, 2] << 8) | m[:, 3]


class HeldFrames:
    """Frames waiting for their address, as arrays (rarely more than a few)."""

    def __init__(self, window_ticks: int = HOLD_TICKS, apart_ticks: int = APART_TICKS) -> None:
        self.window_ticks = window_ticks
        self.apart_ticks = apart_ticks
        self.msg = np.zeros((0, 14), dtype=np.uint8)
        self.ticks = np.zeros(0, dtype=np.int64)
        self.level = np.zeros(0, dtype=np.float32)
        self.fixed = np.zeros(0, dtype=np.uint8)

    def __len__(self) -> int:
        return int(self.ticks.size)

    def add(self, msg: np.ndarray, ticks: np.ndarray, level: np.ndarray,
            fixed: np.ndarray) -> None:
        self.msg = np.concatenate([self.msg, msg])
        self.ticks = np.concatenate([self.ticks, ticks])
        self.level = np.concatenate([self.level, level])
        self.fixed = np.concatenate([self.fixed, fixed])

    def release(self, recent: RecentAddresses, now_ticks: int,
                stats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(msg, ticks, level, bits repaired) of the frames confirmed by now, which leave
        the table and make their addresses heard; frames older than the window are
        dropped."""
        address = addresses_in_clear(self.msg)
        confirmed = np.array([recent.heard_at_or_after(int(a), int(t))
                              for a, t in zip(address, self.ticks, strict=True)], dtype=bool)
        confirmed |= self._held_twice(address)
        expired = ~confirmed & (self.ticks < now_ticks - self.window_ticks)
        stats[ST_RELEASED] += int(confirmed.sum())
        stats[ST_FIXED1] += int((self.fixed[confirmed] == 1).sum())
        stats[ST_HELD_EXPIRED] += int(expired.sum())
        out = (self.msg[confirmed], self.ticks[confirmed], self.level[confirmed],
               self.fixed[confirmed])
        for a, t in zip(address[confirmed], self.ticks[confirmed], strict=True):
            recent.add(int(a), int(t))
        keep = ~(confirmed | expired)
        self.msg, self.ticks = self.msg[keep], self.ticks[keep]
        self.level, self.fixed = self.level[keep], self.fixed[keep]
        return out

    def _held_twice(self, address: np.ndarray) -> np.ndarray:
        """Frames whose address another held frame has, that frame being different or
        `apart_ticks` away."""
        out = np.zeros(address.size, dtype=bool)
        for i in range(address.size):
            for k in np.flatnonzero(address == address[i]):
                if k != i and (abs(int(self.ticks[k] - self.ticks[i])) >= self.apart_ticks
                               or not np.array_equal(self.msg[k], self.msg[i])):
                    out[i] = True
                    break
        return out
