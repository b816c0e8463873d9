"""aircraft.json in dump1090-fa's format (its README-json.md), from the one aircraft
table, with readsb's keys for what the aircraft database says (`r`, `t`, `dbFlags`,
`desc`, `ownOp`, `year`: tar1090 shows them). Keys are left out when unknown, never null;
times are on the station's clock (a finished replay's aircraft stay on show; a live
one's age with the wall clock)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.registry.info import AircraftInfo

# Our emergency names (tracker) -> dump1090-fa's.
EMERGENCIES = {"general emergency": "general", "lifeguard/medical": "lifeguard",
               "minimum fuel": "minfuel", "radio failure": "nordo",
               "unlawful interference": "unlawful", "hijack": "unlawful",
               "downed aircraft": "downed"}

# (aircraft.json key, Aircraft attribute, decimals; 0: a whole number), in dump1090-fa's
# order, for the plain numbers.
SPEEDS = (("gs", "groundspeed", 1), ("ias", "indicated_airspeed", 0),
          ("tas", "true_airspeed", 0), ("mach", "mach", 3), ("track", "track", 1),
          ("track_rate", "track_rate", 2), ("roll", "roll", 1),
          ("mag_heading", "magnetic_heading", 1), ("baro_rate", "baro_rate", 0),
          ("geom_rate", "geom_rate", 0))
NAVIGATION = (("nav_qnh", "nav_qnh", 1), ("nav_altitude_mcp", "nav_altitude_mcp", 0),
              ("nav_altitude_fms", "nav_altitude_fms", 0), ("nav_heading", "nav_heading", 1))
ACCURACY = ("version", "nic_baro", "nac_p", "nac_v", "sil", "sil_type", "gva")


def aircraft_json(aircraft: Iterable[Aircraft], now: float, messages: int,
                  no_data_since: float | None = None) -> dict[str, Any]:
    """The whole document: `now` (UNIX seconds), `messages` (Mode S messages so far) and
    one entry per aircraft, most recently heard first. `no_data_since`: a live source is
    away since then (adsbwatch's own key; the web map says so)."""
    doc: dict[str, Any] = {"now": round(now, 1), "messages": messages}
    if no_data_since is not None:
        doc["no_data_since"] = round(no_data_since, 1)
    doc["aircraft"] = [aircraft_entry(ac, now)
                       for ac in sorted(aircraft, key=lambda a: -a.last_seen)]
    return doc


def aircraft_entry(ac: Aircraft, now: float) -> dict[str, Any]:
    """One aircraft, keys in dump1090-fa's order."""
    e: dict[str, Any] = {"hex": ("~" if ac.non_icao else "") + ac.hex, "type": ac.address_type}
    if ac.callsign:
        e["flight"] = ac.callsign.ljust(8)  # dump1090-fa pads callsigns to 8 characters
    if ac.info is not None:
        _database_keys(e, ac.info)
    if ac.on_ground:
        e["alt_baro"] = "ground"
    elif ac.altitude is not None:
        e["alt_baro"] = ac.altitude
    geom = _geometric_altitude(ac)
    if geom is not None:
        e["alt_geom"] = geom
    _numbers(e, ac, SPEEDS)
    if ac.squawk:
        e["squawk"] = ac.squawk
    if ac.emergency:
        e["emergency"] = EMERGENCIES.get(ac.emergency, "reserved")
    elif ac.status_heard:
        e["emergency"] = "none"
    if ac.category:
        e["category"] = ac.category
    _numbers(e, ac, NAVIGATION)
    if ac.nav_modes is not None:
        e["nav_modes"] = list(ac.nav_modes)
    fix = ac.cpr.last
    if fix is not None:
        e["lat"] = round(fix.lat, 6)
        e["lon"] = round(fix.lon, 6)
        if ac.nic is not None:
            e["nic"] = ac.nic
        if ac.rc is not None:
            e["rc"] = ac.rc
        e["seen_pos"] = round(max(now - fix.t, 0.0), 1)
    for key in ACCURACY:
        value = getattr(ac, key)
        if value is not None:
            e[key] = value
    e["mlat"] = []
    e["tisb"] = []
    e["messages"] = ac.messages
    e["seen"] = round(max(now - ac.last_seen, 0.0), 1)
    rssi = ac.rssi
    if rssi is not None:
        e["rssi"] = round(rssi, 1)
    return e


def _database_keys(e: dict[str, Any], info: AircraftInfo) -> None:
    """readsb's keys (net_io.c), where it writes them: after `flight`, each only when
    known, `dbFlags` only when a flag is set, `year` as text. Then adsbwatch's own
    `country` (ISO alpha-2 of the address block) and `country_name`, for the map."""
    for key, value in (("r", info.registration), ("t", info.type_code)):
        if value:
            e[key] = value
    if info.db_flags:
        e["dbFlags"] = info.db_flags
    for key, value in (("desc", info.description), ("ownOp", info.operator),
                       ("year", info.year), ("country", info.country),
                       ("country_name", info.country_name)):
        if value:
            e[key] = value


def _geometric_altitude(ac: Aircraft) -> int | None:
    if ac.gnss_altitude is not None:
        return ac.gnss_altitude
    if ac.altitude is not None and ac.geo_minus_baro is not None and not ac.on_ground:
        return ac.altitude + ac.geo_minus_baro  # the velocity message's GNSS-minus-baro
    return None


def _numbers(e: dict[str, Any], ac: Aircraft,
             keys: tuple[tuple[str, str, int], ...]) -> None:
    """Each known value, rounded as dump1090-fa writes it."""
    for key, attribute, digits in keys:
        value = getattr(ac, attribute)
        if value is not None:
            e[key] = int(round(value)) if digits == 0 else round(float(value), digits)
