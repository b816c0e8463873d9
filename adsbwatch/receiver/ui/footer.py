"""The stats line under the aircraft table: how the run is going, a view of the
station's statistics. For a live source samples per second, frames, aircraft, noise and
peak, gain, dropped samples, and since when no data arrives while it is away; for a
recording how far into it the run is; after a live source came back, how long it was
away in all (never counted as dropped); for frames from other decoders (`--net-connect`)
each peer's frames per second and whether it is connected, what was refused, copied or
dropped, in place of a sample rate it has not."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from adsbwatch.receiver.core.abilities import PeerState
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.station.stats import aircraft_present
from adsbwatch.receiver.ui.inputs import kept_out, peer_states
from adsbwatch.receiver.ui.losses import away_text
from adsbwatch.receiver.when import table_time

WINDOW_S = 10.0  # wall-clock seconds the rates are measured over


class Footer:
    """Fed each tick (`update`); `text()` is the line."""

    def __init__(self, station: Station, clock: Callable[[], float] = time.monotonic) -> None:
        self.station = station
        self.clock = clock
        self._samples: deque[tuple[float, int]] = deque()  # (time, samples so far)
        self._received: deque[tuple[float, tuple[int, ...]]] = deque()  # each peer's
        self._tick: Tick | None = None

    def update(self, tick: Tick) -> None:
        now = self.clock()
        self._tick = tick
        self._samples.append((now, self.station.totals.samples))
        peers = peer_states(self.station)
        if peers:
            self._received.append((now, tuple(p.received for p in peers)))
        for kept in (self._samples, self._received):
            while len(kept) > 1 and kept[0][0] < now - WINDOW_S:
                kept.popleft()

    @property
    def samples_per_s(self) -> float | None:
        """Over the last WINDOW_S seconds; None until two ticks have come."""
        if len(self._samples) < 2:
            return None
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else None

    def peer_rates(self) -> list[float | None]:
        if len(self._received) < 2:
            return [None] * (len(self._received[0][1]) if self._received else 0)
        (t0, n0), (t1, n1) = self._received[0], self._received[-1]
        return [(b - a) / (t1 - t0) if t1 > t0 else None for a, b in zip(n0, n1, strict=True)]

    def progress(self) -> float | None:
        """The share of a recording of known size read so far."""
        info = self.station.info
        if info.live or not info.size_bytes:
            return None
        return min(1.0, self.station.totals.bytes_read / info.size_bytes)

    def text(self) -> str:
        station, tick = self.station, self._tick
        info, totals = station.info, station.totals
        parts: list[str] = []
        if tick is not None and tick.away_since is not None:
            parts.append(f"no data since {table_time(tick.away_since)} UTC")
        peers = peer_states(station)
        if info.rate or not peers:  # samples: a recording, a dongle
            done = self.progress()
            if done is not None:
                parts.append(f"replay {done:.0%}")
            elif not info.live and info.rate:
                parts.append(f"{totals.samples / info.rate:.1f} s of signal")
            rate = self.samples_per_s
            if rate is not None and info.rate:  # a recording is read as fast as it can be
                parts.append(f"{rate / 1e6:.2f} MS/s" if info.live
                             else f"{rate / info.rate:.1f}x real time")
        if peers:
            parts += self._peer_parts(peers)
        stats = station.stats
        parts.append(f"{stats.total.frames} frames")
        tracker = station.tracker
        if tracker is not None:
            parts.append(f"{aircraft_present(tracker, stats.now)} aircraft")
        current = stats.current()
        if current.noise_dbfs is not None:
            parts.append(f"noise {current.noise_dbfs:.1f} dBFS")
        if current.peak_dbfs is not None:
            parts.append(f"peak {current.peak_dbfs:.1f} dBFS")
        gain = station.gain_db()
        if gain is not None:
            parts.append(f"gain {gain:.1f} dB")
        if info.live and info.rate:
            parts.append(f"dropped {totals.dropped_samples} samples")
            away = away_text(totals.away_samples, totals.reconnects, info.rate)
            if away is not None:
                parts.append(away)
        return " | ".join(parts)

    def _peer_parts(self, states: list[PeerState]) -> list[str]:
        parts = []
        rates = self.peer_rates() or [None] * len(states)
        for state, rate in zip(states, rates, strict=False):
            if not state.connected:
                parts.append(f"{state.name} not connected")
            elif rate is None:
                parts.append(f"{state.name} connected")
            else:
                parts.append(f"{state.name} {rate:.0f} frames/s")
        parts.append(f"{kept_out(self.station, states)} frames")
        return parts
