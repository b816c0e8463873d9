"""What an alert says of a sighting, in one place: the console's highlighted line, the
--on-sighting command's environment and JSON, the push messages (--notify) and the map's
banner all take their words from here.

`SightingFacts` is taken on the station's thread when the sighting is announced (the
aircraft keeps changing after that); everything else here is a pure function of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from adsbwatch.decoder.messages.geo import bearing_deg, distance_km
from adsbwatch.receiver.when import table_time

if TYPE_CHECKING:
    from adsbwatch.receiver.core.events import Sighting

COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
SUMMARY_LISTED = 30  # addresses a summary names; the rest are only counted


@dataclass(frozen=True, slots=True)
class SightingFacts:
    """A sighting as the alerts tell it."""

    icao: str  # six hex digits, upper case
    label: str | None
    time: float  # when the visit began (data time)
    callsign: str | None = None
    squawk: str | None = None
    altitude_ft: int | None = None
    on_ground: bool = False
    registration: str | None = None
    type_code: str | None = None
    description: str | None = None  # the type's, e.g. "Boeing 737-700"
    operator: str | None = None
    country: str | None = None  # its name where known, else the ISO code
    distance_km: float | None = None  # from the receiver, when both positions are known
    bearing_deg: float | None = None
    signal_dbfs: float | None = None  # None: its frames came with no level (a peer's)
    map_url: str | None = None  # the web map with this aircraft selected (--http)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def facts_of(sighting: Sighting, receiver: tuple[float, float] | None = None,
             map_root: str | None = None) -> SightingFacts:
    """What `sighting` says now; `receiver`: where distances are measured from;
    `map_root`: the web map's address, for a link to the aircraft."""
    visit, ac = sighting.visit, sighting.aircraft
    info = ac.info
    distance = bearing = None
    if receiver is not None and ac.lat is not None and ac.lon is not None:
        distance = distance_km(receiver[0], receiver[1], ac.lat, ac.lon)
        bearing = bearing_deg(receiver[0], receiver[1], ac.lat, ac.lon)
    icao = ac.hex.upper()
    return SightingFacts(
        icao=icao, label=sighting.name or None, time=sighting.time,
        callsign=ac.callsign or None, squawk=ac.squawk or None, altitude_ft=ac.altitude,
        on_ground=ac.on_ground,
        registration=info.registration if info else None,
        type_code=info.type_code if info else None,
        description=info.description if info else None,
        operator=info.operator if info else None,
        country=(info.country_name or info.country) if info else None,
        distance_km=distance, bearing_deg=bearing, signal_dbfs=visit.signal_dbfs(1),
        map_url=map_link(map_root, ac.hex) if map_root else None)


def map_link(root: str, hex_address: str) -> str:
    """The web map at `root` with the aircraft selected (the page reads ?icao=)."""
    return f"{root.rstrip('/')}/?icao={quote(hex_address.lower())}"


def compass(bearing: float) -> str:
    """N, NE, E, ... for a bearing in degrees."""
    return COMPASS[round(bearing / 45) % len(COMPASS)]


def altitude_text(f: SightingFacts) -> str | None:
    if f.on_ground:
        return "on the ground"
    return None if f.altitude_ft is None else f"{f.altitude_ft} ft"


def where_text(f: SightingFacts) -> str | None:
    """'14.1 km SW of the receiver (216°)', when known."""
    if f.distance_km is None or f.bearing_deg is None:
        return None
    return (f"{f.distance_km:.1f} km {compass(f.bearing_deg)} of the receiver "
            f"({f.bearing_deg:.0f}°)")


def identity_text(f: SightingFacts) -> str | None:
    """'PH-GOV, B737 (Boeing 737-700), Netherlands Government, Netherlands': what the
    aircraft database knows, when it knows anything."""
    kind = f.type_code
    if f.description:
        kind = f"{kind} ({f.description})" if kind else f.description
    parts = [p for p in (f.registration, kind, f.operator, f.country) if p]
    return ", ".join(parts) or None


def when_text(f: SightingFacts) -> str:
    return f"{table_time(f.time)} UTC"


def console_line(f: SightingFacts) -> str:
    """The console's one line: 'SIGHTING 484506 (label) PH-GOV B737 callsign NAF01
    squawk 1234 7975 ft 14.1 km SW at 2025-05-16 09:30:00 UTC, -1.0 dBFS'."""
    parts = [f"SIGHTING {f.icao}"]
    if f.label:
        parts.append(f"({f.label})")
    parts += [p for p in (f.registration, f.type_code) if p]
    if f.callsign:
        parts.append(f"callsign {f.callsign}")
    if f.squawk:
        parts.append(f"squawk {f.squawk}")
    altitude = altitude_text(f)
    if altitude:
        parts.append(altitude)
    if f.distance_km is not None and f.bearing_deg is not None:
        parts.append(f"{f.distance_km:.1f} km {compass(f.bearing_deg)}")
    when = when_text(f)
    parts.append(f"at {when}" if f.signal_dbfs is None
                 else f"at {when}, {f.signal_dbfs:.1f} dBFS")
    return " ".join(parts)


def title(f: SightingFacts) -> str:
    """A message's title: '484506 NAF01: Dutch government Boeing 737 BBJ'."""
    name = " ".join(p for p in (f.icao, f.callsign or f.registration) if p)
    return f"{name}: {f.label}" if f.label else f"{name}: a watched aircraft"


def body(f: SightingFacts) -> str:
    """A message's text, a line for each thing known."""
    heard = ", ".join(p for p in (f"callsign {f.callsign}" if f.callsign else None,
                                  f"squawk {f.squawk}" if f.squawk else None,
                                  altitude_text(f)) if p)
    lines = [f"Sighting of {f.icao}" + (f" ({f.label})" if f.label else ""),
             identity_text(f), heard or None, where_text(f), when_text(f),
             f"map: {f.map_url}" if f.map_url else None]
    return "\n".join(line for line in lines if line)


def environment(f: SightingFacts) -> dict[str, str]:
    """The --on-sighting command's variables."""
    return {"ADSBWATCH_ICAO": f.icao.lower(), "ADSBWATCH_LABEL": f.label or "",
            "ADSBWATCH_CALLSIGN": f.callsign or "",
            "ADSBWATCH_REGISTRATION": f.registration or "",
            "ADSBWATCH_TYPE": f.type_code or "", "ADSBWATCH_TITLE": title(f),
            "ADSBWATCH_TEXT": body(f)}


def summary_title(count: int) -> str:
    return f"{count} more sightings"


def summary_body(held: Sequence[SightingFacts], unlisted: int = 0) -> str:
    """Sightings held back by the rate limit, in one message: 'and 37 more sightings:
    4CA1FA RYR12 (Ryanair), 3C6444 DLH4AB, ...' (each its address, its callsign or
    registration, its label); `unlisted`: more that are only counted."""
    names = [_summary_name(f) for f in held[:SUMMARY_LISTED]]
    more = len(held) - len(names) + unlisted
    count = len(held) + unlisted
    if not names:
        return f"and {count} more sightings"
    tail = ", ..." if more else ""
    return f"and {count} more sightings: {', '.join(names)}{tail}"


def _summary_name(f: SightingFacts) -> str:
    named = " ".join(filter(None, (f.icao, f.callsign or f.registration)))
    return f"{named} ({f.label})" if f.label else named
