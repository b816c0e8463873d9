"""The live stats line: every `--stats-every` seconds of wall time, one line on stderr
saying how the receiver is doing since the line before.

    adsbwatch: 2.40 MS/s, 412 frames (DF17 280, DF11 90, DF4 42), 14 aircraft,
    noise -32.1 dBFS, peak -3.0 dBFS, strong 0.01%, gain 49.6 dB, dropped 0 (0 total),
    demod CPU 6%

(one line in fact). A sink like any output: it sees each batch, counts with numpy (no
loop per frame), and writes when the time has come; the station hands it an empty batch
at least every second, so a stalled source still gets its lines. Aircraft are the
distinct addresses of DF11/17/18 frames (CRC-checked: their address is their own) of
the last minute, counted here from the batches, not by the decoding pipeline, so the
line needs no decoding. Writing never fails the station: a closed stderr loses the
line, nothing more.
"""

from __future__ import annotations

import collections
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch

if TYPE_CHECKING:
    from adsbwatch.receiver.sources.base import IQSource
    from adsbwatch.receiver.station.run import StationTotals

AIRCRAFT_S = 60.0  # an aircraft counts while one of its frames is this recent
ADDRESSED_DFS = np.array([11, 17, 18])  # formats whose address field is the sender's


class StatsSink:
    name = "stats line"

    def __init__(self, source: IQSource, every_s: float,
                 clock: Callable[[], float] = time.monotonic, out: TextIO | None = None,
                 totals: StationTotals | None = None) -> None:
        self.source = source
        self.every_s = every_s
        self.clock = clock
        self.out = out  # None: sys.stderr as it is when a line is written
        self.totals = totals  # the station's, for the demodulator's CPU; None: not shown
        self._since: float | None = None  # when the interval began (the first batch)
        self._samples = self._dropped = self._strong = 0
        self._cpu_s = 0.0
        self._by_df = np.zeros(32, dtype=np.int64)
        self._peak = 0.0  # the strongest frame's level (full scale 1); 0: no frame
        self._noises: list[float] = []  # each batch's noise floor, when known
        self._heard: collections.deque[tuple[float, np.ndarray]] = collections.deque()

    def on_batch(self, batch: FrameBatch) -> None:
        now = self.clock()
        if self._since is None:
            self._start_interval(now)
        if len(batch):
            dfs = batch.msg[:, 0] >> 3
            self._by_df += np.bincount(dfs, minlength=32)
            known = batch.known_level
            if known.size:
                self._peak = max(self._peak, float(known.max()))
            addressed = batch.msg[np.isin(dfs, ADDRESSED_DFS), 1:4].astype(np.uint32)
            if addressed.size:
                addresses = addressed[:, 0] << 16 | addressed[:, 1] << 8 | addressed[:, 2]
                self._heard.append((now, np.unique(addresses)))
        if batch.noise > 0:
            self._noises.append(batch.noise)
        while self._heard and self._heard[0][0] < now - AIRCRAFT_S:
            self._heard.popleft()
        if now - self._since >= self.every_s:  # type: ignore[operator]
            self._write(self.line(now))
            self._start_interval(now)

    def close(self) -> None:
        """Nothing pending: the closing summary says what the whole run did."""

    def line(self, now: float) -> str:
        """The stats of the interval that began at the last line (or the first batch)."""
        totals = self.source.totals
        elapsed = max(now - (self._since or now), 1e-9)
        samples = totals.samples - self._samples
        dropped = totals.dropped_samples - self._dropped
        strong = totals.strong_samples - self._strong
        # A frame source (other decoders' frames) says its frames per peer instead.
        per_peer = getattr(self.source, "stats_parts", None)
        if per_peer is not None:
            return "adsbwatch: " + ", ".join([
                *per_peer(elapsed), self._frames_text(), f"{self._aircraft()} aircraft",
                f"peak {_dbfs(self._peak) if self._peak > 0 else '?'}"])
        parts = [
            f"{samples / elapsed / 1e6:.2f} MS/s",
            self._frames_text(),
            f"{self._aircraft()} aircraft",
            f"noise {_dbfs(float(np.median(self._noises))) if self._noises else '?'}",
            f"peak {_dbfs(self._peak) if self._peak > 0 else '?'}",
            f"strong {100 * strong / samples:.2f}%" if samples > 0 else "strong ?",
            f"gain {_gain_text(getattr(self.source, 'gain_db', None))}",
            f"dropped {dropped} ({totals.dropped_samples} total)",
        ]
        if self.totals is not None:
            cpu = (self.totals.demod_cpu_s - self._cpu_s) / elapsed
            parts.append(f"demod CPU {100 * cpu:.0f}%")
        else:
            parts.append("demod CPU ?")
        return "adsbwatch: " + ", ".join(parts)

    def _frames_text(self) -> str:
        total = int(self._by_df.sum())
        if total == 0:
            return "0 frames"
        present = np.flatnonzero(self._by_df)
        # Most frequent first; equal counts by format number.
        order = present[np.lexsort((present, -self._by_df[present]))]
        by_df = ", ".join(f"DF{df} {self._by_df[df]}" for df in order)
        return f"{total} frame{'s' if total != 1 else ''} ({by_df})"

    def _aircraft(self) -> int:
        if not self._heard:
            return 0
        return int(np.unique(np.concatenate([a for _, a in self._heard])).size)

    def _start_interval(self, now: float) -> None:
        totals = self.source.totals
        self._since = now
        self._samples = totals.samples
        self._dropped = totals.dropped_samples
        self._strong = totals.strong_samples
        self._cpu_s = self.totals.demod_cpu_s if self.totals is not None else 0.0
        self._by_df[:] = 0
        self._peak = 0.0
        self._noises.clear()

    def _write(self, text: str) -> None:
        out = self.out if self.out is not None else sys.stderr
        try:
            out.write(text + "\n")
            out.flush()
        except (OSError, ValueError, AttributeError):
            pass  # stderr closed or gone: the line is lost, the station goes on


def _dbfs(level: float) -> str:
    return f"{20 * math.log10(level):.1f} dBFS"


def _gain_text(gain: object) -> str:
    if isinstance(gain, int | float) and math.isfinite(gain):
        return f"{gain:.1f} dB"
    return "?"
