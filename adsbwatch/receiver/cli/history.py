"""`adsbwatch sightings` and `adsbwatch track`: what the store recorded, as a table, JSON
or a track export. Both only read: the store is opened read-only.

The store's backend and the exporters are imported by the commands that use them: this
module is imported whatever the command, for its options."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from adsbwatch.receiver.cli.aircraft_db import registry_lookup
from adsbwatch.receiver.cli.opening import watch_entry, write_output
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.store.formats import EXPORT_FORMATS
from adsbwatch.receiver.when import iso_utc, parse_when, table_time

if TYPE_CHECKING:
    from adsbwatch.decoder.registry.info import InfoLookup
    from adsbwatch.receiver.store.rows import VisitRow


def _icao(text: str) -> int:
    entry = watch_entry(text, "")
    if entry.lo != entry.hi:
        raise UserError(f"{text!r} is a block; give one 6-digit hex ICAO address")
    return entry.lo


def since_option(text: str | None) -> float | None:
    """--since (7d, 12h, an ISO time...) as UNIX seconds; None: no limit."""
    if text is None:
        return None
    try:
        return parse_when(text, time.time())
    except ValueError as exc:
        raise UserError(f"--since: {exc}") from None


def _visit_dict(v: VisitRow) -> dict[str, object]:
    return {
        "icao": f"{v.icao:06x}", "label": v.label, "watched": bool(v.watched),
        "first_seen": iso_utc(v.first_seen), "last_seen": iso_utc(v.last_seen),
        "callsigns": v.callsigns.split(), "squawks": v.squawks.split(),
        "min_alt_ft": v.min_alt, "max_alt_ft": v.max_alt, "closest_km": v.closest_km,
        "messages": v.messages, "max_dbfs": v.max_dbfs, "emergency": v.emergency,
        "registration": v.registration, "type": v.type_code, "operator": v.operator,
        "country": v.country, "first_site": v.first_site,
    }


LABEL_WIDTH = (5, 48)  # the label and callsign columns: as wide as their longest, within
CALLSIGNS_WIDTH = (9, 30)


def _width(texts: list[str], bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], max((len(t) for t in texts), default=0)))


def _cut(text: str, width: int) -> str:
    """`text` in `width` characters: a longer one ends with an ellipsis."""
    return text if len(text) <= width else text[:width - 1] + "…"


def _table(visits: list[VisitRow]) -> str:
    if not visits:
        return "no sightings\n"
    lw = _width([v.label or "" for v in visits], LABEL_WIDTH)
    cw = _width([v.callsigns for v in visits], CALLSIGNS_WIDTH)
    lines = [f"{'first seen (UTC)':19}  {'last seen':8}  {'ICAO':6}  {'reg':9}  {'type':4}  "
             f"{'ctry':4}  {'label':{lw}}  {'callsigns':{cw}}  {'alt ft':>11}  "
             f"{'closest':>8}  {'msgs':>6}"]
    for v in visits:
        alts = "" if v.min_alt is None else f"{v.min_alt}-{v.max_alt}"
        closest = "" if v.closest_km is None else f"{v.closest_km:.1f} km"
        last = table_time(v.last_seen).split(" ")[1]
        lines.append(f"{table_time(v.first_seen)}  {last}  {v.icao:06X}  "
                     f"{(v.registration or '')[:9]:9}  {(v.type_code or '')[:4]:4}  "
                     f"{(v.country or '')[:4]:4}  "
                     f"{_cut(v.label or '', lw):{lw}}  {_cut(v.callsigns, cw):{cw}}  "
                     f"{alts:>11}  {closest:>8}  {v.messages:>6}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _filled(visits: list[VisitRow], info_of: InfoLookup | None,
            args: argparse.Namespace) -> list[VisitRow]:
    """Visits stored without the aircraft database, filled from it (`info_of`, else
    --aircraft-db or the one beside the store, opened only when a visit lacks something)."""
    from adsbwatch.receiver.store.info_fill import fill_info

    if info_of is None:
        info_of = registry_lookup(args)

    return fill_info(visits, info_of)


def cmd_sightings(args: argparse.Namespace, info_of: InfoLookup | None = None) -> int:
    """`info_of`: the aircraft database (--aircraft-db) for visits stored without it."""
    from adsbwatch.receiver.store.opening import open_history

    icao = _icao(args.icao) if args.icao else None
    since = since_option(args.since)
    with open_history(args.db) as history:
        visits = _filled(history.sightings(icao=icao, since=since, site=args.site,
                                           watched=args.watched), info_of, args)
    if args.json:
        write_output(json.dumps([_visit_dict(v) for v in visits], indent=1) + "\n", None)
    else:
        write_output(_table(visits), None)
    return 0


def _latest(visits: list[VisitRow], name: str) -> str:
    """The newest visit's value of a column that has one ("": none has); `visits` newest
    first, as History.sightings gives them."""
    return next((getattr(v, name) for v in visits if getattr(v, name)), "")


def cmd_track(args: argparse.Namespace, info_of: InfoLookup | None = None) -> int:
    from adsbwatch.receiver.store.opening import open_history

    icao = _icao(args.icao)
    since = since_option(args.since)
    with open_history(args.db) as history:
        rows = history.track(icao, since=since, site=args.site)
        visits = _filled(history.sightings(icao=icao), info_of, args)
    if not rows:
        heard = f" heard by the site {args.site}" if args.site is not None else ""
        raise UserError(f"no track points{heard} stored for {args.icao.upper()}")
    label = next((v.label for v in visits if v.label), "") or ""
    callsign = next((v.callsigns.split()[0] for v in visits if v.callsigns), "")
    from adsbwatch.receiver.store.export import export_track

    text = export_track(rows, args.format, icao=f"{icao:06x}", label=label, callsign=callsign,
                        registration=_latest(visits, "registration"),
                        type_code=_latest(visits, "type_code"),
                        operator=_latest(visits, "operator"),
                        country=_latest(visits, "country"))
    write_output(text, args.output)
    return 0


def add_parsers(sub: argparse._SubParsersAction, db_parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    sights = sub.add_parser("sightings", parents=[db_parent], help="list recorded visits")
    sights.add_argument("--icao", help="only this address")
    sights.add_argument("--since", metavar="WHEN", help="e.g. 2h, 3d, 2026-11-24, today")
    sights.add_argument("--site", metavar="NAME",
                        help="only visits this site heard (it opened them or joined them)")
    sights.add_argument("--watched", action="store_true",
                        help="only visits of watched aircraft (a store recorded with "
                             "--record-all holds every aircraft's)")
    sights.add_argument("--json", action="store_true", help="JSON instead of a table")
    sights.set_defaults(handler=cmd_sightings)

    track = sub.add_parser("track", parents=[db_parent], help="export an aircraft's track")
    track.add_argument("icao", help="6-digit hex ICAO address")
    track.add_argument("--since", metavar="WHEN", help="e.g. 2h, 3d, 2026-11-24, today")
    track.add_argument("--site", metavar="NAME", help="only the points this site heard")
    track.add_argument("--format", choices=EXPORT_FORMATS, default="geojson")
    track.add_argument("-o", "--output", help="output file (default stdout)")
    track.set_defaults(handler=cmd_track)
