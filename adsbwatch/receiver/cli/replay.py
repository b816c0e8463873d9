"""`adsbwatch replay`: a recording (or stdin) through the station to its outputs.

The outputs are sinks of one fan-out: AVR lines on stdout (--raw), and the decoding
pipeline (the aircraft table, sightings, the store) unless --raw is given alone. Either
may go (a reader closing stdout, a failed output) while the others go on."""

from __future__ import annotations

import argparse
import math
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.defaults import SIGHTING_WAIT_S, VISIT_GAP_S, default_db_path
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.sources.rates import parse_rate

if TYPE_CHECKING:
    from adsbwatch.receiver.sources.base import IQSource
    from adsbwatch.receiver.station.run import StationTotals


def warn(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be more than 0 seconds")
    return value


def records(args: argparse.Namespace) -> bool:
    """Whether --raw was asked to decode and record as well."""
    return bool(args.watchlist or args.db or args.record_all or args.on_sighting)


def summary(totals: StationTotals, rate: int) -> str:
    samples = totals.source.samples
    signal_s = samples / rate
    speed = signal_s / totals.wall_seconds if totals.wall_seconds > 0 else 0.0
    by_df = ", ".join(f"DF{df} {n}" for df, n in sorted(totals.frames_by_df.items()))
    s = totals.demod_stats
    return (
        f"adsbwatch: {totals.frames} frames ({by_df or 'none'}); "
        f"repaired {s['repaired_1bit']} (1 bit) + {s['repaired_2bit']} (2 bits); "
        f"rejected {s['rejected']} candidates (among their tries {s['unknown_address']} "
        f"gave an address not heard, {s['repair_refused']} a repair refused); "
        f"{samples} samples ({signal_s:.3f} s at {rate / 1e6:g} MS/s) "
        f"in {totals.wall_seconds:.2f} s, {speed:.1f}x real time"
    )


def _progress_bar(source: IQSource, quiet: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal for an input of known size; None otherwise."""
    size = source.info.size_bytes
    if quiet or size is None or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=size, unit="B", unit_scale=True, desc="replay", leave=False,
                file=sys.stderr)


def _closing_lines(totals: StationTotals, source: IQSource, quiet: bool,
                   interrupted: bool) -> None:
    info = source.info
    leftover = totals.source.leftover_bytes
    if leftover:
        warn(f"{info.name} ends with {leftover} bytes that do not make a whole "
             f"{info.fmt} sample ({info.bytes_per_sample} bytes each); ignored them")
    if totals.source.samples == 0 and not interrupted:
        raise UserError(f"{info.name} holds no {info.fmt} samples (empty input)")
    if not quiet and totals.demod_stats:
        print(summary(totals, info.rate), file=sys.stderr)


def cmd_replay(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `--help` and the other commands start without numpy.
    from adsbwatch.receiver.outputs.avr import AvrSink
    from adsbwatch.receiver.outputs.stdout import StdoutOutlet
    from adsbwatch.receiver.sources.resolve import recording_source
    from adsbwatch.receiver.station.fanout import FanOut
    from adsbwatch.receiver.station.run import StationTotals, run_station
    from adsbwatch.receiver.station.signals import StopSignals, Terminated

    rate = parse_rate(args.rate) if args.rate is not None else None
    source = recording_source(args.file, args.format, rate)
    outlet = StdoutOutlet()
    fanout = FanOut([], warn)
    if args.raw:
        fanout.sinks.append(AvrSink(outlet))
    decoding = None
    if not args.raw or records(args):
        # Only now: --raw alone starts without pyModeS, rich and SQLite.
        from adsbwatch.receiver.cli.decoding import Decoding

        decoding = Decoding(args, source.info, None if args.raw else outlet, warn)
        fanout.sinks.append(decoding.sink)
    totals = StationTotals()
    bar = _progress_bar(source, args.quiet)
    progress = (lambda done: bar.update(done - bar.n)) if bar is not None else None
    with StopSignals() as signals:
        try:
            with decoding.showing() if decoding is not None else nullcontext():
                # A live stream keeps the wall clock's time unless told its start.
                wall_clock = source.info.live and args.start_time is None
                run_station(source, fanout, args.fix, progress, totals=totals,
                            wall_clock=wall_clock)
                signals.shutting_down()
                if decoding is not None:
                    decoding.show_final()
        except (KeyboardInterrupt, Terminated):
            pass
        finally:
            signals.shutting_down()  # a second Ctrl-C must not cut the store's commit
            if bar is not None:
                bar.close()
            fanout.close()
    interrupted = signals.exit_status != 0
    if decoding is not None:
        decoding.print_table(interrupted)
    # A run that failed, or whose only reader left, ends without a summary.
    quiet = args.quiet or bool(fanout.failures) or totals.stopped_early
    _closing_lines(totals, source, quiet, interrupted)
    if decoding is not None and not quiet:
        print(decoding.summary(), file=sys.stderr)
    for failure in fanout.unreported:
        print(f"adsbwatch: error: {failure}", file=sys.stderr)
    view_failed = decoding is not None and decoding.sink.view_failure is not None
    return signals.exit_status or (1 if fanout.failures or view_failed else 0)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = sub.add_parser(
        "replay", help="decode a recorded IQ file (or - for stdin): aircraft, sightings, store")
    replay.add_argument("file", help="IQ recording, a SigMF .sigmf-meta/.sigmf-data, or -")
    replay.add_argument("--raw", action="store_true",
                        help="print every valid frame as an AVR line (*HEX;) on stdout, and "
                             "nothing else there; decodes and records too with --watchlist, "
                             "--db, --record-all or --on-sighting")
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
    replay.add_argument("--visit-gap", type=positive_seconds, default=VISIT_GAP_S,
                        metavar="SECONDS",
                        help="silence that ends a visit; the next message is a new sighting "
                             f"(default {VISIT_GAP_S:g})")
    replay.add_argument("--sighting-wait", type=seconds, default=SIGHTING_WAIT_S,
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
