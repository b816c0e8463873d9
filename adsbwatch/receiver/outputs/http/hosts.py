"""The names the HTTP server answers to, against DNS rebinding: a page of evil.example,
its name then resolved to this machine's address, could read /api/* and /data/* from a
browser on the home network; its requests carry `Host: evil.example`. So a request is
answered only when its Host is an IP address (a page of an address is that address's
own origin), localhost, this machine's name (NAME and NAME.local), or a name the user
added (--http-host; `*` turns the check off, e.g. behind a proxy that sets its own).
Others get 421 and a short text, and one line at most every 30 s says so."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from adsbwatch.receiver.core.lines import RateLimitedLine

ANY_HOST = "*"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def host_name(header: str) -> str | None:
    """The name of a Host header without its port, lower case, no final dot (None: not
    a host name at all)."""
    text = header.strip().lower()
    if text.startswith("["):  # [v6] or [v6]:port
        name, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest[1:].isdigit()) or (rest and rest[0] != ":"):
            return None
        return name
    name, _, port = text.partition(":")
    if port and not port.isdigit():
        return None
    return name.rstrip(".") or None


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def machine_names() -> set[str]:
    """This machine's name as a LAN knows it (no DNS lookup: that could hang)."""
    name = socket.gethostname().lower().rstrip(".")
    return {name, name.split(".")[0] + ".local"} if name else set()


class AllowedHosts:
    def __init__(self, bound: str, added: Iterable[str] = (),
                 warn: Callable[[str], None] | None = None) -> None:
        added = [name.lower().rstrip(".") for name in added]
        self.any = ANY_HOST in added
        self.names = {"localhost", bound.lower(), *machine_names(), *added}
        self._refused = RateLimitedLine(warn) if warn is not None else None

    def allows(self, header: str | None) -> bool:
        if self.any or header is None:  # no Host at all: HTTP/1.0, never a browser's
            return True
        name = host_name(header)
        if name is None:
            return False
        return is_address(name) or name in self.names or name.endswith(".localhost")

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Host")
        if self.allows(header):
            return await handler(request)
        shown = (header or "")[:80]
        if self._refused is not None:
            self._refused(f"HTTP: refused a request for {shown!r} from {request.remote}: not "
                          "a name of this server (--http-host NAME adds one)")
        return web.Response(status=421, text=f"adsbwatch does not answer to {shown!r} here; "
                            "its --http-host setting names the hosts it does\n")
