"""`adsbwatch live`: a dongle (pyrtlsdr) or an rtl_tcp server through the station, with
every output of `replay`, until Ctrl-C or SIGTERM; with --net-connect the frames of other
decoders instead of a dongle's (no dongle needed) or merged with them."""

from __future__ import annotations

import argparse
from typing import Any

from adsbwatch.receiver.cli.config import add_config_options, station_handler
from adsbwatch.receiver.cli.namespace import station_namespace
from adsbwatch.receiver.cli.running import run_outputs
from adsbwatch.receiver.cli.station_options import add_station_options, warn
from adsbwatch.receiver.config import LiveSourceConfig, StationConfig


def live_source(config: StationConfig) -> Any:
    """The source `config` names: a dongle, an rtl_tcp server, other decoders' frames,
    or a dongle's and the peers' merged into one stream."""
    live = config.source
    assert isinstance(live, LiveSourceConfig)
    source: Any = None
    if live.rtl_tcp is not None:
        from adsbwatch.receiver.sources.rtltcp import RtlTcpSource

        host, port = live.rtl_tcp
        source = RtlTcpSource(host, port, live.rate, live.tuner, warn, reconnect=live.reopen)
    elif live.reads_iq:
        from adsbwatch.receiver.sources.rtlsdr import RtlSdrSource

        source = RtlSdrSource(live.dongle, live.rate, live.tuner, warn, reopen=live.reopen)
    if live.net_connect:
        from adsbwatch.receiver.sources.net.source import NetFrameSource

        source = NetFrameSource(live.net_connect, warn, reconnect=live.reopen, iq=source,
                                fix=config.fix)
    return source


def cmd_live(config: StationConfig) -> int:
    source = live_source(config)
    from adsbwatch.receiver.station.run import StationTotals

    totals = StationTotals()
    sinks = []
    if config.view.stats_every_s > 0:
        from adsbwatch.receiver.station.stats import StatsSink

        sinks.append(StatsSink(source, config.view.stats_every_s, totals=totals))
    # TODO(lead): builder takes StationConfig
    return run_outputs(station_namespace(config), source, sinks, totals)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    live = sub.add_parser(
        "live", help="receive from an RTL-SDR dongle (or an rtl_tcp server, or other "
                     "decoders with --net-connect): aircraft, sightings, store")
    add_station_options(live, "live")
    add_config_options(live)
    live.set_defaults(handler=station_handler(cmd_live))
