"""The aircraft table of a run: redrawn in place on a terminal while it runs, with a
stats footer; printed once at the end otherwise. Both read the one aircraft table: the
aircraft in it, then the departed ones it still remembers (a bounded number)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.footer import Footer
from adsbwatch.receiver.ui.rows import AircraftRow, aircraft_rows
from adsbwatch.receiver.ui.table import aircraft_table
from adsbwatch.receiver.wording import count

REFRESH_S = 0.5


def run_title(station: Station) -> str:
    tracker = station.tracker
    heard = 0 if tracker is None else len(tracker.aircraft) + len(tracker.departed)
    total = station.stats.total
    sightings = station.pipeline.totals.sightings if station.pipeline is not None else 0
    return (f"{heard} aircraft, {count(total.messages, 'message')}, "
            f"{count(total.positions, 'position')}, {count(sightings, 'sighting')}")


def shown_rows(station: Station, watchlist: Watchlist) -> tuple[list[AircraftRow], int]:
    """The rows a table shows (watched first, then by messages), at most the tracker's
    bound of departed aircraft, and how many more it leaves out: a sky of thousands is
    never drawn (nor printed at the end) whole."""
    tracker = station.tracker
    if tracker is None:
        return [], 0
    rows = aircraft_rows(tracker.all_aircraft(), watchlist, station.receiver)
    most = tracker.config.departed_kept
    return rows[:most], max(0, len(rows) - most)


def run_table(station: Station, watchlist: Watchlist, width: int | None = None) -> Table:
    """The aircraft of the run so far (those still remembered), under a line of totals;
    `width`: the terminal's columns, which the database's columns must fit in."""
    rows, left_out = shown_rows(station, watchlist)
    title = run_title(station)
    if left_out:
        title += f" ({left_out} more not shown)"
    return aircraft_table(rows, title, with_place=station.receiver is not None, width=width)


class LiveTable:
    """The table redrawn in place while the station runs in this thread (a consumer of
    ticks)."""

    name = "aircraft table"
    leaves_table = True  # its last frame stays on the screen when the run ends by itself

    def __init__(self, console: Console, station: Station, watchlist: Watchlist,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.station = station
        self.watchlist = watchlist
        self.footer = Footer(station)
        self.clock = clock
        waiting = aircraft_table([], "waiting for aircraft", station.receiver is not None)
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

    def run(self, run_station: Callable[[], object]) -> None:
        """The station in this thread."""
        run_station()

    def on_tick(self, tick: Tick) -> None:
        self.footer.update(tick)
        now = self.clock()
        if tick.final or now - self._last >= REFRESH_S:
            self._last = now
            self.refresh()

    def refresh(self) -> None:
        footer = Text(self.footer.text(), style="dim")
        table = run_table(self.station, self.watchlist, self.live.console.width)
        self.live.update(Group(table, footer))

    def close(self) -> None:
        """The screen is the caller's to leave (`with`)."""
