"""The HTTP server of a station run, started and stopped from the station's thread on
the run's NetworkThread."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.http.app import start_http, stop_http

if TYPE_CHECKING:
    from aiohttp import web

    from adsbwatch.receiver.core.network import NetworkThread

START_WAIT_S = 10.0
STOP_WAIT_S = 5.0


class HttpService:
    def __init__(self, network: NetworkThread, app: web.Application, host: str,
                 port: int) -> None:
        """Listen on host:port now: a port in use is a one-line error at the start."""
        self.network = network
        self.host = host
        try:
            self._runner, self.port = network.run(start_http(app, host, port), START_WAIT_S)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise RuntimeFailure(f"--http {port}: cannot listen on {host}:{port} "
                                 f"({reason}); choose another port") from None
        self._stopped = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        if self._stopped or not self.network.running:
            return
        self._stopped = True
        self.network.run(stop_http(self._runner), STOP_WAIT_S)
