"""Timed frames on their way from a peer's reader thread to its batches, bounded in bytes.

The reader never waits for the station: a peer is never throttled by us (it would drop
us, or its own frames, unseen). What does not fit is dropped and counted, newest first,
as a dongle's queue drops samples. The bound is in bytes of frames kept as arrays (26
bytes a frame), not in reads: a read of a fast peer holds thousands of frames. They are
taken in slices of at most so many frames, so no batch makes the station's stages wait
long, and a backlog shows in the stats line while it is worked off.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass

import numpy as np

FRAME_BYTES = 14
FRAME_ARRAYS_BYTES = FRAME_BYTES + 8 + 4  # a frame, its ticks and its level


@dataclass
class Chunk:
    """Frames of one read, timed: arrays of the same length."""

    msg: np.ndarray  # [n, 14] uint8, short frames in the first 7 bytes
    ticks: np.ndarray  # [n] int64
    level: np.ndarray  # [n] float32, NaN: none sent

    def __len__(self) -> int:
        return int(self.ticks.size)

    @property
    def nbytes(self) -> int:
        return int(self.msg.nbytes + self.ticks.nbytes + self.level.nbytes)

    def split(self, n: int) -> tuple[Chunk, Chunk]:
        return (Chunk(self.msg[:n], self.ticks[:n], self.level[:n]),
                Chunk(self.msg[n:], self.ticks[n:], self.level[n:]))

    @staticmethod
    def joined(chunks: list[Chunk]) -> Chunk:
        if len(chunks) == 1:
            return chunks[0]
        if not chunks:
            return Chunk(np.zeros((0, FRAME_BYTES), np.uint8), np.zeros(0, np.int64),
                         np.zeros(0, np.float32))
        return Chunk(np.concatenate([c.msg for c in chunks]),
                     np.concatenate([c.ticks for c in chunks]),
                     np.concatenate([c.level for c in chunks]))


class FrameBuffer:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.dropped = 0  # frames that did not fit
        self._chunks: collections.deque[Chunk] = collections.deque()
        self._bytes = 0
        self._frames = 0
        self._woken = False
        self._ready = threading.Condition()

    @property
    def frames(self) -> int:
        """Frames waiting now."""
        return self._frames

    def room(self) -> int:
        """How many frames would fit now."""
        return max(0, (self.max_bytes - self._bytes) // FRAME_ARRAYS_BYTES)

    def drop(self, frames: int) -> None:
        """Count frames that were not even offered: there was no room."""
        with self._ready:
            self.dropped += frames

    def put(self, chunk: Chunk) -> None:
        """Keep what of `chunk` fits, its first frames (from the reader's thread, never
        waiting); the rest is dropped."""
        with self._ready:
            if self._bytes + chunk.nbytes > self.max_bytes:
                room = (self.max_bytes - self._bytes) // FRAME_ARRAYS_BYTES
                self.dropped += len(chunk) - room
                if room <= 0:
                    return
                chunk, _ = chunk.split(room)
            self._chunks.append(chunk)
            self._bytes += chunk.nbytes
            self._frames += len(chunk)
            self._ready.notify()

    def take(self, most: int, until: float) -> Chunk:
        """Up to `most` frames, oldest first, once that many wait or at `until` (a
        time.monotonic() time), or at once after wake(); possibly none."""
        with self._ready:
            while self._frames < most and not self._woken:
                left = until - time.monotonic()
                if left <= 0:
                    break
                self._ready.wait(left)
            taken: list[Chunk] = []
            want = most
            while want > 0 and self._chunks:
                chunk = self._chunks.popleft()
                if len(chunk) > want:
                    chunk, rest = chunk.split(want)
                    self._chunks.appendleft(rest)
                self._bytes -= chunk.nbytes
                taken.append(chunk)
                want -= len(chunk)
            self._frames -= most - want
            return Chunk.joined(taken)

    def wake(self) -> None:
        """Every take() from now on returns at once (the source is closing)."""
        with self._ready:
            self._woken = True
            self._ready.notify_all()
