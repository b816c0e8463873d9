"""`adsbwatch replay`: frames as AVR lines (--raw), or aircraft, sightings and the store."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from ..decoder.demod import FrameBatch
from ..decoder.tracker import TrackerConfig
from ..decoder.watchlist import WatchEntry, Watchlist, WatchlistError, parse_watchlist
from .alerts import Alerter
from .avr import avr_text
from .errors import RuntimeFailure, UserError
from .pipeline import SIGHTING_WAIT_S, Pipeline
from .replay import ReplayTotals, demodulate_source
from .sources import SourceSpec, parse_rate, resolve_source
from .store import Store, StoreError, default_db_path
from .table import aircraft_table
from .when import parse_when

LIVE_REFRESH_S = 0.5
WIDE = 200  # columns of the table written to a file or pipe


def warn(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def summary(totals: ReplayTotals, rate: int) -> str:
    signal_s = totals.samples / rate
    speed = signal_s / totals.wall_seconds if totals.wall_seconds > 0 else 0.0
    by_df = ", ".join(f"DF{df} {n}" for df, n in sorted(totals.frames_by_df.items()))
    s = totals.demod_stats
    return (
        f"adsbwatch: {totals.frames} frames ({by_df or 'none'}); "
        f"repaired {s['repaired_1bit']} (1 bit) + {s['repaired_2bit']} (2 bits); "
        f"rejected {s['rejected']} candidates (among their tries {s['unknown_address']} "
        f"gave an address not heard, {s['repair_refused']} a repair refused); "
        f"{totals.samples} samples ({signal_s:.3f} s at {rate / 1e6:g} MS/s) "
        f"in {totals.wall_seconds:.2f} s, {speed:.1f}x real time"
    )


def detach_stdout() -> None:
    """Point stdout at /dev/null: what it still buffers can then be flushed at exit
    without a second failure (and a traceback) after the first was reported."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _stdout_failure(exc: OSError) -> RuntimeFailure:
    """A write to stdout failed for a reason other than a reader leaving (a full disk)."""
    detach_stdout()
    return RuntimeFailure(f"cannot write to stdout ({exc.strerror or exc})")


@contextmanager
def _stdout_errors():  # type: ignore[no-untyped-def]
    """A reader leaving (BrokenPipeError) passes through to main(); any other failed
    write to stdout (a full disk) becomes a one-line RuntimeFailure."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _stdout_failure(exc) from None


def _write_stdout(text: str) -> None:
    with _stdout_errors():
        sys.stdout.write(text)


def _progress_bar(spec_path: str, quiet: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal for a file of known size; None otherwise."""
    if quiet or spec_path == "-" or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=os.path.getsize(spec_path), unit="B", unit_scale=True,
                desc="replay", leave=False, file=sys.stderr)


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


def load_watchlist_files(paths: list[str]) -> list[WatchEntry]:
    entries: list[WatchEntry] = []
    for name in paths:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{name}: cannot read watchlist ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise UserError(f"{name}: not a text file (expected UTF-8 watchlist)") from None
        try:
            entries.extend(parse_watchlist(text, name))
        except WatchlistError as exc:
            raise UserError(str(exc)) from None
    return entries


def open_store(db: str | None) -> Store:
    path = Path(db) if db else default_db_path()
    try:
        return Store(path)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def cmd_replay(args: argparse.Namespace) -> int:
    rate = parse_rate(args.rate) if args.rate is not None else None
    spec = resolve_source(args.file, args.format, rate)
    if args.raw:
        return _replay_raw(args, spec)
    return _replay_decode(args, spec)


def _finish(totals: ReplayTotals, spec: SourceSpec, quiet: bool) -> None:
    name = "stdin" if spec.data_path == "-" else spec.data_path
    if totals.leftover_bytes:
        warn(f"{name} ends with {totals.leftover_bytes} bytes that do not make a whole "
             f"{spec.fmt} sample ({spec.bytes_per_sample} bytes each); ignored them")
    if totals.samples == 0:
        raise UserError(f"{name} holds no {spec.fmt} samples (empty input)")
    if not quiet:
        print(summary(totals, spec.rate), file=sys.stderr)


