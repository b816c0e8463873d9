"""A TCP server that sends one byte stream to every client connected (Beast, AVR, SBS).

It lives on the run's network loop. The station's thread hands each batch's bytes over
with `send` and goes on at once; in the loop they are written to each client's
transport, which sends what the socket takes and keeps the rest. A client whose backlog
would pass `limit_bytes` has stopped reading or cannot keep up: it is dropped (counted,
one warning line) and the others go on. When nothing went out for `heartbeat_s`, the
format's heartbeat is sent, so that readers which time out on silence stay connected."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass

from adsbwatch.receiver.addresses import where
from adsbwatch.receiver.core.network import NetworkThread
from adsbwatch.receiver.errors import RuntimeFailure

CLIENT_BUFFER_BYTES = 4 << 20  # minutes of Beast at a busy site's rate, seconds in a fast replay
HEARTBEAT_S = 10.0  # pyModeS' client gives up after 30 s of silence, readsb after 120 s
HEARTBEAT_CHECK_S = 1.0
START_WAIT_S = 10.0
CLOSE_WAIT_S = 3.0  # at the end, how long clients get to take what is still queued for them
READ_BYTES = 4096


@dataclass
class ServerStats:
    """Clients over the run (for stats and metrics)."""

    accepted: int = 0
    left: int = 0  # disconnected by themselves
    dropped: int = 0  # fell `limit_bytes` behind
    bytes_queued: int = 0  # handed to clients' transports, summed over clients
    unsent_at_close: int = 0  # bytes clients had not taken when the run ended

    @property
    def connected(self) -> int:
        return self.accepted - self.left - self.dropped


def reason(exc: OSError) -> str:
    """An OSError in a few words ("address already in use"): asyncio wraps the system's
    message in its own, with the address, which the caller says better."""
    if exc.errno:
        return os.strerror(exc.errno).lower()
    return exc.strerror or str(exc) or type(exc).__name__


class _Client:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = where(str(peer[0]), int(peer[1])) if peer else "a client"


class TcpServer:
    def __init__(self, name: str, option: str, host: str, port: int, heartbeat: bytes,
                 warn: Callable[[str], None], limit_bytes: int = CLIENT_BUFFER_BYTES,
                 heartbeat_s: float = HEARTBEAT_S) -> None:
        """`name` says what it serves in messages ("Beast output"); `option` is the
        option that chose the port, named when the port cannot be had."""
        self.name = name
        self.option = option
        self.host = host
        self.port = port  # the port bound, once started (port 0 asks for any free one)
        self.heartbeat = heartbeat
        self.warn = warn
        self.limit_bytes = limit_bytes
        self.heartbeat_s = heartbeat_s
        self.stats = ServerStats()
        self._clients: dict[asyncio.StreamWriter, _Client] = {}
        self._server: asyncio.Server | None = None
        self._heartbeats: asyncio.Task[None] | None = None
        self._network: NetworkThread | None = None
        self._last_sent = 0.0

    @property
    def clients(self) -> int:
        """Clients connected now (read from any thread: a plain int)."""
        return self.stats.connected

    def start(self, network: NetworkThread) -> None:
        """Listen; a port that cannot be had is a RuntimeFailure naming the option."""
        self._network = network
        try:
            network.run(self._start(), START_WAIT_S)
        except OSError as exc:
            raise RuntimeFailure(
                f"{self.option} {self.port}: cannot listen on {where(self.host, self.port)} "
                f"({reason(exc)}); choose another port, or 0 to turn the {self.name} off"
            ) from None

    def send(self, data: bytes) -> None:
        """Queue `data` for every client; returns at once (any thread)."""
        if data and self._network is not None:
            self._network.call(self._broadcast, data)

    def close(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Stop listening; clients get `wait_s` to take what is queued for them."""
        if self._network is not None and self._network.running and self._server is not None:
            self._network.run(self._close(wait_s), wait_s + START_WAIT_S)
        if self.stats.unsent_at_close:
            self.warn(f"{self.name}: {self.stats.unsent_at_close} bytes were not taken by "
                      "clients that stopped reading before the run ended")

    # ------------------------------------------------------------- in the loop

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._last_sent = asyncio.get_running_loop().time()
        self._heartbeats = asyncio.create_task(self._beat())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = self._clients[writer] = _Client(writer)
        self.stats.accepted += 1
        try:
            while await reader.read(READ_BYTES):
                pass  # what clients send (Beast settings, say) is not for us
        except OSError:
            pass  # a reset is a client leaving too
        finally:
            if self._clients.pop(writer, None) is client:
                self.stats.left += 1
                writer.transport.abort()

    def _broadcast(self, data: bytes) -> None:
        self._last_sent = asyncio.get_running_loop().time()
        for client in list(self._clients.values()):
            transport = client.writer.transport
            if transport.is_closing():
                continue
            if transport.get_write_buffer_size() + len(data) > self.limit_bytes:
                self._drop(client)
                continue
            transport.write(data)
            self.stats.bytes_queued += len(data)

    def _drop(self, client: _Client) -> None:
        del self._clients[client.writer]
        self.stats.dropped += 1
        self.warn(f"{self.name}: client {client.peer} fell {amount(self.limit_bytes)} "
                  "behind (not reading?); dropped it, the other clients go on")
        client.writer.transport.abort()

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(HEARTBEAT_CHECK_S, self.heartbeat_s))
            if loop.time() - self._last_sent >= self.heartbeat_s:
                self._broadcast(self.heartbeat)

    async def _close(self, wait_s: float) -> None:
        assert self._server is not None
        self._server.close()
        if self._heartbeats is not None:
            self._heartbeats.cancel()
        clients = list(self._clients.values())
        for client in clients:
            client.writer.transport.close()  # after what is buffered has been sent
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while loop.time() < deadline and any(
                c.writer.transport.get_write_buffer_size() for c in clients):
            await asyncio.sleep(0.02)
        for client in clients:
            self.stats.unsent_at_close += client.writer.transport.get_write_buffer_size()
            client.writer.transport.abort()
        self.stats.left += len(self._clients)  # the ones still here: we closed on them
        self._clients.clear()


def amount(size: int) -> str:
    """A byte count as people read it: 4 MB, 1000 bytes."""
    for unit, shift in (("MB", 20), ("kB", 10)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.3g} {unit}"
    return f"{size} bytes"
