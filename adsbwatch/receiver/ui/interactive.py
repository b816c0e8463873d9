"""--interactive: the aircraft in a sortable, scrollable textual table, the run's stats
under it, sightings and warnings in a log at the bottom; q quits.

Threads. textual owns the main thread (its driver installs signal handlers, which only
the main thread may), so the station runs in a worker thread. There, at each tick, the
view builds a Snapshot of the rows and the footer every REFRESH_S (in the station's own
thread, so it is consistent) and leaves it in `latest`; the app polls it. Nothing else
crosses between the threads.

Stopping. q, Ctrl-C (a key while textual has the terminal), SIGINT and SIGTERM end the
app (a signal is only noted by its handler; the app's timer acts on it). Then the
station is asked to stop: it hands on what it already read and sends its last tick
within seconds; its thread is joined for a bounded time, and the caller closes the
consumers in the main thread as after any run, committing the store. A signal is raised
again once the caller's own handlers are back, so the run ends as it would without the
view (exit status 130 or 143)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, RichLog, Static

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.footer import Footer as StatsFooter
from adsbwatch.receiver.ui.live import run_title, shown_rows
from adsbwatch.receiver.ui.rows import AircraftRow, cell_texts, columns, info_columns

REFRESH_S = 0.5
JOIN_S = 10.0  # how long a stop waits for the station thread (it ends within seconds)


@dataclass(frozen=True)
class Snapshot:
    rows: tuple[AircraftRow, ...]  # the default order: watched first, then by messages
    title: str
    footer: str


class StationWorker:
    """The station in its own thread; its failure is kept for the main thread."""

    def __init__(self, run_station: Callable[[], object], stop: Callable[[], None]) -> None:
        self.run_station = run_station
        self.stop_station = stop
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.on_end: Callable[[], None] = lambda: None
        self.thread = threading.Thread(target=self._run, name="station", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            self.run_station()
        except BaseException as exc:  # noqa: BLE001 - raised again in the main thread
            self.error = exc
        finally:
            self.ended.set()
            self.on_end()

    def stop(self) -> None:
        self.stop_station()
        if self.thread.is_alive():
            self.thread.join(JOIN_S)


def _sort_value(row: AircraftRow, column: str) -> object:
    """The value a column sorts on; None sorts last whichever way."""
    if column == "callsign":
        return row.callsign
    if column == "address":
        return row.icao
    if column == "registration":
        return row.registration
    if column == "type":
        return row.type_code
    if column == "country":
        return row.country
    if column == "altitude":
        return 0 if row.on_ground else row.altitude
    if column == "distance":
        return row.distance_km
    if column == "messages":
        return row.messages
    return row.dbfs


# Column heading -> (sort name, key ("" for a heading click only), largest first when
# first pressed)
SORTS = {"ICAO": ("address", "", False), "callsign": ("callsign", "c", False),
         "reg": ("registration", "r", False), "type": ("type", "t", False),
         "ctry": ("country", "", False), "alt ft": ("altitude", "a", True),
         "km": ("distance", "d", False), "msgs": ("messages", "m", True),
         "dBFS": ("signal", "s", True)}


def sorted_rows(rows: Sequence[AircraftRow], column: str | None,
                descending: bool) -> list[AircraftRow]:
    if column is None:
        return list(rows)
    known = [r for r in rows if _sort_value(r, column) is not None]
    unknown = [r for r in rows if _sort_value(r, column) is None]
    known.sort(key=lambda r: _sort_value(r, column), reverse=descending)  # type: ignore[arg-type,return-value]
    return known + unknown


class StationEnded(Message):
    """The station thread is done (the recording ended, or it failed)."""


class AircraftApp(App[None]):
    TITLE = "adsbwatch"
    CSS = """
    #title { height: 1; }
    #aircraft { height: 1fr; }
    #stats { height: 1; color: $text-muted; }
    #log { height: 5; border-top: solid $primary; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "interrupt", "quit", show=False, priority=True),
        Binding("c", "sort('callsign')", "callsign"),
        Binding("r", "sort('registration')", "reg"),
        Binding("t", "sort('type')", "type"),
        Binding("a", "sort('altitude')", "altitude"),
        Binding("d", "sort('distance')", "distance"),
        Binding("m", "sort('messages')", "messages"),
        Binding("s", "sort('signal')", "signal"),
        Binding("o", "sort('')", "watched first"),
    ]

    def __init__(self, view: InteractiveView) -> None:
        super().__init__()
        self.view = view
        self.worker: StationWorker | None = None
        self.sort_column: str | None = None
        self.descending = False
        self.printed: list[tuple[bool, str]] = []  # (stderr, text) captured while running
        self._partial = {False: "", True: ""}
        self._shown: tuple[Snapshot | None, str | None, bool] | None = None
        self.with_place = view.receiver is not None
        self.info: tuple[str, ...] = ()  # the aircraft database's columns shown
        self.ended_note = ""

    def compose(self) -> ComposeResult:
        yield Static("waiting for aircraft", id="title")
        yield DataTable(id="aircraft", cursor_type="row", zebra_stripes=True)
        yield Static("", id="stats")
        yield RichLog(id="log", wrap=False, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self.add_columns()
        self.begin_capture_print(self, stdout=True, stderr=True)
        self.set_interval(REFRESH_S, self.poll)
        if self.worker is not None:
            self.worker.on_end = lambda: self.post_message(StationEnded())
            self.worker.start()

    def add_columns(self) -> None:
        table = self.query_one(DataTable)
        for name, justify, width in columns(self.with_place, self.info):
            table.add_column(Text(name, justify=justify), key=name,  # type: ignore[arg-type]
                             width=None if name == "watched" else max(width, len(name)))

    def poll(self) -> None:
        if self.view.received is not None:
            self.exit()
            return
        self.show(self.view.latest)

    def show(self, snapshot: Snapshot | None) -> None:
        state = (snapshot, self.sort_column, self.descending)
        if snapshot is None or state == self._shown:
            return
        self._shown = state
        table = self.query_one(DataTable)
        rows = sorted_rows(snapshot.rows, self.sort_column, self.descending)
        keys = [r.icao for r in rows]
        cursor = self.cursor_icao()
        # The database's columns once a row has them: the table scrolls sideways.
        info = info_columns(rows, self.with_place)
        table.clear(columns=info != self.info)
        if info != self.info:
            self.info = info
            self.add_columns()
        shown = columns(self.with_place, info)
        justify = {name: j for name, j, _ in shown}
        names = [name for name, _, _ in shown]
        for row in rows:
            style = "bold yellow" if row.watched else ""
            cells = [Text(text, style=style, justify=justify[name])  # type: ignore[arg-type]
                     for name, text in zip(names, cell_texts(row, self.with_place, info),
                                           strict=True)]
            table.add_row(*cells, key=row.icao)
        if cursor in keys:
            table.move_cursor(row=keys.index(cursor), animate=False)  # and in view
        order = "watched first, then by messages" if self.sort_column is None else (
            f"by {self.sort_column}, {'largest' if self.descending else 'smallest'} first")
        self.query_one("#title", Static).update(f"{snapshot.title}; {order}{self.ended_note}")
        self.query_one("#stats", Static).update(snapshot.footer)

    def cursor_icao(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key is None else key.value

    def row_icaos(self) -> list[str]:
        """The table's rows, top to bottom (for tests and the cursor)."""
        table = self.query_one(DataTable)
        return [str(table.coordinate_to_cell_key((i, 0)).row_key.value)
                for i in range(table.row_count)]

    def action_sort(self, column: str) -> None:
        if not column:
            self.sort_column, self.descending = None, False
        elif column == self.sort_column:
            self.descending = not self.descending
        else:
            first = next(d for name, _, d in SORTS.values() if name == column)
            self.sort_column, self.descending = column, first
        self.show(self.view.latest)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        sort = SORTS.get(str(event.column_key.value))
        if sort is not None:
            self.action_sort(sort[0])

    def action_interrupt(self) -> None:
        """Ctrl-C: as SIGINT would be without the view."""
        self.view.received = signal.SIGINT
        self.exit()

    def on_station_ended(self, message: StationEnded) -> None:
        if self.worker is not None and self.worker.error is not None:
            self.exit()  # the caller reports the failure
            return
        self.ended_note = "; the run is over, q quits"
        self._shown = None
        self.show(self.view.latest)

    def on_print(self, event: events.Print) -> None:
        """Sighting lines and warnings: in the log now, on the terminal after."""
        text = self._partial[event.stderr] + event.text
        *lines, self._partial[event.stderr] = text.split("\n")
        log = self.query_one(RichLog)
        for line in lines:
            self.printed.append((event.stderr, line + "\n"))
            log.write(Text.from_ansi(line))

    def write_printed(self) -> None:
        """What the log showed, to the real stdout and stderr, now that the screen is
        the terminal's again."""
        for stderr, line in self.printed + [(s, t) for s, t in self._partial.items() if t]:
            (sys.stderr if stderr else sys.stdout).write(line)
        self.printed.clear()
        sys.stdout.flush()


@contextmanager
def signals_noted(view: InteractiveView) -> Iterator[None]:
    """SIGINT and SIGTERM only noted while the app runs: it exits at its next poll."""
    def note(signum: int, frame: FrameType | None) -> None:
        if view.received is None:
            view.received = signum

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class InteractiveView:
    """A consumer of ticks: the snapshot the app shows."""

    name = "interactive view"
    leaves_table = False  # the screen goes with the app: the final table is printed after

    def __init__(self, station: Station, watchlist: Watchlist) -> None:
        self.station = station
        self.watchlist = watchlist
        self.receiver = station.receiver
        self.footer = StatsFooter(station)
        self.latest: Snapshot | None = None
        self.received: int | None = None  # the signal (or Ctrl-C) that ended the app
        self.app = AircraftApp(self)
        self._last = 0.0

    def __enter__(self) -> InteractiveView:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def on_tick(self, tick: Tick) -> None:
        """In the station thread: a new snapshot for the app, every REFRESH_S."""
        self.footer.update(tick)
        now = time.monotonic()
        if tick.final or now - self._last >= REFRESH_S:
            self._last = now
            self.latest = self.snapshot()

    def close(self) -> None:
        """The app is the caller's to end."""

    def snapshot(self) -> Snapshot:
        rows, left_out = shown_rows(self.station, self.watchlist)
        title = run_title(self.station)
        if left_out:
            title += f" ({left_out} more not shown)"
        return Snapshot(tuple(rows), title, self.footer.text())

    def run(self, run_station: Callable[[], object]) -> None:
        """The app in this thread, the station in a worker until the app ends; then the
        station stopped. The caller closes the consumers."""
        worker = StationWorker(run_station, self.station.request_stop)
        self.app.worker = worker
        try:
            with signals_noted(self):
                self.app.run()
                worker.stop()  # still here: a signal while it waits is only noted
        finally:
            worker.stop()
            self.app.write_printed()
        if worker.error is not None:
            raise worker.error
        if self.received is not None:
            signal.raise_signal(self.received)  # the caller's handlers end the run
