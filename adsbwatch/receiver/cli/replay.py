"""`adsbwatch replay`: a recording (or stdin) through the station to its outputs: AVR
lines on stdout (--raw), the decoding stage (the aircraft table, sightings, the store)
unless --raw is given alone, and the network outputs asked for."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.cli.config import add_config_options, station_handler
from adsbwatch.receiver.cli.station_options import add_station_options
from adsbwatch.receiver.config import StationConfig


def cmd_replay(config: StationConfig) -> int:
    from adsbwatch.receiver.assembly.build import build_station
    from adsbwatch.receiver.assembly.running import run_built

    return run_built(build_station(config))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = sub.add_parser(
        "replay", help="decode a recorded IQ file (or - for stdin): aircraft, sightings, store")
    add_station_options(replay, "replay")
    add_config_options(replay)
    replay.set_defaults(handler=station_handler(cmd_replay))
