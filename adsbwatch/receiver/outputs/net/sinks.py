"""The station's consumers for the TCP outputs: frames gathered for up to FLUSH_S of wall
time, encoded once and handed to their server or connector, never waiting on a client.

Gathering is what keeps 10 clients cheap: a live source hands over a small batch dozens
of times a second, and encoding each one and writing it to each client's socket costs
more than the bytes do (dump1090-fa and readsb flush their outputs on a timer too)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.core.events import Decoded, Tick
from adsbwatch.receiver.outputs.net.beast import beast_bytes
from adsbwatch.receiver.outputs.net.push import BeastPush
from adsbwatch.receiver.outputs.net.sbs import sbs_line
from adsbwatch.receiver.outputs.net.server import TcpServer

FLUSH_S = 0.1  # the most a frame waits before it goes out
FLUSH_FRAMES = 4096  # or this many frames, whichever comes first


class Gathered:
    """Frames of several batches, taken together when due."""

    def __init__(self) -> None:
        self._parts: list[FrameBatch] = []
        self.frames = 0
        self._since = time.monotonic()

    def add(self, batch: FrameBatch) -> None:
        if len(batch):
            self._parts.append(batch)
            self.frames += len(batch)

    def due(self) -> bool:
        return self.frames >= FLUSH_FRAMES or (
            self.frames > 0 and time.monotonic() - self._since >= FLUSH_S)

    def take(self) -> FrameBatch | None:
        """What was gathered, as one batch (None: nothing); starts gathering afresh."""
        parts, self._parts, self.frames = self._parts, [], 0
        self._since = time.monotonic()
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return FrameBatch(np.concatenate([p.msg for p in parts]),
                          np.concatenate([p.ticks for p in parts]),
                          np.concatenate([p.level for p in parts]),
                          np.concatenate([p.fixed for p in parts]))


class FramesOutput:
    """Every frame, encoded by `encode` (Beast or AVR), to a server's clients."""

    def __init__(self, server: TcpServer, encode: Callable[[FrameBatch], bytes]) -> None:
        self.name = server.name
        self.server = server
        self.encode = encode
        self._gathered = Gathered()

    def on_frames(self, batch: FrameBatch) -> None:
        if not self.server.clients:  # nobody listening: nothing to encode
            self._gathered.take()
            return
        self._gathered.add(batch)
        if self._gathered.due():
            self._send()

    def on_tick(self, tick: Tick) -> None:
        if self._gathered.due():  # frames waiting while no batch comes
            self._send()

    def close(self) -> None:
        self._send()
        self.server.close()

    def _send(self) -> None:
        batch = self._gathered.take()
        if batch is not None:
            self.server.send(self.encode(batch))


class SbsOutput:
    """One SBS line per decoded message, to a server's clients."""

    def __init__(self, server: TcpServer) -> None:
        self.name = server.name
        self.server = server
        self._lines: list[str] = []
        self._since = time.monotonic()

    def on_messages(self, decoded: Decoded) -> None:
        if not self.server.clients:  # nobody listening: no lines to make
            return
        logged = time.time()
        for update in decoded.updates:
            line = sbs_line(update, logged)
            if line is not None:
                self._lines.append(line)

    def on_tick(self, tick: Tick) -> None:
        if time.monotonic() - self._since >= FLUSH_S:
            self._send()

    def close(self) -> None:
        self._send()
        self.server.close()

    def _send(self) -> None:
        self._since = time.monotonic()
        if self._lines:
            self.server.send("".join(self._lines).encode("ascii", "replace"))
            self._lines.clear()


class PushOutput:
    """Every frame as Beast to a push connector (queued while it is not connected)."""

    def __init__(self, push: BeastPush) -> None:
        self.name = push.name
        self.push = push
        self._gathered = Gathered()

    def on_frames(self, batch: FrameBatch) -> None:
        self._gathered.add(batch)
        if self._gathered.due():
            self._send()

    def on_tick(self, tick: Tick) -> None:
        if self._gathered.due():
            self._send()

    def close(self) -> None:
        self._send()
        self.push.close()

    def _send(self) -> None:
        batch = self._gathered.take()
        if batch is not None:
            self.push.send(beast_bytes(batch), len(batch))
