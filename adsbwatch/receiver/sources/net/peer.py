"""One `--net-connect` peer (another decoder's Beast or AVR frames) as a frame source.

Its connector reads and parses in a thread of its own; each read's frames are timed
there (peerclock.py: the peer's timestamps anchored to their arrival, in 12 MHz ticks
from when the source opened, `epoch0`) and kept in a buffer bounded in bytes
(buffer.py: what does not fit is dropped and counted). `batches` hands them on about
every BATCH_S of wall time, empty batches too (time passes for the station), at most
SLICE_FRAMES a batch. The frames are NOT checked: their CRC and address rule, copies
of another input's frames and the merging with other inputs are the station's work.

A batch's frames are in time order and come after the last batch's frames (not
necessarily after its end: a frame may reach us a little after a batch that covered its
time went out). Without reconnecting, a peer gone ends the batches with a RuntimeFailure
naming it, once what it sent has been handed on; close() ends them too, after the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.addresses import NetSpec
from adsbwatch.receiver.core.abilities import InputCounts, PeerState
from adsbwatch.receiver.core.backoff import FIRST_RETRY_S, STABLE_S
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.sources.base import FRAMES_FORMAT, SourceInfo, SourceTotals
from adsbwatch.receiver.sources.net.buffer import FRAME_BYTES, Chunk, FrameBuffer
from adsbwatch.receiver.sources.net.connector import Connector, say_on_stderr
from adsbwatch.receiver.sources.net.heard import Heard
from adsbwatch.receiver.sources.net.peerclock import PeerClock

BATCH_S = 0.25  # a batch (maybe empty) this often
SLICE_FRAMES = 4096  # at most this many frames a batch: a fraction of a second's decoding
# Frames waiting for the station: 4 MiB, 160,000 frames, over a minute of a busy peer's.
BUFFER_BYTES = 4 << 20
SIGNAL_FULL_SCALE = 255  # the Beast signal byte's top
# A frame's level when its sender gave none (AVR's `*HEX;`, a Beast signal byte of 0, which
# dump1090-fa writes for frames it has no level for): not a level of 0 (-180 dBFS), so
# no view, peak or stored maximum shows a level nobody measured.
UNKNOWN_LEVEL = float("nan")


class PeerSource:
    """The FrameSource of one peer (see sources/base.py), with its PeerStates and
    SummaryLines (core/abilities.py)."""

    def __init__(self, spec: NetSpec, warn: Callable[[str], None], reconnect: bool = True,
                 batch_s: float = BATCH_S, buffer_bytes: int = BUFFER_BYTES,
                 slice_frames: int = SLICE_FRAMES, say: Callable[[str], None] = say_on_stderr,
                 first_retry_s: float = FIRST_RETRY_S, stable_s: float = STABLE_S) -> None:
        self.spec = spec
        self.name = spec.name
        self.info = SourceInfo(f"network {spec.name}", FRAMES_FORMAT, 0, live=True)
        self.totals = SourceTotals()
        self.batch_s = batch_s
        self.slice_frames = slice_frames
        self.buffer = FrameBuffer(buffer_bytes)
        self.clock = PeerClock()
        self.connector = Connector(spec, self._arrived, warn, reconnect, first_retry_s,
                                   say=say, stable_s=stable_s)
        self.epoch0: float | None = None
        self._closed = False

    # ------------------------------------------------------------------ the interface

    def open(self) -> None:
        if self.epoch0 is None:
            self.epoch0 = time.time()
            self.connector.start()

    def batches(self) -> Iterator[FrameBatch]:
        self.open()
        until = 0
        while True:
            chunk = self.buffer.take(self.slice_frames, time.monotonic() + self.batch_s)
            behind = self.buffer.frames > 0  # a backlog: this batch ends at its last frame
            last = int(chunk.ticks[-1]) if len(chunk) else until
            until = max(until, last if behind else max(last, self._ticks(time.time())))
            yield FrameBatch(chunk.msg, chunk.ticks, chunk.level,
                             np.zeros(len(chunk), np.uint8), until, self.epoch0)
            if behind:
                continue
            if self._closed:
                return
            failure = self.connector.failure
            if failure is not None and self.connector.done and not self.buffer.frames:
                raise RuntimeFailure(f"{failure}; not reconnecting (--no-reopen)")

    def close(self) -> None:
        """Stop reading; `batches` hands on what was read, then ends."""
        self._closed = True
        self.connector.stop()
        self.buffer.wake()

    # ------------------------------------------------------------------ the reader's thread

    def _ticks(self, t: float) -> int:
        assert self.epoch0 is not None
        return round((t - self.epoch0) * CLOCK_HZ)

    def _arrived(self, arrival: float, frames: list[Heard]) -> None:
        """One read's frames, timed, into the buffer (what does not fit dropped, counted,
        before it is timed: a peer far too fast costs no more than its parsing)."""
        room = self.buffer.room()
        if room < len(frames):
            self.buffer.drop(len(frames) - room)
            frames = frames[:room]
            if not frames:
                return
        n = len(frames)
        ticks = self.clock.ticks(self._ticks(arrival), [h.timestamp for h in frames])
        rows = b"".join(h.frame.ljust(FRAME_BYTES, b"\0") for h in frames)
        levels = [h.signal / SIGNAL_FULL_SCALE if h.signal else UNKNOWN_LEVEL for h in frames]
        self.buffer.put(Chunk(np.frombuffer(rows, np.uint8).reshape(n, FRAME_BYTES),
                              np.array(ticks, np.int64), np.array(levels, np.float32)))

    # ------------------------------------------------------------------ what it says

    def peer_states(self) -> list[PeerState]:
        c = self.connector
        return [PeerState(self.name, c.connected, c.parser.counts.frames, self.buffer.dropped)]

    def summary_lines(self, counts: InputCounts) -> list[str]:
        c, parsed = self.connector, self.connector.parser.counts
        unread = counts.unread + self.buffer.frames  # in the buffer: never handed on
        return [f"adsbwatch: {self.name}: {parsed.frames} frames received, {counts.decoded} "
                f"decoded, {counts.refused} refused, {counts.duplicates} copies of another "
                f"input's, {self.buffer.dropped} dropped (queue full)"
                f"{f', {unread} unread at the stop' if unread else ''}; {parsed.mode_ac} "
                f"Mode A/C, {parsed.bad_messages} bad messages, {parsed.garbage_bytes} "
                f"garbage bytes; connected {c.connects} time{'s' if c.connects != 1 else ''}"]
