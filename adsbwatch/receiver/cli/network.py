"""The network side of a station command, wired: each part's sinks.

Each part owns its module: `net_outputs` (Beast, AVR and SBS servers, push
connectors), `http_options` (aircraft.json and friends, /metrics, the web map); their
options are settings of receiver/config. Network inputs are sources, chosen in `live`.
They share one NetworkThread, started only when a part asks for it and stopped after
every sink has closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adsbwatch.receiver.cli import http_options, net_outputs
from adsbwatch.receiver.cli.output_context import OutputContext

if TYPE_CHECKING:
    from adsbwatch.receiver.station.fanout import Sink
    from adsbwatch.receiver.station.signals import StopSignals

__all__ = ["OutputContext", "after_station", "network_sinks"]


def network_sinks(context: OutputContext) -> list[Sink]:
    """The sinks of every network output asked for (none: an empty list)."""
    sinks: list[Sink] = [*net_outputs.sinks(context), *http_options.sinks(context)]
    return sinks


def after_station(context: OutputContext, signals: StopSignals) -> None:
    """The source ended by itself: what outputs do before the run closes (a replay
    with --http keeps serving until Ctrl-C)."""
    for hook in context.when_source_ends:
        hook(signals)
