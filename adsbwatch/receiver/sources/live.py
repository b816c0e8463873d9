"""The hand-over from a live device to the station: a bounded queue of sample chunks.

A producer (pyrtlsdr's callback thread, an rtl_tcp socket reader) puts each chunk as it
arrives, stamped with its arrival time; the station reads through `readinto` as from a
file. When the station falls behind and the queue is full, the newest chunk is dropped
and counted, never waited for (a USB callback must return at once). Where the stream
breaks the reader learns of it in place, as `StreamBreak`: samples lost while connected
(`gap`), the time a source was away (`away`), or a connection just lost (`interrupt`):
what came before is demodulated at once, and the sample clock jumps by what was missed,
so later times stay right. Chunks must hold whole samples.
"""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass

import numpy as np

from adsbwatch.receiver.sources.base import StreamBreak

QUEUE_SECONDS = 2.0  # how much signal may wait for the station before chunks are dropped


@dataclass
class _Break:
    """Where the stream breaks: samples lost while connected, and while away."""

    lost: int = 0
    away: int = 0


@dataclass
class _Chunk:
    data: np.ndarray  # uint8 bytes, whole samples (none: a break alone)
    arrival: float  # wall-clock time it arrived
    break_before: _Break | None  # the stream breaks just before it


class ChunkQueue:
    def __init__(self, bytes_per_sample: int, rate: int,
                 seconds: float = QUEUE_SECONDS) -> None:
        self.bytes_per_sample = bytes_per_sample
        self.rate = rate
        self.capacity_bytes = int(seconds * rate) * bytes_per_sample
        self._chunks: collections.deque[_Chunk] = collections.deque()
        self._queued_bytes = 0
        self._pending: _Break | None = None  # a break after the last queued chunk
        self._ended = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._current: _Chunk | None = None
        self._offset = 0  # bytes of the current chunk already read
        self.dropped_samples = 0  # lost while connected (a full queue, the device's)
        self.away_samples = 0  # missed while the source was away
        self.last_arrival: float | None = None  # arrival of the bytes read last

    # ------------------------------------------------------------------ producer side

    def put(self, data: np.ndarray | bytes, arrival: float | None = None) -> None:
        """Queue a chunk (copied: librtlsdr reuses its buffer), or count it dropped."""
        arrival = time.time() if arrival is None else arrival
        raw = np.frombuffer(bytes(data), dtype=np.uint8) if isinstance(data, bytes) \
            else np.array(data, dtype=np.uint8, copy=True)
        if not raw.size:
            return
        samples = raw.size // self.bytes_per_sample
        with self._cond:
            if self._queued_bytes + raw.size > self.capacity_bytes:
                self._break().lost += samples
                self.dropped_samples += samples
                return
            self._chunks.append(_Chunk(raw, arrival, self._pending))
            self._pending = None
            self._queued_bytes += raw.size
            self._cond.notify()

    def gap(self, samples: int) -> None:
        """Samples lost at the source while it was connected (USB transfers lost)."""
        with self._cond:
            self._break().lost += samples
            self.dropped_samples += samples
            self._cond.notify()

    def away(self, samples: int) -> None:
        """Samples missed while the source was away (a dongle unplugged, a server gone)."""
        with self._cond:
            self._break().away += samples
            self.away_samples += samples
            self._cond.notify()

    def interrupt(self) -> None:
        """The source went (how long for is not known yet): what is queued is the end of
        a stretch, handed on at once rather than held until the source is back."""
        with self._cond:
            self._break()
            self._cond.notify()

    def end(self, error: BaseException | None = None) -> None:
        """No more chunks: the reader gets what is queued, then end of stream (or `error`
        raised)."""
        with self._cond:
            self._ended = True
            self._error = error
            self._cond.notify_all()

    def _break(self) -> _Break:
        if self._pending is None:
            self._pending = _Break()
        return self._pending

    # ------------------------------------------------------------------ consumer side

    def readinto(self, view: memoryview) -> int:
        """Bytes into `view` from the queue, waiting for the first; 0 at the end.
        Raises StreamBreak (once, in its place in the stream) where the stream breaks."""
        if self._current is None or self._offset >= self._current.data.size:
            self._current = self._next()
            self._offset = 0
            if self._current is None:
                return 0
            broken, self._current.break_before = self._current.break_before, None
            if broken is not None:
                raise StreamBreak(broken.lost, broken.away)
            if not self._current.data.size:
                return self.readinto(view)
        chunk = self._current
        n = min(len(view), chunk.data.size - self._offset)
        view[:n] = chunk.data[self._offset:self._offset + n]
        self._offset += n
        # The bytes still unread of this chunk arrived with it but were taken later.
        unread = (chunk.data.size - self._offset) // self.bytes_per_sample
        self.last_arrival = chunk.arrival - unread / self.rate
        return n

    def _next(self) -> _Chunk | None:
        with self._cond:
            while not self._chunks and not self._ended and self._pending is None:
                self._cond.wait(timeout=0.5)
            if self._chunks:
                chunk = self._chunks.popleft()
                self._queued_bytes -= chunk.data.size
                return chunk
            if self._pending is not None:  # a break after the last chunk: say it now
                broken, self._pending = self._pending, None
                return _Chunk(np.empty(0, np.uint8), time.time(), broken)
            if self._error is not None:
                raise self._error
            return None

    def clock(self) -> float:
        """When the last bytes read were taken by the device (for Block.arrival)."""
        return self.last_arrival if self.last_arrival is not None else time.time()
