"""`--net-push HOST:PORT:beast`: our Beast stream sent out to an aggregator or a
feeder's Beast input (dump1090's --net-bi-port, readsb's 30004).

The connector lives on the run's network loop and reconnects with backoff (from
FIRST_RETRY_S, doubling up to LAST_RETRY_S, as readsb's connectors do). Frames produced
while it is not connected wait in a queue bounded by `limit_bytes`; past that the oldest
are dropped and counted. At the end of the run `close` waits a few seconds for the
queue to go out, then says in one line what could not be sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from adsbwatch.receiver.addresses import PushSpec, where
from adsbwatch.receiver.core.backoff import FIRST_RETRY_S, next_retry
from adsbwatch.receiver.core.network import NetworkThread
from adsbwatch.receiver.outputs.net.beast import HEARTBEAT
from adsbwatch.receiver.outputs.net.server import HEARTBEAT_S, READ_BYTES, amount, reason

QUEUE_BYTES = 4 << 20  # while disconnected: about 170k Beast frames, then the oldest go
FLUSH_WAIT_S = 3.0
CLOSE_TIMEOUT_S = 10.0
STEADY_S = 10.0  # a connection that lasted this long starts the backoff afresh when lost


@dataclass
class PushStats:
    connects: int = 0
    frames_sent: int = 0  # handed to the connection
    frames_dropped: int = 0  # the queue overflowed while not connected (or too slow)
    bytes_lost: int = 0  # written to a connection that broke before it took them


class BeastPush:
    def __init__(self, spec: PushSpec, warn: Callable[[str], None],
                 limit_bytes: int = QUEUE_BYTES) -> None:
        self.spec = spec
        self.name = f"Beast push to {where(spec.host, spec.port)}"
        self.warn = warn
        self.limit_bytes = limit_bytes
        self.stats = PushStats()
        self.connected = False
        self._queue: deque[tuple[bytes, int]] = deque()  # (records, frames in them)
        self._queued_bytes = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._network: NetworkThread | None = None
        self._said_overflow = False

    def start(self, network: NetworkThread) -> None:
        self._network = network
        network.run(self._start(), CLOSE_TIMEOUT_S)

    def send(self, data: bytes, frames: int) -> None:
        """Queue `frames` Beast records; returns at once (any thread)."""
        if data and self._network is not None:
            self._network.call(self._enqueue, data, frames)

    def close(self, wait_s: float = FLUSH_WAIT_S) -> None:
        """Give the queue `wait_s` to go out, stop, and say what was not sent."""
        if self._network is None or not self._network.running:
            return
        unsent_frames, unsent_bytes, connected = self._network.run(
            self._finish(wait_s), wait_s + CLOSE_TIMEOUT_S)
        if unsent_frames or unsent_bytes or self.stats.frames_dropped:
            state = "connected" if connected else "not connected"
            parts = [f"{unsent_frames} frames still queued ({state})"]
            if unsent_bytes:
                parts.append(f"{unsent_bytes} bytes the peer had not taken")
            if self.stats.frames_dropped:
                parts.append(f"{self.stats.frames_dropped} frames dropped earlier "
                             "(the queue was full)")
            self.warn(f"{self.name}: could not send everything before exit: "
                      + "; ".join(parts))

    # ------------------------------------------------------------- in the loop

    async def _start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    def _enqueue(self, data: bytes, frames: int) -> None:
        self._queue.append((data, frames))
        self._queued_bytes += len(data)
        while self._queued_bytes > self.limit_bytes and len(self._queue) > 1:
            old, old_frames = self._queue.popleft()
            self._queued_bytes -= len(old)
            self.stats.frames_dropped += old_frames
            if not self._said_overflow:
                self._said_overflow = True
                self.warn(f"{self.name}: {amount(self.limit_bytes)} of frames waiting; "
                          "dropping the oldest until the peer takes them")
        assert self._wake is not None
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = FIRST_RETRY_S
        said_down = False
        while True:
            try:
                reader, writer = await asyncio.open_connection(self.spec.host, self.spec.port)
            except OSError as exc:
                if not said_down:
                    said_down = True
                    self.warn(f"{self.name}: cannot connect ({reason(exc)}); "
                              "trying again, at most every 30 s")
                await asyncio.sleep(delay)
                delay = next_retry(delay)
                continue
            if said_down:
                self.warn(f"{self.name}: connected")
            connected_at = loop.time()
            self.stats.connects += 1
            self._writer, self.connected, self._said_overflow = writer, True, False
            try:
                why = await self._pump(reader, writer)
            except OSError as exc:
                why = reason(exc)
            finally:
                self.connected, self._writer = False, None
                self.stats.bytes_lost += writer.transport.get_write_buffer_size()
                writer.transport.abort()
            self.warn(f"{self.name}: connection lost ({why}); reconnecting")
            said_down = True
            # A peer that keeps dropping us at once is not hammered: the backoff goes on.
            if loop.time() - connected_at >= STEADY_S:
                delay = FIRST_RETRY_S
            await asyncio.sleep(delay)
            delay = next_retry(delay)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        """Send what is queued as it comes, until the peer goes: why it went."""
        assert self._wake is not None
        watch = asyncio.create_task(_read_until_closed(reader))
        try:
            while True:
                while self._queue:
                    data, frames = self._queue.popleft()
                    self._queued_bytes -= len(data)
                    writer.write(data)
                    self.stats.frames_sent += frames
                    await writer.drain()  # a slow peer holds the rest in the bounded queue
                self._wake.clear()
                woken = asyncio.create_task(self._wake.wait())
                done, _ = await asyncio.wait({woken, watch}, timeout=HEARTBEAT_S,
                                             return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
                if watch in done:
                    return "closed by the peer"
                if not done:
                    writer.write(HEARTBEAT)
        finally:
            watch.cancel()

    async def _finish(self, wait_s: float) -> tuple[int, int, bool]:
        """Wait up to `wait_s` for the queue and the connection's buffer to empty; stop.
        What is left: frames queued, bytes written but not taken; whether connected."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while loop.time() < deadline and (self._queue or self._unsent_bytes()):
            await asyncio.sleep(0.02)
        unsent_frames = sum(frames for _, frames in self._queue)
        unsent_bytes, connected = self._unsent_bytes(), self.connected
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return unsent_frames, unsent_bytes, connected

    def _unsent_bytes(self) -> int:
        writer = self._writer
        return writer.transport.get_write_buffer_size() if writer is not None else 0


async def _read_until_closed(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(OSError):
        while await reader.read(READ_BYTES):
            pass  # a Beast input sends nothing we need
