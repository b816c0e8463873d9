"""The store's record of a run of the station: what it listened to, how long, with which
gain, how many samples came and were lost, where the receiver was. Updated with every
batch, committed with the store's once-a-second commit; `ended` is set whenever the
station closes its outputs (a Ctrl-C, the input's end, a failure it reported) and stays
empty after a crash or kill -9, where `last_seen` says how far the run got."""

from __future__ import annotations

import time
from collections.abc import Callable

from adsbwatch import __version__
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import IQSource
from adsbwatch.receiver.station.fanout import OutletGone
from adsbwatch.receiver.store.protocols import Recorder
from adsbwatch.receiver.store.rows import SessionRow


class SessionSink:
    name = "session record"

    def __init__(self, store: Recorder, source: IQSource,
                 clock: Callable[[], float] = time.time,
                 receiver: tuple[float, float] | None = None) -> None:
        """`receiver`: the station's (lat, lon), if known; the report's coverage plot
        measures ranges from it."""
        self.store = store
        self.source = source
        self.clock = clock
        now = clock()
        info = source.info
        self.row = SessionRow(id=int(now * 1e6), started=now, last_seen=now, source=info.name,
                              live=info.live, rate=info.rate, version=__version__)
        if receiver is not None:
            self.row.lat, self.row.lon = receiver
        self._update()

    def on_batch(self, batch: FrameBatch) -> None:
        if self.store.closed:  # the decoding sink failed and closed it: nothing to serve
            raise OutletGone
        self.row.frames += len(batch)
        self._update()

    def close(self) -> None:
        if not self.store.closed:
            self.row.ended = self.clock()
            self._update()

    def _update(self) -> None:
        totals = self.source.totals
        self.row.last_seen = self.clock() if self.row.ended is None else self.row.ended
        self.row.samples = totals.samples
        self.row.dropped = totals.dropped_samples
        gain = getattr(self.source, "gain_db", None)
        self.row.gain_db = None if gain is None else float(gain)
        self.store.save_session(self.row)
