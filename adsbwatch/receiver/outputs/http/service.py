"""The HTTP server of a station run or of `adsbwatch serve`, started and stopped from
another thread on a NetworkThread: aiohttp's application behind a Listener within the
run's ClientLimits (one reply and a close for a client over them), each connection with
its deadline (connection.py), only this server's names as Host (hosts.py), header sizes
bounded, aiohttp's log made our lines."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.http.connection import IDLE_S, RequestDeadlines
from adsbwatch.receiver.outputs.http.hosts import AllowedHosts
from adsbwatch.receiver.outputs.http.log_lines import server_logger
from adsbwatch.receiver.outputs.net.limits import ClientLimits
from adsbwatch.receiver.outputs.net.listener import Listener

if TYPE_CHECKING:
    from adsbwatch.receiver.core.network import NetworkThread

START_WAIT_S = 10.0
STOP_WAIT_S = 5.0
SHUTDOWN_S = 1.0  # what requests under way get at the end (a store read may take long)
MAX_HEADERS = 64  # a browser sends about 15; aiohttp would take 128
BUSY_BODY = b"too many connections: try again later\n"
BUSY_REPLY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
              b"Content-Length: %d\r\nRetry-After: 10\r\nConnection: close\r\n\r\n%s"
              % (len(BUSY_BODY), BUSY_BODY))


class HttpService:
    def __init__(self, network: NetworkThread, app: web.Application, host: str, port: int,
                 *, limits: ClientLimits | None = None, hosts: Sequence[str] = (),
                 warn: Callable[[str], None] = warn_on_stderr, idle_s: float = IDLE_S) -> None:
        """Listen on host:port now: a port in use is a one-line error at the start.
        `limits`: the run's, shared with its other servers (None: limits of its own);
        `hosts`: names it answers to besides its own (--http-host)."""
        self.network = network
        self.host = host
        self.deadlines = RequestDeadlines(idle_s)
        self.hosts = AllowedHosts(host, hosts, warn)
        self.listener = Listener("HTTP", limits if limits is not None else ClientLimits(),
                                 warn, refusal_reply=BUSY_REPLY)
        # The deadline around everything, then the Host check, then the routes.
        app.middlewares[0:0] = [self.deadlines.middleware, self.hosts.middleware]
        try:
            self._runner, self.port = network.run(self._start(app, port, warn), START_WAIT_S)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise RuntimeFailure(f"--http {port}: cannot listen on {host}:{port} "
                                 f"({reason}); choose another port") from None
        self._stopped = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def link_url(self) -> str:
        """The URL a message links to: on every interface (0.0.0.0, ::), this machine's
        name, which the host check lets through, not an address no browser can open."""
        if self.host in ("0.0.0.0", "::", ""):
            name = socket.gethostname() or "localhost"
            return f"http://{name}:{self.port}/"
        return self.url

    def stop(self) -> None:
        if self._stopped or not self.network.running:
            return
        self._stopped = True
        self.network.run(self._stop(), STOP_WAIT_S)

    async def _start(self, app: web.Application, port: int,
                     warn: Callable[[str], None]) -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(app, access_log=None, handle_signals=False,
                               shutdown_timeout=SHUTDOWN_S, logger=server_logger(warn),
                               keepalive_timeout=self.deadlines.idle_s,
                               max_headers=MAX_HEADERS)
        await runner.setup()
        server = runner.server
        assert server is not None
        try:
            bound = await self.listener.listen(
                self.host, port, lambda gone: self.deadlines.connection(server(), gone))
        except BaseException:
            await runner.cleanup()
            raise
        return runner, bound

    async def _stop(self) -> None:
        await self.listener.close()
        await self._runner.cleanup()
