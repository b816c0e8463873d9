"""A deadline for each HTTP connection, around aiohttp's own protocol: a connection with
no request under way is closed `idle_s` after it was made or its last request was
answered. That one rule ends a request whose headers trickle in a byte at a time
(aiohttp has no header timeout), a response the client does not take, and a keep-alive
connection left idle; 300 of those held open forever were the fault.

A request is "under way" from when it reaches the application (its headers complete)
until its handler returns: `RequestDeadlines.middleware` says so to the connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

IDLE_S = 15.0  # a page polling every second keeps its connection; a stalled one goes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpConnection(asyncio.Protocol):
    def __init__(self, inner: asyncio.Protocol, gone: Callable[[], None],
                 deadlines: RequestDeadlines) -> None:
        self.inner = inner  # aiohttp's RequestHandler
        self.gone = gone
        self.deadlines = deadlines
        self.transport: asyncio.Transport | None = None
        self.under_way = 0
        self._timer: asyncio.TimerHandle | None = None

    # --------------------------------------------------- asyncio's, passed on

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.deadlines.open[transport] = self
        self.inner.connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self.transport is not None:
            self.deadlines.open.pop(self.transport, None)
        try:
            self.inner.connection_lost(exc)
        finally:
            self.gone()

    # --------------------------------------------------- the deadline

    def started(self) -> None:
        self.under_way += 1
        self._disarm()

    def ended(self) -> None:
        self.under_way -= 1
        if not self.under_way:
            self._arm()  # the response must be taken, or the next request come, in time

    def _arm(self) -> None:
        self._disarm()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.deadlines.idle_s, self._expire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.deadlines.expired += 1
            self.transport.abort()  # close() would wait for a response nobody takes


class RequestDeadlines:
    """The open connections of one HTTP server (in the network loop's thread)."""

    def __init__(self, idle_s: float = IDLE_S) -> None:
        self.idle_s = idle_s
        self.open: dict[asyncio.BaseTransport, HttpConnection] = {}
        self.expired = 0  # connections closed by their deadline

    def connection(self, inner: asyncio.Protocol, gone: Callable[[], None]) -> HttpConnection:
        return HttpConnection(inner, gone, self)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        connection = self.open.get(request.transport) if request.transport else None
        if connection is None:
            return await handler(request)
        connection.started()
        try:
            return await handler(request)
        finally:
            connection.ended()
