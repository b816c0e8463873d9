"""The --interactive option: argparse only, so `--help` starts without rich or textual."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.errors import UserError


def add_interactive_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interactive", action="store_true",
                        help="a sortable, scrollable aircraft table, watched ones highlighted "
                             "(needs textual: pip install 'adsbwatch[tui]'); q quits")


def check_interactive_args(args: argparse.Namespace) -> None:
    """--interactive takes the terminal: stdout cannot also carry --raw's AVR lines."""
    if getattr(args, "interactive", False) and args.raw:
        raise UserError("--interactive shows the aircraft on the terminal: leave out --raw "
                        "(its AVR lines need stdout)")
