"""/metrics: this run's figures in Prometheus' text format, for Grafana.

A registry of the run's own (not prometheus_client's global one, which would mix in
the process' metrics and every test's). The station thread replaces `values` as a
whole once a second; the collector reads whichever dict is current, so a scrape never
takes a lock the station waits on."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector


@dataclass(frozen=True)
class MetricValues:
    frames_by_df: dict[int, int] = field(default_factory=dict)
    messages: int = 0  # decoded by pyModeS
    undecodable: int = 0
    positions: int = 0
    rejected_positions: int = 0
    aircraft: int = 0  # tracked now
    aircraft_with_position: int = 0
    samples: int = 0
    dropped_samples: int = 0
    noise_dbfs: float | None = None  # of the last minute (or what there is of it)
    signal_dbfs: float | None = None
    peak_signal_dbfs: float | None = None
    no_data_since: float | None = None  # a live source away since then (UNIX seconds)


class RunMetrics(Collector):
    def __init__(self, network_clients: Sequence[Callable[[], int]] = (),
                 turned_away: Callable[[], tuple[int, int]] | None = None) -> None:
        """`network_clients`: each network output's count of its connected clients, read
        at each scrape (also after a replay's end, while it serves on); `turned_away`:
        the clients every port refused at a limit and dropped, so far."""
        self.network_clients = network_clients
        self.turned_away = turned_away
        self.values = MetricValues()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def text(self) -> bytes:
        return generate_latest(self.registry)

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        v = self.values  # one consistent set, whatever the station does meanwhile
        frames = CounterMetricFamily("adsbwatch_frames", "CRC-checked Mode S frames, by "
                                     "downlink format", labels=["df"])
        for df, n in sorted(v.frames_by_df.items()):
            frames.add_metric([str(df)], n)
        yield frames
        yield CounterMetricFamily("adsbwatch_messages", "Frames decoded to messages",
                                  value=v.messages)
        yield CounterMetricFamily("adsbwatch_undecodable", "Valid frames without a decoder",
                                  value=v.undecodable)
        yield CounterMetricFamily("adsbwatch_positions", "Aircraft positions decoded",
                                  value=v.positions)
        yield CounterMetricFamily("adsbwatch_rejected_positions",
                                  "Positions rejected as implausible",
                                  value=v.rejected_positions)
        yield CounterMetricFamily("adsbwatch_samples", "IQ samples processed", value=v.samples)
        yield CounterMetricFamily("adsbwatch_dropped_samples",
                                  "IQ samples lost before processing while the source was "
                                  "connected (its time away is not counted)",
                                  value=v.dropped_samples)
        yield GaugeMetricFamily("adsbwatch_aircraft", "Aircraft heard in the last 60 s",
                                value=v.aircraft)
        yield GaugeMetricFamily("adsbwatch_aircraft_with_position",
                                "Aircraft heard in the last 60 s with a known position",
                                value=v.aircraft_with_position)
        for name, text, value in (
                ("adsbwatch_noise_dbfs", "Noise floor over the last minute, dBFS",
                 v.noise_dbfs),
                ("adsbwatch_signal_dbfs", "Mean frame signal over the last minute, dBFS",
                 v.signal_dbfs),
                ("adsbwatch_peak_signal_dbfs", "Strongest frame over the last minute, dBFS",
                 v.peak_signal_dbfs)):
            if value is not None:  # unknown: left out rather than shown as 0
                yield GaugeMetricFamily(name, text, value=value)
        yield GaugeMetricFamily("adsbwatch_data_arriving",
                                "1 while the source delivers data, 0 while it is away",
                                value=0 if v.no_data_since is not None else 1)
        if v.no_data_since is not None:
            yield GaugeMetricFamily("adsbwatch_no_data_since_timestamp_seconds",
                                    "Since when (UNIX time) the source delivers no data",
                                    value=v.no_data_since)
        if self.network_clients:  # no network output: left out
            yield GaugeMetricFamily("adsbwatch_network_clients",
                                    "Clients connected to the network outputs",
                                    value=sum(count() for count in self.network_clients))
        if self.turned_away is not None:
            refused, dropped = self.turned_away()
            yield CounterMetricFamily("adsbwatch_network_clients_refused",
                                      "Connections turned away at a client limit",
                                      value=refused)
            yield CounterMetricFamily("adsbwatch_network_clients_dropped",
                                      "Clients dropped for falling behind or stalling",
                                      value=dropped)
