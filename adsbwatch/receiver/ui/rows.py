"""What the views show of each aircraft: one row per aircraft, with its distance and
bearing from the receiver when both positions are known. Built in the thread that runs
the pipeline, so a view in another thread only ever reads finished rows."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.decoder.messages.watchrules import Seen


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from true
    north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


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
        label=entry.sighting_label if entry is not None else None)


def aircraft_rows(aircraft: Iterable[Aircraft], watchlist: Watchlist,
                  receiver: tuple[float, float] | None) -> list[AircraftRow]:
    """Watched aircraft first, then by messages heard."""
    rows = [aircraft_row(ac, watchlist, receiver) for ac in aircraft]
    return sorted(rows, key=lambda r: (not r.watched, -r.messages))


def cell_texts(row: AircraftRow, with_place: bool) -> list[str]:
    """The row as both views print it, in the order of `columns(with_place)`."""
    position = "" if row.lat is None else f"{row.lat:.3f},{row.lon:.3f}"
    cells = [row.icao, row.callsign or "", row.squawk or "", row.altitude_text,
             _opt(row.groundspeed, "{:.0f}"), _opt(row.track, "{:.0f}"), position]
    if with_place:
        cells += [_opt(row.distance_km, "{:.1f}"), _opt(row.bearing_deg, "{:.0f}")]
    return [*cells, str(row.messages), _opt(row.dbfs, "{:.1f}"), row.watched_text]


# (heading, justify, minimum width): the whole row fits 80 columns but for the label.
COLUMNS = (("ICAO", "left", 6), ("callsign", "left", 8), ("sqwk", "left", 4),
           ("alt ft", "right", 6), ("kt", "right", 3), ("trk", "right", 3),
           ("position", "left", 13))
PLACE_COLUMNS = (("km", "right", 5), ("brg", "right", 3))
TAIL_COLUMNS = (("msgs", "right", 4), ("dBFS", "right", 5), ("watched", "left", 7))


def columns(with_place: bool) -> tuple[tuple[str, str, int], ...]:
    return (*COLUMNS, *(PLACE_COLUMNS if with_place else ()), *TAIL_COLUMNS)
