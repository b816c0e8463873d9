"""Options and sinks of the TCP outputs: Beast, AVR and SBS servers, push connectors."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.output_context import OutputContext
    from adsbwatch.receiver.station.fanout import Sink


def add_options(parser: argparse.ArgumentParser) -> None:
    pass


def needs_decoding(args: argparse.Namespace) -> bool:
    return False


def sinks(context: OutputContext) -> list[Sink]:
    return []
