"""`adsbwatch live`: a dongle (pyrtlsdr) or an rtl_tcp server through the station, with
every output of `replay`, until Ctrl-C or SIGTERM; with --net-connect the frames of other
decoders instead of a dongle's (no dongle needed) or merged with them."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.cli.config import add_config_options, station_handler
from adsbwatch.receiver.cli.station_options import add_station_options
from adsbwatch.receiver.config import StationConfig


def cmd_live(config: StationConfig) -> int:
    from adsbwatch.receiver.assembly.build import build_station
    from adsbwatch.receiver.assembly.running import run_built

    return run_built(build_station(config))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    live = sub.add_parser(
        "live", help="receive from an RTL-SDR dongle (or an rtl_tcp server, or other "
                     "decoders with --net-connect): aircraft, sightings, store")
    add_station_options(live, "live")
    add_config_options(live)
    live.set_defaults(handler=station_handler(cmd_live))
