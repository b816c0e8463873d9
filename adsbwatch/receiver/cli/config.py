"""`--config FILE` and `--print-config` of the station commands (live, replay), and the
config of a run: the command line's settings over the file's over the defaults, loaded
by receiver/config (which reads the file itself, without argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from adsbwatch.receiver.cli.station_options import given_settings
from adsbwatch.receiver.config import StationConfig, config_toml, load_station_config


def add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="take options from this TOML file (keys: the long options, "
                             "e.g. stats-every = 60; a [live] or [replay] table for one "
                             "command); the command line beats the file")
    parser.add_argument("--print-config", action="store_true",
                        help="write this run's options (defaults, --config, command "
                             "line) as TOML on stdout and exit, for --config")


def config_from_args(args: argparse.Namespace) -> StationConfig:
    """The config of the run `args` ask for; a bad one is a one-line UserError."""
    file = Path(args.config) if args.config is not None else None
    return load_station_config(args.command, given_settings(args, args.command), file)


def station_handler(run: Callable[[StationConfig], int]) -> Callable[[argparse.Namespace],
                                                                     int]:
    """The handler of a station command: its config loaded (or printed, with
    --print-config), then `run` with it."""

    def handler(args: argparse.Namespace) -> int:
        config = config_from_args(args)
        if args.print_config:
            return print_config(config)
        return run(config)

    return handler


def print_config(config: StationConfig) -> int:
    from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout

    write_stdout(config_toml(config))
    flush_stdout()
    return 0
