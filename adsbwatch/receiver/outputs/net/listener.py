"""A listening port of the run's network loop, shared by the stream servers and HTTP: it
accepts connections itself, within the run's ClientLimits, and hands each one to a
protocol.

Not asyncio's own accept loop: out of open files, that one reports the error and then
goes on accepting in the same loop, each failure scheduling one more retry, so the
retries multiply into a storm of tracebacks at half a core (seen at 2.9 MB/s of stderr).
Here a failed accept pauses this port for ACCEPT_PAUSE_S and says so in one line, at most
every 30 s; a client over a limit is accepted, told (`refusal_reply`) and closed, counted,
with one such line."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
from collections.abc import Callable

from adsbwatch.receiver.addresses import where
from adsbwatch.receiver.core.lines import RateLimitedLine
from adsbwatch.receiver.outputs.net.limits import ClientLimits

BACKLOG = 512  # connections the kernel keeps waiting (no file of ours until accepted)
BURST = 100  # accepted in one turn of the loop, as asyncio's own loop does
ACCEPT_PAUSE_S = 1.0
# A client that went before it was accepted: nothing to say or wait for.
GONE_BEFORE_ACCEPT = {errno.ECONNABORTED, errno.EPROTO, errno.EINTR}

Gone = Callable[[], None]  # a protocol calls it once, when its connection is lost


def peer_name(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return where(str(address[0]), int(address[1]))
    return "a client"


class Listener:
    def __init__(self, name: str, limits: ClientLimits, warn: Callable[[str], None],
                 streaming: bool = False, refusal_reply: bytes = b"") -> None:
        """`name` says what it serves in lines ("Beast output"); `streaming`: its clients
        share the limits' byte budget."""
        self.name = name
        self.limits = limits
        self.streaming = streaming
        self.refusal_reply = refusal_reply
        self.refused = 0
        self.accept_failures = 0
        self._refusals = RateLimitedLine(warn)
        self._failures = RateLimitedLine(warn)
        self._sockets: list[socket.socket] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._connecting: set[asyncio.Task[None]] = set()  # kept: the loop holds tasks weakly
        limits.add_port(name)

    async def listen(self, host: str, port: int,
                     protocol: Callable[[Gone], asyncio.BaseProtocol]) -> int:
        """Bind every address `host` names and accept from now on; the port bound.
        An address that cannot be had raises OSError."""
        self._sockets = await bound_sockets(host, port)
        for sock in self._sockets:
            self._tasks.append(asyncio.create_task(self._accept(sock, protocol)))
        return int(self._sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop accepting (the connections made are their protocols' to close)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sock in self._sockets:
            sock.close()
        self._tasks, self._sockets = [], []

    async def _accept(self, sock: socket.socket,
                      protocol: Callable[[Gone], asyncio.BaseProtocol]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, address = await loop.sock_accept(sock)
                self._take(loop, conn, peer_name(address), protocol)
                # Then what else waits in the backlog, without a loop turn for each: a
                # burst of 400 clients must not overflow the kernel's queue.
                for _ in range(BURST):
                    conn, address = sock.accept()
                    self._take(loop, conn, peer_name(address), protocol)
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno in GONE_BEFORE_ACCEPT:
                    continue
                self.accept_failures += 1
                self._failures(f"{self.name}: cannot accept clients "
                               f"({reason(exc)}); trying again every {ACCEPT_PAUSE_S:g} s "
                               "(raise LimitNOFILE or lower --max-clients)")
                await asyncio.sleep(ACCEPT_PAUSE_S)

    def _take(self, loop: asyncio.AbstractEventLoop, conn: socket.socket, peer: str,
              protocol: Callable[[Gone], asyncio.BaseProtocol]) -> None:
        why = self.limits.refusal(self.name)
        if why is not None:
            self.refused += 1
            self.limits.refused += 1
            self._refusals(f"{self.name}: refused a client from {peer}: {why}")
            with contextlib.suppress(OSError):
                conn.setblocking(False)
                conn.send(self.refusal_reply)  # what fits at once; the client may be gone
            conn.close()
            return
        self.limits.joined(self.name, self.streaming)
        left = False

        def gone() -> None:
            nonlocal left
            if not left:
                left = True
                self.limits.left(self.name, self.streaming)

        self._connecting.add(loop.create_task(self._connect(loop, conn, peer, gone, protocol)))

    async def _connect(self, loop: asyncio.AbstractEventLoop, conn: socket.socket, peer: str,
                       gone: Gone, protocol: Callable[[Gone], asyncio.BaseProtocol]) -> None:
        try:
            # Keepalive: a client whose host vanished is found out and its file freed.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            await loop.connect_accepted_socket(lambda: protocol(gone), conn)
        except OSError:
            gone()  # it went already: it never was a client
            conn.close()
        except Exception as exc:  # one client's failure must not end the port's accepting
            gone()
            conn.close()
            self._failures(f"{self.name}: could not take a client from {peer} "
                           f"({type(exc).__name__}: {exc})")
        finally:
            self._connecting.discard(asyncio.current_task())  # type: ignore[arg-type]


async def bound_sockets(host: str, port: int) -> list[socket.socket]:
    """A listening, non-blocking socket for each address `host` names (as asyncio's
    start_server binds them: IPv6 ones IPv6 only), all on one port (port 0: the first
    one's free port)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(
                (i[0], i[1], i[2], "", i[4]) for i in infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # the same free port on every address
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def reason(exc: OSError) -> str:
    """An OSError in a few words ("address already in use"): asyncio wraps the system's
    message in its own, with the address, which the caller says better."""
    if exc.errno:
        return os.strerror(exc.errno).lower()
    return exc.strerror or str(exc) or type(exc).__name__
