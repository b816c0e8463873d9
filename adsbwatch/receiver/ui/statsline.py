"""The live stats line: every `--stats-every` seconds of wall time, one line on stderr
saying how the receiver did since the line before, a view of the station's statistics.

    adsbwatch: 2.40 MS/s, 412 frames (DF17 280, DF11 90, DF4 42), 14 aircraft,
    95 positions (0 rejected), noise -32.1 dBFS, peak -3.0 dBFS, strong 0.01%,
    gain 49.6 dB, dropped 0 (0 total), away 12 s, reconnected, demod CPU 6%

(one line in fact). Frames from other decoders (`--net-connect`) are said per peer,
frames per second since the line before, with what was refused, copied or dropped so
far. While the source is away it says since when no data arrives; once it is back, how
long it was away and that it reconnected. The time away is never counted as dropped
samples (those are lost while connected).
Writing never fails the station: a closed stderr loses the line, nothing more.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.station.stats import Bucket, aircraft_present
from adsbwatch.receiver.ui.inputs import kept_out, peer_states
from adsbwatch.receiver.ui.losses import away_text
from adsbwatch.receiver.when import table_time


def frames_text(b: Bucket) -> str:
    total = b.frames
    if total == 0:
        return "0 frames"
    counts = [(int(n), df) for df, n in enumerate(b.by_df.tolist()) if n]
    counts.sort(key=lambda c: (-c[0], c[1]))  # most frequent first; ties by format
    by_df = ", ".join(f"DF{df} {n}" for n, df in counts)
    return f"{total} frame{'s' if total != 1 else ''} ({by_df})"


def _dbfs(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} dBFS"


class StatsLine:
    name = "stats line"

    def __init__(self, station: Station, every_s: float,
                 clock: Callable[[], float] = time.monotonic, out: TextIO | None = None) -> None:
        self.station = station
        self.every_s = every_s
        self.clock = clock
        self.out = out  # None: sys.stderr as it is when a line is written
        # The first line counts from the line's start (the run's, before the first
        # batch): the first batch's frames are in it too.
        self._start(clock())

    def on_tick(self, tick: Tick) -> None:
        now = self.clock()
        if now - self._since >= self.every_s:
            self._write(self.line(now, tick))
            self._start(now)

    def close(self) -> None:
        """Nothing pending: the closing summary says what the whole run did."""

    def line(self, now: float, tick: Tick) -> str:
        station = self.station
        elapsed = max(now - self._since, 1e-9)
        b = station.stats.since(self._mark)
        totals = station.totals
        parts: list[str] = []
        if tick.away_since is not None:
            parts.append(f"no data since {table_time(tick.away_since)} UTC "
                         f"({tick.wall - tick.away_since:.0f} s)")
        peers = peer_states(station)
        if station.info.rate:
            parts.append(f"{b.samples / elapsed / 1e6:.2f} MS/s")
        elif not peers:
            parts.append(f"{b.frames / elapsed:.0f} frames/s")
        if peers:
            parts += [f"{p.name} {(p.received - self._received.get(p.name, 0)) / elapsed:.0f} "
                      "frames/s" for p in peers]
            parts.append(f"{kept_out(station, peers)} (total)")
        parts.append(frames_text(b))
        tracker = station.tracker
        if tracker is not None:
            parts.append(f"{aircraft_present(tracker, tick.now)} aircraft")
            parts.append(f"{b.positions} positions ({b.rejected_positions} rejected)")
        parts += [f"noise {_dbfs(b.noise_dbfs)}", f"peak {_dbfs(b.peak_dbfs)}"]
        if station.info.rate:
            strong = totals.strong_samples - self._strong
            parts.append(f"strong {100 * strong / b.samples:.2f}%" if b.samples > 0
                         else "strong ?")
            gain = station.gain_db()
            parts.append(f"gain {'?' if gain is None else f'{gain:.1f} dB'}")
            parts.append(f"dropped {b.dropped} ({totals.dropped_samples} total)")
            away = away_text(b.away, totals.reconnects - self._reconnects,
                             station.info.rate)
            if away is not None:
                parts.append(away)
            parts.append(f"demod CPU {100 * b.demod_cpu_s / elapsed:.0f}%")
        return "adsbwatch: " + ", ".join(parts)

    def _start(self, now: float) -> None:
        self._since: float = now
        self._mark: Bucket = self.station.stats.mark()
        self._strong = self.station.totals.strong_samples
        self._reconnects = self.station.totals.reconnects
        self._received: dict[str, int] = {p.name: p.received
                                          for p in peer_states(self.station)}

    def _write(self, text: str) -> None:
        out = self.out if self.out is not None else sys.stderr
        try:
            out.write(text + "\n")
            out.flush()
        except (OSError, ValueError, AttributeError):
            pass  # stderr closed or gone: the line is lost, the station goes on