def _run(spec: SourceSpec, args: argparse.Namespace, on_batch) -> ReplayTotals:  # type: ignore[no-untyped-def]
    bar = _progress_bar(spec.data_path, args.quiet)

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    try:
        return demodulate_source(spec, on_batch, fix=args.fix,
                                 on_progress=progress if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()


def _replay_raw(args: argparse.Namespace, spec: SourceSpec) -> int:
    totals = _run(spec, args, lambda batch: _write_stdout(avr_text(batch)))
    with _stdout_errors():
        sys.stdout.flush()
    _finish(totals, spec, args.quiet)
    return 0


def _receiver(args: argparse.Namespace, spec: SourceSpec) -> tuple[float, float] | None:
    """--lat/--lon, else where a SigMF recording says it was made."""
    if (args.lat is None) != (args.lon is None):
        raise UserError("give both --lat and --lon (the receiver's position), or neither")
    if args.lat is None:
        return spec.position
    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        raise UserError(f"--lat {args.lat} --lon {args.lon} is not a position on Earth")
    return (args.lat, args.lon)


def _replay_decode(args: argparse.Namespace, spec: SourceSpec) -> int:
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
                    totals = _run(spec, args, _with_refresh(pipeline, live, watchlist))
                    pipeline.finish()  # announce what waits, then show the final state
                    live.update(_table(pipeline, watchlist))
            else:
                totals = _run(spec, args, pipeline.on_batch)
    except KeyboardInterrupt:
        interrupted, totals = 130, None
    except Terminated:
        interrupted, totals = 143, None
    finally:
        _close(pipeline, store, alerter)
    if live is None or interrupted:
        console.print(_table(pipeline, watchlist))
    if totals is not None:
        _finish(totals, spec, args.quiet)
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


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ..decoder.iqformats import FORMATS

    replay = sub.add_parser(
        "replay", help="decode a recorded IQ file (or - for stdin): aircraft, sightings, store")
    replay.add_argument("file", help="IQ recording, a SigMF .sigmf-meta/.sigmf-data, or -")
    replay.add_argument("--raw", action="store_true",
                        help="only print every valid frame as an AVR line (*HEX;) on stdout")
    replay.add_argument("--format", choices=sorted(FORMATS),
                        help="sample format (default: from SigMF or extension, else cu8)")
    replay.add_argument("--rate", help="sample rate, e.g. 2.4M or 2000000 "
                                       "(default: from SigMF, else 2.4M)")
    replay.add_argument("--fix", type=int, choices=(0, 1, 2), default=1,
                        help="bits to repair: 1 for DF11/17/18 (default), 2 adds 2-bit "
                             "repair of DF17/18, 0 repairs nothing")
    replay.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no closing summary on stderr")
    replay.add_argument("--watchlist", action="append", metavar="FILE",
                        help="also watch this file's entries in this run (repeatable)")
    replay.add_argument("--db", help=f"the store (default {default_db_path()})")
    replay.add_argument("--no-db", action="store_true",
                        help="record nothing: only show aircraft and sightings")
    replay.add_argument("--record-all", action="store_true",
                        help="record every aircraft in the store, not only watched ones")
    replay.add_argument("--lat", type=float, help="receiver latitude (degrees north; "
                                                  "default: SigMF core:geolocation)")
    replay.add_argument("--lon", type=float, help="receiver longitude (degrees east)")
    replay.add_argument("--visit-gap", type=float, default=600.0, metavar="SECONDS",
                        help="silence that ends a visit; the next message is a new sighting "
                             "(default 600)")
    replay.add_argument("--sighting-wait", type=float, default=SIGHTING_WAIT_S,
                        metavar="SECONDS",
                        help="how long a sighting waits for the aircraft's callsign "
                             f"(default {SIGHTING_WAIT_S:g}; 0: alert on the first message)")
    replay.add_argument("--on-sighting", metavar="CMD",
                        help="run CMD (no shell) for each sighting of a watched aircraft, "
                             "the sighting as JSON on stdin, ADSBWATCH_ICAO/LABEL/CALLSIGN "
                             "in its environment")
    replay.add_argument("--start-time", metavar="WHEN",
                        help="when the recording began, e.g. 2026-11-24T10:00Z (default: "
                             "SigMF core:datetime, else the file's modification time "
                             "less its length)")
    replay.set_defaults(handler=cmd_replay)
