"""The network outputs of a run, built from its configuration: the Beast, AVR and SBS
servers, the push connectors, and the HTTP side (dump1090-fa's JSON, /metrics, the web
map). They share one NetworkThread, started only when a part asks for it and stopped
after every consumer has closed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.defaults import MAX_CLIENTS
from adsbwatch.receiver.errors import UserError

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.receiver.config.model import OutputsConfig
    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.outputs.http.json_sink import JsonOutput
    from adsbwatch.receiver.outputs.http.service import HttpService
    from adsbwatch.receiver.outputs.net.limits import ClientLimits
    from adsbwatch.receiver.station.station import Station

WEB_EXTRA = "pip install 'adsbwatch[web]'"
# config name -> (the option, what it serves), as messages name them
SERVERS = {"beast_port": ("--beast-port", "Beast output"),
           "avr_port": ("--avr-port", "AVR output"),
           "sbs_port": ("--sbs-port", "SBS output")}


@dataclass
class NetworkOutputs:
    """What the network side of a run made: its consumers and what the run needs after."""

    consumers: list[Consumer] = field(default_factory=list)
    json: JsonOutput | None = None
    http: HttpService | None = None
    client_counts: list[Callable[[], int]] = field(default_factory=list)
    warn: Callable[[str], None] = warn_on_stderr
    max_clients: int = MAX_CLIENTS  # per port
    _network: NetworkThread | None = None
    _limits: ClientLimits | None = None

    @property
    def network(self) -> NetworkThread:
        """The run's network thread, started on first use."""
        if self._network is None:
            from adsbwatch.receiver.core.network import NetworkThread

            self._network = NetworkThread(warn=self.warn)
        return self._network

    @property
    def limits(self) -> ClientLimits:
        """The clients every server of the run takes together, made on first use."""
        if self._limits is None:
            from adsbwatch.receiver.outputs.net.limits import ClientLimits

            self._limits = ClientLimits(self.max_clients)
        return self._limits

    def stop(self) -> None:
        """Stop the network thread, if one was started (every consumer has closed)."""
        if self._network is not None:
            self._network.stop()


def check_web_extra(option: str = "--http") -> None:
    """A one-line error (exit 2) when the `web` extra is not installed."""
    try:
        import aiohttp  # noqa: F401
        import prometheus_client  # noqa: F401
    except ImportError as exc:
        raise UserError(f"{option} needs {exc.name}, which is not installed: "
                        f"{WEB_EXTRA}") from None


def network_outputs(config: OutputsConfig, station: Station, watchlist: Watchlist | None,
                    db_path: str | None, warn: Callable[[str], None]) -> NetworkOutputs:
    """Start the servers, connectors and the HTTP side asked for (a port that cannot be
    had is a one-line error before the station runs) and return their consumers."""
    made = NetworkOutputs(warn=warn, max_clients=config.max_clients)
    try:
        _servers(config, station, made, warn)
        _pushes(config, made, warn)
        _http(config, station, watchlist, db_path, made, warn)
    except BaseException:
        for consumer in made.consumers:  # free the ports already had before the error
            server = getattr(consumer, "server", None)
            if server is not None:
                server.close(0.0)
        made.stop()
        raise
    return made


def _servers(config: OutputsConfig, station: Station, made: NetworkOutputs,
             warn: Callable[[str], None]) -> None:
    if not config.servers:
        return
    from adsbwatch.receiver.outputs.avr import AVR_HEARTBEAT, avr_text
    from adsbwatch.receiver.outputs.net.beast import HEARTBEAT, beast_bytes
    from adsbwatch.receiver.outputs.net.sbs import SBS_HEARTBEAT
    from adsbwatch.receiver.outputs.net.server import TcpServer
    from adsbwatch.receiver.outputs.net.sinks import FramesOutput, SbsOutput

    heartbeats = {"beast_port": HEARTBEAT, "avr_port": AVR_HEARTBEAT,
                  "sbs_port": SBS_HEARTBEAT}
    opened = []
    for name, port in config.servers.items():
        option, what = SERVERS[name]
        server = TcpServer(what, option, config.net_bind, port, heartbeats[name], warn,
                           limits=made.limits)
        server.start(made.network)
        opened.append(f"{what.split()[0]} {server.port}")
        made.client_counts.append(lambda server=server: server.clients)
        if name == "beast_port":
            made.consumers.append(FramesOutput(server, beast_bytes))
        elif name == "avr_port":
            stamped = config.avr_timestamps
            made.consumers.append(FramesOutput(
                server, lambda batch, s=stamped: avr_text(batch, s).encode("ascii")))
        else:
            if station.pipeline is None:
                raise UserError("the SBS output needs the decoding stage")
            made.consumers.append(SbsOutput(server))
    if not config.quiet:  # which ports a client (tar1090, VRS, dump1090) connects to
        print(f"adsbwatch: listening on {config.net_bind}: {', '.join(opened)}",
              file=sys.stderr, flush=True)


def _pushes(config: OutputsConfig, made: NetworkOutputs, warn: Callable[[str], None]) -> None:
    if not config.net_push:
        return
    from adsbwatch.receiver.outputs.net.push import BeastPush
    from adsbwatch.receiver.outputs.net.sinks import PushOutput

    for spec in config.net_push:
        push = BeastPush(spec, warn)
        push.start(made.network)
        made.consumers.append(PushOutput(push))


def _http(config: OutputsConfig, station: Station, watchlist: Watchlist | None,
          db_path: str | None, made: NetworkOutputs, warn: Callable[[str], None]) -> None:
    if config.http_port is None and config.write_json is None:
        return
    if station.pipeline is None:
        raise UserError("--http and --write-json need the decoding stage")
    from adsbwatch.receiver.outputs.http.files import check_json_dir
    from adsbwatch.receiver.outputs.http.json_sink import JsonOutput

    write_dir = check_json_dir(str(config.write_json)) if config.write_json else None
    metrics = None
    if config.http_port is not None:
        check_web_extra()
        from adsbwatch.receiver.outputs.http.metrics import RunMetrics

        limits = made.limits
        metrics = RunMetrics(made.client_counts,
                             turned_away=lambda: (limits.refused, limits.dropped))
    made.json = JsonOutput(station, write_dir=write_dir, warn=warn, metrics=metrics)
    made.consumers.append(made.json)
    if config.http_port is None:
        return
    from adsbwatch.receiver.outputs.http.app import make_app
    from adsbwatch.receiver.outputs.http.service import HttpService

    app = make_app(made.json.published, metrics, db_path=db_path, receiver=station.receiver,
                   tiles=config.map_tiles, watchlist=watchlist,
                   info_of=station.pipeline.tracker.info_of)
    made.http = HttpService(made.network, app, config.net_bind, config.http_port,
                            limits=made.limits, hosts=config.http_hosts, warn=warn)
    made.json.on_close = made.http.stop
    if station.info.live and not config.quiet:
        print(f"adsbwatch: serving {made.http.url}", file=sys.stderr, flush=True)
