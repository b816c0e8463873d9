"""The decoding half of a replay, wired: the watchlist and store opened, the pipeline,
the alerts, the view. Imported only when a replay decodes, so that `--raw` starts
without pyModeS, rich and SQLite."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from rich.console import Console

from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import WatchEntry, Watchlist
from adsbwatch.receiver.cli.opening import given_position, load_watchlist_files
from adsbwatch.receiver.cli.station_options import records
from adsbwatch.receiver.outputs.alerts import Alerter
from adsbwatch.receiver.outputs.stdout import StdoutOutlet
from adsbwatch.receiver.sources.base import IQSource, SourceInfo
from adsbwatch.receiver.station.clock import start_epoch
from adsbwatch.receiver.station.decoding import DecodingSink
from adsbwatch.receiver.station.fanout import FanOut, Sink
from adsbwatch.receiver.station.minutes import MinuteStatsSink
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.station.session import SessionSink
from adsbwatch.receiver.store.opening import open_recorder, open_watchlist_store
from adsbwatch.receiver.ui.live import run_table
from adsbwatch.receiver.ui.views import choose_view

WIDE = 200  # columns of the table written to a file or pipe


def receiver_position(args: argparse.Namespace, info: SourceInfo) -> tuple[float, float] | None:
    """--lat/--lon, else where the recording says it was made."""
    given = given_position(args)
    return info.position if given is None else given


class Decoding:
    def __init__(self, args: argparse.Namespace, source: IQSource,
                 outlet: StdoutOutlet | None, warn: Callable[[str], None]) -> None:
        """`outlet`: stdout for the table and sightings; None (with --raw, where stdout
        holds AVR lines only): sightings on stderr and no table."""
        info = source.info
        receiver = self.receiver = receiver_position(args, info)
        run_entries = load_watchlist_files(args.watchlist or [])
        # --raw decodes only for outputs that read aircraft (SBS, JSON): no store then
        # unless a recording option asks for one.
        wants_store = not args.no_db and (not args.raw or records(args))
        self.store = open_recorder(args.db, warn=warn) if wants_store else None
        stored: list[WatchEntry] = []
        if self.store is not None:
            with open_watchlist_store(args.db) as watched:
                stored = watched.watch_entries()
        self.watchlist = Watchlist([*stored, *run_entries])
        if outlet is None:
            self.console = Console(stderr=True, highlight=False)
        else:
            self.console = Console(file=outlet, highlight=False)  # type: ignore[arg-type]
            if not self.console.is_terminal:  # a file or pipe: no wrapping
                self.console = Console(file=outlet, highlight=False,  # type: ignore[arg-type]
                                       width=WIDE)
        self.with_table = outlet is not None
        alerter = Alerter(self.console, args.on_sighting)
        self.pipeline = Pipeline(
            start_epoch=start_epoch(info, getattr(args, "start_time", None)),
            tracker_config=TrackerConfig(receiver=receiver), watchlist=self.watchlist,
            store=self.store, record_all=args.record_all, visit_gap_s=args.visit_gap,
            on_sighting=alerter, sighting_wait_s=args.sighting_wait)
        self.view = choose_view(args, self.console, outlet is None, self.pipeline,
                                self.watchlist, receiver, source)
        self.sink = DecodingSink(self.pipeline, alerter, self.store, outlet, warn,
                                 self.view.refresh if self.view is not None else None)
        decoding = self.view.observing(self.sink) if self.view else self.sink
        self.sinks: list[Sink] = [decoding]
        if self.store is not None:
            # The session record first: it must be closed before the store is. The
            # minute counts after the decoding: they count what it just decoded.
            session = SessionSink(self.store, source, receiver=receiver)
            self.sinks = [session, decoding,
                          MinuteStatsSink(self.store, self.pipeline, session.row.id, warn)]

    def showing(self) -> AbstractContextManager[object]:
        """The live table while the station runs (on a terminal)."""
        return self.view if self.view is not None else nullcontext()

    def run(self, station: Callable[[FanOut], object], fanout: FanOut) -> None:
        """`station(fanout)`: here, or (the interactive view) in a worker thread."""
        if self.view is None:
            station(fanout)
        else:
            self.view.run(station, fanout, self.show_final)

    def show_final(self) -> None:
        """The run ended by itself: announce what waits, show the final state in place."""
        self.sink.finish()
        if self.view is not None:
            self.view.refresh(force=True)

    def print_table(self, interrupted: bool) -> None:
        """The final table, unless the live view already shows it."""
        if self.with_table and (self.view is None or interrupted or not self.view.leaves_table):
            self.console.print(run_table(self.pipeline, self.watchlist, self.receiver))

    def summary(self) -> str:
        t = self.pipeline.totals
        where = ""
        if self.store is not None:
            status = self.store.status
            notes = [text for count, text in (
                (status.retries, f"{status.retries} writes retried: database busy or full"),
                (status.lost, f"{status.lost} rows lost: the database could not keep up"),
            ) if count]
            where = f" into {self.store.location}" + (f" ({'; '.join(notes)})" if notes else "")
        return (f"adsbwatch: {t.messages} messages decoded ({t.undecodable} without a "
                f"decoder), {t.positions} positions "
                f"({self.pipeline.tracker.rejected_positions} rejected as implausible), "
                f"{t.sightings} sightings; recorded{where}")
