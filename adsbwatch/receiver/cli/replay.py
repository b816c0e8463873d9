"""`adsbwatch replay`: its options, and frames as AVR lines (--raw); decoding into
aircraft, sightings and the store is decode_cmd's."""

from __future__ import annotations

import argparse
import os
import sys

from adsbwatch.receiver.cli.stdout import flush_stdout, write_stdout
from adsbwatch.receiver.defaults import SIGHTING_WAIT_S, VISIT_GAP_S, default_db_path
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.outputs.avr import avr_text
from adsbwatch.receiver.sources.files import SourceSpec, parse_rate, resolve_source
from adsbwatch.receiver.station.demodulation import ReplayTotals, demodulate_source


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


def _progress_bar(spec_path: str, quiet: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal for a file of known size; None otherwise."""
    if quiet or spec_path == "-" or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=os.path.getsize(spec_path), unit="B", unit_scale=True,
                desc="replay", leave=False, file=sys.stderr)


def cmd_replay(args: argparse.Namespace) -> int:
    rate = parse_rate(args.rate) if args.rate is not None else None
    spec = resolve_source(args.file, args.format, rate)
    if args.raw:
        return _replay_raw(args, spec)
    from adsbwatch.receiver.cli.decode import (
        replay_decode,  # only now: --raw starts without its imports
    )

    return replay_decode(args, spec)


def finish(totals: ReplayTotals, spec: SourceSpec, quiet: bool) -> None:
    name = "stdin" if spec.data_path == "-" else spec.data_path
    if totals.leftover_bytes:
        warn(f"{name} ends with {totals.leftover_bytes} bytes that do not make a whole "
             f"{spec.fmt} sample ({spec.bytes_per_sample} bytes each); ignored them")
    if totals.samples == 0:
        raise UserError(f"{name} holds no {spec.fmt} samples (empty input)")
    if not quiet:
        print(summary(totals, spec.rate), file=sys.stderr)


def run(spec: SourceSpec, args: argparse.Namespace, on_batch) -> ReplayTotals:  # type: ignore[no-untyped-def]
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
    totals = run(spec, args, lambda batch: write_stdout(avr_text(batch)))
    flush_stdout()
    finish(totals, spec, args.quiet)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from adsbwatch.decoder.demod.iqformats import FORMATS

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
    replay.add_argument("--visit-gap", type=float, default=VISIT_GAP_S, metavar="SECONDS",
                        help="silence that ends a visit; the next message is a new sighting "
                             f"(default {VISIT_GAP_S:g})")
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
