"""`adsbwatch replay`: a recording (or stdin) through the station to its outputs.

The outputs are sinks of one fan-out: AVR lines on stdout (--raw), and the decoding
pipeline (the aircraft table, sightings, the store) unless --raw is given alone. Either
may go (a reader closing stdout, a failed output) while the others go on."""

from __future__ import annotations

import argparse

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.cli.network import add_network_options
from adsbwatch.receiver.cli.running import run_outputs
from adsbwatch.receiver.cli.station_options import add_station_options
from adsbwatch.receiver.rates import parse_rate
from adsbwatch.receiver.ui.options import add_interactive_option


def cmd_replay(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.sources.resolve import recording_source

    rate = parse_rate(args.rate) if args.rate is not None else None
    return run_outputs(args, recording_source(args.file, args.format, rate))


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = sub.add_parser(
        "replay", help="decode a recorded IQ file (or - for stdin): aircraft, sightings, store")
    replay.add_argument("file", help="IQ recording, a SigMF .sigmf-meta/.sigmf-data, or -")
    replay.add_argument("--format", choices=sorted(FORMATS),
                        help="sample format (default: from SigMF or extension, else cu8)")
    replay.add_argument("--rate", help="sample rate, e.g. 2.4M or 2000000 "
                                       "(default: from SigMF, else 2.4M)")
    replay.add_argument("--start-time", metavar="WHEN",
                        help="when the recording began, e.g. 2026-11-24T10:00Z (default: "
                             "SigMF core:datetime, else the file's modification time "
                             "less its length)")
    replay.add_argument("--throttle", action="store_true",
                        help="play the recording in real time (as dump1090's --throttle), "
                             "for network clients and the map to follow it")
    add_station_options(replay)
    add_network_options(replay)
    add_interactive_option(replay)
    replay.set_defaults(handler=cmd_replay)
