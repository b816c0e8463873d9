"""The aircraft table of a run: redrawn in place on a terminal while it runs, with a
stats footer; printed once at the end otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.station.fanout import Sink
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.ui.footer import ObservedSink, RunStats, footer_text
from adsbwatch.receiver.ui.rows import aircraft_rows
from adsbwatch.receiver.ui.table import aircraft_table

REFRESH_S = 0.5


def run_title(pipeline: Pipeline) -> str:
    t = pipeline.totals
    return (f"{len(pipeline.all_aircraft())} aircraft, {t.messages} messages, "
            f"{t.positions} positions, {t.sightings} sightings")


def run_table(pipeline: Pipeline, watchlist: Watchlist,
              receiver: tuple[float, float] | None) -> Table:
    """Every aircraft of the run so far, under a line of totals."""
    rows = aircraft_rows(pipeline.all_aircraft(), watchlist, receiver)
    return aircraft_table(rows, run_title(pipeline), with_place=receiver is not None)


class LiveTable:
    """`with LiveTable(...) as view:` and `view.refresh()` after each batch."""

    leaves_table = True  # its last frame stays on the screen when the run ends by itself

    def __init__(self, console: Console, pipeline: Pipeline, watchlist: Watchlist,
                 receiver: tuple[float, float] | None, stats: RunStats) -> None:
        self.pipeline = pipeline
        self.watchlist = watchlist
        self.receiver = receiver
        self.stats = stats
        waiting = aircraft_table([], "waiting for aircraft", receiver is not None)
        # No redirection of sys.stdout: the console writes to stdout through the outlet,
        # which writes to sys.stdout, and through rich's proxy that was a loop without end.
        self.live = Live(waiting, console=console, refresh_per_second=2, transient=False,
                         redirect_stdout=False, redirect_stderr=False)
        self._last = 0.0

    def __enter__(self) -> LiveTable:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def observing(self, sink: Sink) -> Sink:
        """`sink`, with every batch counted for the footer first."""
        return ObservedSink(sink, self.stats)

    def run(self, station: Callable[[Any], object], fanout: Any,
            finish: Callable[[], None]) -> None:
        """The station in this thread; the caller finishes the run."""
        station(fanout)

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= REFRESH_S:
            self._last = now
            footer = Text(footer_text(self.stats, len(self.pipeline.tracker.aircraft)),
                          style="dim")
            self.live.update(Group(run_table(self.pipeline, self.watchlist, self.receiver),
                                   footer))
