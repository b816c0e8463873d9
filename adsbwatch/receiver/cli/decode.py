"""`adsbwatch replay` without --raw: frames decoded, tracked and checked against the
watchlist; sightings announced, visits stored, the aircraft shown in a table.

Imported by `replay` only when it decodes, so that `--raw` starts without pyModeS,
rich and SQLite (0.15 s of its start-up)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.cli.opening import load_watchlist_files, open_store
from adsbwatch.receiver.cli.replay import finish, run, warn
from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.outputs.alerts import Alerter
from adsbwatch.receiver.sources.files import SourceSpec
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.store.sqlite import Store, StoreError
from adsbwatch.receiver.ui.table import aircraft_table
from adsbwatch.receiver.when import parse_when

LIVE_REFRESH_S = 0.5
WIDE = 200  # columns of the table written to a file or pipe


class Terminated(Exception):
    """SIGTERM, turned into an exception so the store is committed on the way out."""


@contextmanager
def _stop_signals():  # type: ignore[no-untyped-def]
    """SIGTERM raises Terminated and SIGINT KeyboardInterrupt, so the store is committed
    on the way out. SIGINT explicitly: a program started in the background of a script
    inherits SIGINT ignored, and Python then installs no handler of its own."""
    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = (signal.signal(signal.SIGTERM, terminate),
                signal.signal(signal.SIGINT, signal.default_int_handler))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])


def _start_epoch(spec: SourceSpec, start_time: str | None) -> float:
    """When the recording began: --start-time, else SigMF's core:datetime, else the
    file's modification time less its length (recorders write as they go), else now
    (stdin: live)."""
    now = time.time()
    if start_time is not None:
        try:
            return parse_when(start_time, now)
        except ValueError as exc:
            raise UserError(f"--start-time: {exc}") from None
    if spec.start_epoch is not None:
        return spec.start_epoch
    if spec.data_path == "-":
        return now
    stat = Path(spec.data_path).stat()
    return stat.st_mtime - stat.st_size / spec.bytes_per_sample / spec.rate


def _receiver(args: argparse.Namespace, spec: SourceSpec) -> tuple[float, float] | None:
    """--lat/--lon, else where a SigMF recording says it was made."""
    if (args.lat is None) != (args.lon is None):
        raise UserError("give both --lat and --lon (the receiver's position), or neither")
    if args.lat is None:
        return spec.position
    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        raise UserError(f"--lat {args.lat} --lon {args.lon} is not a position on Earth")
    return (args.lat, args.lon)


def replay_decode(args: argparse.Namespace, spec: SourceSpec) -> int:
    receiver = _receiver(args, spec)
    run_entries = load_watchlist_files(args.watchlist or [])
    store = None if args.no_db else open_store(args.db)
    stored_entries = store.watch_entries() if store is not None else []
    watchlist = Watchlist([*stored_entries, *run_entries])
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=WIDE)  # a file or pipe: no wrapping
    alerter = Alerter(console, args.on_sighting)
    pipeline = Pipeline(
        start_epoch=_start_epoch(spec, args.start_time),
        tracker_config=TrackerConfig(receiver=receiver), watchlist=watchlist, store=store,
        record_all=args.record_all, visit_gap_s=args.visit_gap, on_sighting=alerter,
        sighting_wait_s=args.sighting_wait)
    live = _live_view(console, watchlist) if console.is_terminal else None
    interrupted = 0
    try:
        with _stop_signals():
            if live is not None:
                with live:
                    totals = run(spec, args, _with_refresh(pipeline, live, watchlist))
                    pipeline.finish()  # announce what waits, then show the final state
                    live.update(_table(pipeline, watchlist))
            else:
                totals = run(spec, args, pipeline.on_batch)
    except KeyboardInterrupt:
        interrupted, totals = 130, None
    except Terminated:
        interrupted, totals = 143, None
    finally:
        _close(pipeline, store, alerter)
    if live is None or interrupted:
        console.print(_table(pipeline, watchlist))
    if totals is not None:
        finish(totals, spec, args.quiet)
    if not args.quiet:
        print(_pipeline_summary(pipeline, store), file=sys.stderr)
    return interrupted


def _close(pipeline: Pipeline, store: Store | None, alerter: Alerter) -> None:
    """Announce what waits and commit everything received, whatever ended the run."""
    pipeline.finish()
    alerter.wait()
    if store is None:
        return
    if store.last_error:
        warn(f"database: {store.last_error}; trying once more before giving up")
    try:
        store.close()
    except StoreError as exc:
        raise RuntimeFailure(str(exc)) from None


def _table(pipeline: Pipeline, watchlist: Watchlist) -> Table:
    """Every aircraft of the run so far, under a line of totals."""
    aircraft = pipeline.all_aircraft()
    t = pipeline.totals
    title = (f"{len(aircraft)} aircraft, {t.messages} messages, {t.positions} positions, "
             f"{t.sightings} sightings")
    return aircraft_table(aircraft, watchlist, title)


def _pipeline_summary(pipeline: Pipeline, store: Store | None) -> str:
    t = pipeline.totals
    where = f" into {store.path}" if store is not None else ""
    return (f"adsbwatch: {t.messages} messages decoded ({t.undecodable} without a decoder), "
            f"{t.positions} positions ({pipeline.tracker.rejected_positions} rejected as "
            f"implausible), {t.sightings} sightings; recorded{where}")


def _live_view(console: Console, watchlist: Watchlist) -> Live:
    return Live(aircraft_table([], watchlist, "waiting for aircraft"), console=console,
                refresh_per_second=2, transient=False)


def _with_refresh(pipeline: Pipeline, live: Live, watchlist: Watchlist):  # type: ignore[no-untyped-def]
    last = [0.0]

    def on_batch(batch: FrameBatch) -> None:
        pipeline.on_batch(batch)
        now = time.monotonic()
        if now - last[0] >= LIVE_REFRESH_S:
            last[0] = now
            live.update(_table(pipeline, watchlist))

    return on_batch
