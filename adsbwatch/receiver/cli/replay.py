"""`adsbwatch replay`: a recording (or stdin) through the station to its outputs.

The outputs are sinks of one fan-out: AVR lines on stdout (--raw), and the decoding
pipeline (the aircraft table, sightings, the store) unless --raw is given alone. Either
may go (a reader closing stdout, a failed output) while the others go on."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.cli.config import add_config_options, station_handler
from adsbwatch.receiver.cli.namespace import station_namespace
from adsbwatch.receiver.cli.running import run_outputs
from adsbwatch.receiver.cli.station_options import add_station_options
from adsbwatch.receiver.config import RecordingSourceConfig, StationConfig


def cmd_replay(config: StationConfig) -> int:
    from adsbwatch.receiver.sources.resolve import recording_source

    recording = config.source
    assert isinstance(recording, RecordingSourceConfig)
    source = recording_source(recording.path, recording.fmt, recording.rate)
    # TODO(lead): builder takes StationConfig
    return run_outputs(station_namespace(config), source)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = sub.add_parser(
        "replay", help="decode a recorded IQ file (or - for stdin): aircraft, sightings, store")
    add_station_options(replay, "replay")
    add_config_options(replay)
    replay.set_defaults(handler=station_handler(cmd_replay))
