"""The options every station command shares (replay, live): outputs, the store, the
watchlist, the receiver's place, visits and alerts."""

from __future__ import annotations

import argparse
import math
import sys

from adsbwatch.receiver.defaults import SIGHTING_WAIT_S, VISIT_GAP_S, default_db_path


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


def add_station_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", action="store_true",
                        help="print every valid frame as an AVR line (*HEX;) on stdout, and "
                             "nothing else there; decodes and records too with --watchlist, "
                             "--db, --record-all or --on-sighting")
    parser.add_argument("--fix", type=int, choices=(0, 1, 2), default=1,
                        help="bits to repair: 1 for DF11/17/18 (default), 2 adds 2-bit "
                             "repair of DF17/18, 0 repairs nothing")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no closing summary on stderr")
    parser.add_argument("--watchlist", action="append", metavar="FILE",
                        help="also watch this file's entries in this run (repeatable)")
    parser.add_argument("--db", help=f"the store (default {default_db_path()})")
    parser.add_argument("--no-db", action="store_true",
                        help="record nothing: only show aircraft and sightings")
    parser.add_argument("--record-all", action="store_true",
                        help="record every aircraft in the store, not only watched ones")
    parser.add_argument("--lat", type=float, help="receiver latitude (degrees north; "
                                                  "default: SigMF core:geolocation)")
    parser.add_argument("--lon", type=float, help="receiver longitude (degrees east)")
    parser.add_argument("--visit-gap", type=positive_seconds, default=VISIT_GAP_S,
                        metavar="SECONDS",
                        help="silence that ends a visit; the next message is a new sighting "
                             f"(default {VISIT_GAP_S:g})")
    parser.add_argument("--sighting-wait", type=seconds, default=SIGHTING_WAIT_S,
                        metavar="SECONDS",
                        help="how long a sighting waits for the aircraft's callsign "
                             f"(default {SIGHTING_WAIT_S:g}; 0: alert on the first message)")
    parser.add_argument("--on-sighting", metavar="CMD",
                        help="run CMD (no shell) for each sighting of a watched aircraft, "
                             "the sighting as JSON on stdin, ADSBWATCH_ICAO/LABEL/CALLSIGN "
                             "in its environment")
