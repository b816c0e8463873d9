"""What a run's network outputs are built from, and the network thread they share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adsbwatch.receiver.cli.decoding import Decoding
    from adsbwatch.receiver.core.network import NetworkThread
    from adsbwatch.receiver.station.run import StationTotals
    from adsbwatch.receiver.station.signals import StopSignals


@dataclass
class OutputContext:
    """What the network outputs are built from."""

    args: argparse.Namespace
    source: Any  # an IQSource or a frame source: its `info` and `totals`
    decoding: Decoding | None
    totals: StationTotals
    warn: Callable[[str], None]
    # Each network output's count of connected clients, for /metrics.
    network_clients: list[Callable[[], int]] = field(default_factory=list)
    # What outputs do when the source ended by itself, before the run closes (given the
    # run's StopSignals): the HTTP side serves a replay's final state until Ctrl-C.
    when_source_ends: list[Callable[[StopSignals], None]] = field(default_factory=list)
    _network: NetworkThread | None = field(default=None, repr=False)

    @property
    def network(self) -> NetworkThread:
        """The run's network thread, started on first use."""
        if self._network is None:
            from adsbwatch.receiver.core.network import NetworkThread

            self._network = NetworkThread()
        return self._network

    def stop_network(self) -> None:
        """Stop the network thread, if one was started (every sink has closed)."""
        if self._network is not None:
            self._network.stop()
