"""What the views show of each aircraft: one row per aircraft, with its distance and
bearing from the receiver when both positions are known. Built in the thread that runs
the pipeline, so a view in another thread only ever reads finished rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.geo import bearing_deg
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.decoder.messages.watchrules import Seen


@dataclass(frozen=True, slots=True)
class AircraftRow:
    icao: str  # six hex digits, upper case
    callsign: str | None
    squawk: str | None
    altitude: int | None  # feet; None on the ground or not heard
    on_ground: bool
    groundspeed: float | None
    track: float | None
    lat: float | None
    lon: float | None
    distance_km: float | None  # from the receiver, when both positions are known
    bearing_deg: float | None
    messages: int
    dbfs: float | None  # its signal (mean power of its last frames); None: no level
    watched: bool
    label: str | None
    # what the aircraft database says of it (None: not known)
    registration: str | None = None
    type_code: str | None = None
    country: str | None = None  # ISO alpha-2 of its address block

    @property
    def altitude_text(self) -> str:
        return "ground" if self.on_ground else _opt(self.altitude)

    @property
    def watched_text(self) -> str:
        return (self.label or "yes") if self.watched else ""


def _opt(value: object, fmt: str = "{}") -> str:
    return "" if value is None else fmt.format(value)


def aircraft_row(ac: Aircraft, watchlist: Watchlist,
                 receiver: tuple[float, float] | None) -> AircraftRow:
    matched = watchlist.matches(Seen(ac.icao, ac.info, ac.callsign, ac.squawk))
    entry = matched[0] if matched else None
    fix = ac.cpr.last
    info = ac.info
    distance = bearing = None
    if fix is not None and receiver is not None:
        distance = fix.range_km  # the tracker's own range: the store's closest_km agrees
        bearing = bearing_deg(receiver[0], receiver[1], fix.lat, fix.lon)
    return AircraftRow(
        icao=ac.hex.upper(), callsign=ac.callsign, squawk=ac.squawk,
        altitude=None if ac.on_ground else ac.altitude, on_ground=ac.on_ground,
        groundspeed=ac.groundspeed, track=ac.track,
        lat=None if fix is None else fix.lat, lon=None if fix is None else fix.lon,
        distance_km=distance, bearing_deg=bearing, messages=ac.messages,
        dbfs=ac.rssi,  # None: none of its frames had a level (a peer that sends none)
        watched=entry is not None,
        label=entry.sighting_label if entry is not None else None,
        registration=info.registration if info else None,
        type_code=info.type_code if info else None,
        country=info.country if info else None)


def aircraft_rows(aircraft: Iterable[Aircraft], watchlist: Watchlist,
                  receiver: tuple[float, float] | None) -> list[AircraftRow]:
    """Watched aircraft first, then by messages heard."""
    rows = [aircraft_row(ac, watchlist, receiver) for ac in aircraft]
    return sorted(rows, key=lambda r: (not r.watched, -r.messages))


def cell_texts(row: AircraftRow, with_place: bool, info: Sequence[str] = ()) -> list[str]:
    """The row as both views print it, in the order of `columns(with_place, info)`."""
    position = "" if row.lat is None else f"{row.lat:.3f},{row.lon:.3f}"
    known = _info_values(row)
    cells = [row.icao, row.callsign or "", *(known[name] or "" for name in info),
             row.squawk or "", row.altitude_text,
             _opt(row.groundspeed, "{:.0f}"), _opt(row.track, "{:.0f}"), position]
    if with_place:
        cells += [_opt(row.distance_km, "{:.1f}"), _opt(row.bearing_deg, "{:.0f}")]
    return [*cells, str(row.messages), _opt(row.dbfs, "{:.1f}"), row.watched_text]


def _info_values(row: AircraftRow) -> dict[str, str | None]:
    return {"reg": row.registration, "type": row.type_code, "ctry": row.country}


# (heading, justify, minimum width): the whole row fits 80 columns but for the label.
COLUMNS = (("ICAO", "left", 6), ("callsign", "left", 8), ("sqwk", "left", 4),
           ("alt ft", "right", 6), ("kt", "right", 3), ("trk", "right", 3),
           ("position", "left", 13))
PLACE_COLUMNS = (("km", "right", 5), ("brg", "right", 3))
TAIL_COLUMNS = (("msgs", "right", 4), ("dBFS", "right", 5), ("watched", "left", 7))
# What the aircraft database says, after the callsign, most wanted first: each shown
# when a row has it and the terminal has room for it besides the columns above.
INFO_COLUMNS = (("reg", "left", 8), ("type", "left", 4), ("ctry", "left", 4))


def columns(with_place: bool, info: Sequence[str] = ()) -> tuple[tuple[str, str, int], ...]:
    """`info`: the headings of INFO_COLUMNS to show (see `info_columns`)."""
    return (*COLUMNS[:2], *(c for c in INFO_COLUMNS if c[0] in info), *COLUMNS[2:],
            *(PLACE_COLUMNS if with_place else ()), *TAIL_COLUMNS)


def info_columns(rows: Sequence[AircraftRow], with_place: bool,
                 width: int | None = None) -> tuple[str, ...]:
    """The database's columns worth showing: those some row has a value for, as many
    as fit `width` terminal columns (None: no limit) beside the others at their least
    width, without squeezing them."""
    # rich pads each cell by one on both sides: a gap of 2 between columns, 1 at each edge
    used = sum(w + 2 for _, _, w in columns(with_place))
    shown: list[str] = []
    for name, _, w in INFO_COLUMNS:
        if not any(_info_values(row)[name] for row in rows):
            continue
        if width is not None and used + w + 2 > width:
            break  # the less wanted ones after it do not fit either
        used += w + 2
        shown.append(name)
    return tuple(shown)
