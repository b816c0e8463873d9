"""The aircraft table of a run: redrawn in place on a terminal while it runs, printed
once at the end otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.ui.table import aircraft_table

REFRESH_S = 0.5


def run_table(pipeline: Pipeline, watchlist: Watchlist) -> Table:
    """Every aircraft of the run so far, under a line of totals."""
    aircraft = pipeline.all_aircraft()
    t = pipeline.totals
    title = (f"{len(aircraft)} aircraft, {t.messages} messages, {t.positions} positions, "
             f"{t.sightings} sightings")
    return aircraft_table(aircraft, watchlist, title)


class LiveTable:
    """`with LiveTable(...) as view:` and `view.refresh()` after each batch."""

    def __init__(self, console: Console, pipeline: Pipeline, watchlist: Watchlist) -> None:
        self.pipeline = pipeline
        self.watchlist = watchlist
        self.live = Live(aircraft_table([], watchlist, "waiting for aircraft"), console=console,
                         refresh_per_second=2, transient=False)
        self._last = 0.0

    def __enter__(self) -> LiveTable:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= REFRESH_S:
            self._last = now
            self.live.update(run_table(self.pipeline, self.watchlist))
