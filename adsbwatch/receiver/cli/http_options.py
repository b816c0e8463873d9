"""Options and sinks of the HTTP side: dump1090-fa's JSON, /metrics, the web map."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.output_context import OutputContext
    from adsbwatch.receiver.station.fanout import Sink
    from adsbwatch.receiver.station.signals import StopSignals


def add_options(parser: argparse.ArgumentParser) -> None:
    pass


def needs_decoding(args: argparse.Namespace) -> bool:
    return False


def sinks(context: OutputContext) -> list[Sink]:
    return []


def after_station(context: OutputContext, signals: StopSignals) -> None:
    pass
