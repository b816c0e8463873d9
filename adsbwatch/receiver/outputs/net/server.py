"""A TCP server that sends one byte stream to every client connected (Beast, AVR, SBS).

It lives on the run's network loop. The station's thread hands each batch's bytes over
with `send` and goes on at once; in the loop they are written to each client's
transport, which sends what the socket takes and keeps the rest. A client is dropped
(counted, one line at most every 30 s) when what waits for it would pass its share of
the run's budget (`ClientLimits.share`, at most `limit_bytes`), or when it took nothing
of what waits for it for STALL_S: it has stopped reading or cannot keep up, and the
others go on. When nothing went out for `heartbeat_s`, the format's heartbeat is sent,
so that readers which time out on silence stay connected. How many clients it takes is
its Listener's business."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from adsbwatch.receiver.addresses import where
from adsbwatch.receiver.core.lines import RateLimitedLine
from adsbwatch.receiver.core.network import NetworkThread
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.net.limits import CLIENT_BUFFER_BYTES, ClientLimits
from adsbwatch.receiver.outputs.net.listener import Gone, Listener, peer_name, reason

HEARTBEAT_S = 10.0  # pyModeS' client gives up after 30 s of silence, readsb after 120 s
HEARTBEAT_CHECK_S = 1.0
START_WAIT_S = 10.0
CLOSE_WAIT_S = 3.0  # at the end, how long clients get to take what is still queued for them
READ_BYTES = 4096  # what the push connector reads of its peer at a time
STALL_S = 60.0  # a client that took nothing of what waits for it this long is dropped

__all__ = ["READ_BYTES", "HEARTBEAT_S", "ServerStats", "TcpServer", "amount", "reason"]


@dataclass
class ServerStats:
    """Clients over the run (for stats and metrics)."""

    accepted: int = 0
    left: int = 0  # disconnected by themselves
    dropped: int = 0  # over their share, or stalled
    bytes_queued: int = 0  # handed to clients' transports, summed over clients
    unsent_at_close: int = 0  # bytes clients had not taken when the run ended

    @property
    def connected(self) -> int:
        return self.accepted - self.left - self.dropped


class _Client(asyncio.Protocol):
    """One connection; what it sends (Beast settings, say) is not for us."""

    def __init__(self, server: TcpServer, gone: Gone) -> None:
        self.server = server
        self.gone = gone
        self.transport: asyncio.Transport | None = None
        self.peer = "a client"
        self.queued = 0  # bytes handed to its transport
        self.taken = 0  # of those, what the socket took by the last check
        self.taken_at = 0.0  # when it last took something, or had nothing waiting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = peer_name(transport.get_extra_info("peername"))
        self.taken_at = asyncio.get_running_loop().time()
        self.server._joined(self)

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool:
        return False  # the client is done: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._left(self)
        self.gone()

    @property
    def waiting(self) -> int:
        assert self.transport is not None
        return self.transport.get_write_buffer_size()


class TcpServer:
    def __init__(self, name: str, option: str, host: str, port: int, heartbeat: bytes,
                 warn: Callable[[str], None], limit_bytes: int = CLIENT_BUFFER_BYTES,
                 heartbeat_s: float = HEARTBEAT_S, limits: ClientLimits | None = None,
                 stall_s: float = STALL_S) -> None:
        """`name` says what it serves in messages ("Beast output"); `option` is the
        option that chose the port, named when the port cannot be had; `limits`: the
        run's, which every server of the run shares (None: limits of its own)."""
        self.name = name
        self.option = option
        self.host = host
        self.port = port  # the port bound, once started (port 0 asks for any free one)
        self.heartbeat = heartbeat
        self.warn = warn
        self.limit_bytes = limit_bytes
        self.heartbeat_s = heartbeat_s
        self.stall_s = stall_s
        self.limits = limits if limits is not None else ClientLimits()
        self.listener = Listener(name, self.limits, warn, streaming=True)
        self.stats = ServerStats()
        self._clients: set[_Client] = set()
        self._drops = RateLimitedLine(warn)
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
        if self._network is not None and self._network.running and self._heartbeats:
            self._network.run(self._close(wait_s), wait_s + START_WAIT_S)
        if self.stats.unsent_at_close:
            self.warn(f"{self.name}: {self.stats.unsent_at_close} bytes were not taken by "
                      "clients that stopped reading before the run ended")

    # ------------------------------------------------------------- in the loop

    async def _start(self) -> None:
        self.port = await self.listener.listen(self.host, self.port,
                                               lambda gone: _Client(self, gone))
        self._last_sent = asyncio.get_running_loop().time()
        self._heartbeats = asyncio.create_task(self._beat())

    def _joined(self, client: _Client) -> None:
        self._clients.add(client)
        self.stats.accepted += 1

    def _left(self, client: _Client) -> None:
        if client in self._clients:  # not dropped or closed by us before
            self._clients.discard(client)
            self.stats.left += 1

    def _broadcast(self, data: bytes) -> None:
        self._last_sent = asyncio.get_running_loop().time()
        limit = min(self.limit_bytes, self.limits.share())
        for client in list(self._clients):
            if client.transport is None or client.transport.is_closing():
                continue
            if client.waiting + len(data) > limit:
                self._drop(client, f"fell {amount(limit)} behind{self._share_said(limit)} "
                                   "(not reading?)")
                continue
            client.transport.write(data)
            client.queued += len(data)
            self.stats.bytes_queued += len(data)

    def _share_said(self, limit: int) -> str:
        if limit >= self.limit_bytes:
            return ""
        return (f", its share of the {amount(self.limits.buffer_budget)} all "
                f"{self.limits.streaming} clients may hold")

    def _drop(self, client: _Client, why: str) -> None:
        self._clients.discard(client)
        self.stats.dropped += 1
        self.limits.dropped += 1
        self._drops(f"{self.name}: client {client.peer} {why}; dropped it, the other "
                    "clients go on")
        assert client.transport is not None
        client.transport.abort()

    def _check_stalls(self, now: float) -> None:
        for client in list(self._clients):
            waiting = client.waiting
            taken = client.queued - waiting
            if waiting == 0 or taken > client.taken:
                client.taken, client.taken_at = taken, now
            elif now - client.taken_at >= self.stall_s:
                self._drop(client, f"took nothing of what waits for it for "
                                   f"{self.stall_s:g} s")

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(HEARTBEAT_CHECK_S, self.heartbeat_s))
            now = loop.time()
            if now - self._last_sent >= self.heartbeat_s:
                self._broadcast(self.heartbeat)
            self._check_stalls(now)

    async def _close(self, wait_s: float) -> None:
        await self.listener.close()
        if self._heartbeats is not None:
            self._heartbeats.cancel()
        clients = [c for c in self._clients if c.transport is not None]
        for client in clients:
            client.transport.close()  # after what is buffered has been sent
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while loop.time() < deadline and any(c.waiting for c in clients):
            await asyncio.sleep(0.02)
        for client in clients:
            self.stats.unsent_at_close += client.waiting
            client.transport.abort()
        self.stats.left += len(self._clients)  # the ones still here: we closed on them
        self._clients.clear()


def amount(size: int) -> str:
    """A byte count as people read it: 4 MB, 1000 bytes."""
    for unit, shift in (("MB", 20), ("kB", 10)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.3g} {unit}"
    return f"{size} bytes"
