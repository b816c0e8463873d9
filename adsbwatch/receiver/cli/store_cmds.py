"""The store's commands: `watchlist add|remove|list|import|export`, `sightings`, `track`.

SQLite and the exporters are imported by the commands that use them: this module is
imported whatever the command, for its options."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adsbwatch.decoder.messages.watchlist import WatchEntry, format_watchlist, parse_address
from adsbwatch.receiver.cli.opening import load_watchlist_files, open_store
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.when import parse_when

if TYPE_CHECKING:
    from adsbwatch.receiver.store.sqlite import VisitRow

EXPORT_FORMATS = ("geojson", "kml", "csv", "gpx")


def _entry(spec: str, label: str) -> WatchEntry:
    """One `HEX` or `HEX-HEX` (and a label) from the command line, checked like a
    watchlist line."""
    try:
        lo, hi = parse_address(spec)
        return WatchEntry(lo, hi, label)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _icao(text: str) -> int:
    entry = _entry(text, "")
    if entry.lo != entry.hi:
        raise UserError(f"{text!r} is a block; give one 6-digit hex ICAO address")
    return entry.lo


def _write_out(text: str, path: str | None) -> None:
    """To the file, or to stdout for none or '-'."""
    if path in (None, "-"):
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _since(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return parse_when(text, time.time())
    except ValueError as exc:
        raise UserError(f"--since: {exc}") from None


def cmd_watch_add(args: argparse.Namespace) -> int:
    entry = _entry(args.address, " ".join(args.label))
    with open_store(args.db) as store:
        store.add_watch([entry])
    print(f"watching {entry.text()}")
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    entry = _entry(args.address, "")
    with open_store(args.db) as store:
        if not store.remove_watch(entry.lo, entry.hi):
            raise UserError(f"{args.address} is not on the watchlist")
    print(f"no longer watching {args.address.upper()}")
    return 0


def cmd_watch_list(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        entries = store.watch_entries()
    sys.stdout.write(format_watchlist(entries))
    return 0


def cmd_watch_import(args: argparse.Namespace) -> int:
    entries = load_watchlist_files([args.file])  # all or nothing: parsed before writing
    with open_store(args.db) as store:
        count = store.add_watch(entries)
    print(f"imported {count} entries from {args.file}")
    return 0


def cmd_watch_export(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        text = format_watchlist(store.watch_entries())
    _write_out(text, args.file)
    return 0


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _visit_dict(v: VisitRow) -> dict[str, object]:
    from adsbwatch.receiver.store.export import iso_utc

    return {
        "icao": f"{v.icao:06x}", "label": v.label, "watched": bool(v.watched),
        "first_seen": iso_utc(v.first_seen), "last_seen": iso_utc(v.last_seen),
        "callsigns": v.callsigns.split(), "squawks": v.squawks.split(),
        "min_alt_ft": v.min_alt, "max_alt_ft": v.max_alt, "closest_km": v.closest_km,
        "messages": v.messages, "max_dbfs": v.max_dbfs, "emergency": v.emergency,
    }


def cmd_sightings(args: argparse.Namespace) -> int:
    icao = _icao(args.icao) if args.icao else None
    with open_store(args.db) as store:
        visits = store.sightings(icao=icao, since=_since(args.since))
    if args.json:
        print(json.dumps([_visit_dict(v) for v in visits], indent=1))
        return 0
    if not visits:
        print("no sightings")
        return 0
    print(f"{'first seen (UTC)':19}  {'last seen':8}  {'ICAO':6}  {'label':16}  "
          f"{'callsigns':16}  {'alt ft':>11}  {'closest':>8}  {'msgs':>6}")
    for v in visits:
        alts = "" if v.min_alt is None else f"{v.min_alt}-{v.max_alt}"
        closest = "" if v.closest_km is None else f"{v.closest_km:.1f} km"
        print(f"{_iso(v.first_seen)}  {_iso(v.last_seen)[11:]}  {v.icao:06X}  "
              f"{(v.label or '')[:16]:16}  {v.callsigns[:16]:16}  {alts:>11}  "
              f"{closest:>8}  {v.messages:>6}")
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    icao = _icao(args.icao)
    with open_store(args.db) as store:
        rows = store.track(icao, since=_since(args.since))
        visits = store.sightings(icao=icao)
    if not rows:
        raise UserError(f"no track points stored for {args.icao.upper()}")
    label = next((v.label for v in visits if v.label), "") or ""
    callsign = next((v.callsigns.split()[0] for v in visits if v.callsigns), "")
    from adsbwatch.receiver.store.export import export_track

    text = export_track(rows, args.format, icao=f"{icao:06x}", label=label, callsign=callsign)
    _write_out(text, args.output)
    return 0


def add_parsers(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    watch = sub.add_parser("watchlist", help="the watched ICAO addresses in the store")
    wsub = watch.add_subparsers(dest="action", required=True)
    add = wsub.add_parser("add", parents=[db_parent], help="watch an address or a block")
    add.add_argument("address", help="HEX, or HEX-HEX for a block (e.g. 100000-1FFFFF: Russia)")
    add.add_argument("label", nargs="*", help="a label, e.g. 'Dutch government'")
    add.set_defaults(handler=cmd_watch_add)
    rem = wsub.add_parser("remove", parents=[db_parent], help="stop watching an entry")
    rem.add_argument("address", help="HEX or HEX-HEX, as added")
    rem.set_defaults(handler=cmd_watch_remove)
    lst = wsub.add_parser("list", parents=[db_parent], help="print the watchlist")
    lst.set_defaults(handler=cmd_watch_list)
    imp = wsub.add_parser("import", parents=[db_parent],
                          help="add a watchlist file's entries (all or none)")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_watch_import)
    exp = wsub.add_parser("export", parents=[db_parent], help="write the watchlist as a file")
    exp.add_argument("file", nargs="?", help="output file (default stdout)")
    exp.set_defaults(handler=cmd_watch_export)

    sights = sub.add_parser("sightings", parents=[db_parent], help="list recorded visits")
    sights.add_argument("--icao", help="only this address")
    sights.add_argument("--since", metavar="WHEN", help="e.g. 2h, 3d, 2026-11-24, today")
    sights.add_argument("--json", action="store_true", help="JSON instead of a table")
    sights.set_defaults(handler=cmd_sightings)

    track = sub.add_parser("track", parents=[db_parent], help="export an aircraft's track")
    track.add_argument("icao", help="6-digit hex ICAO address")
    track.add_argument("--since", metavar="WHEN", help="e.g. 2h, 3d, 2026-11-24, today")
    track.add_argument("--format", choices=EXPORT_FORMATS, default="geojson")
    track.add_argument("-o", "--output", help="output file (default stdout)")
    track.set_defaults(handler=cmd_track)
