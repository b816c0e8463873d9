"""aircraft.json in dump1090-fa's format (its README-json.md), from the tracker's state
and what `HeardAircraft` kept. Keys are left out when unknown, never null; times are on
the pipeline's clock, so a finished replay's aircraft stay on show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adsbwatch.decoder.messages.tracker import Aircraft
from adsbwatch.receiver.outputs.http.heard import Extras, HeardAircraft

# Our emergency names (tracker) -> dump1090-fa's.
EMERGENCIES = {"general emergency": "general", "lifeguard/medical": "lifeguard",
               "minimum fuel": "minfuel", "radio failure": "nordo",
               "unlawful interference": "unlawful", "hijack": "unlawful",
               "downed aircraft": "downed"}

# Comm-B fields (tracker's `Aircraft.commb`, pyModeS' names) -> dump1090-fa's keys.
COMMB_KEYS = {"indicated_airspeed": "ias", "true_airspeed": "tas", "mach": "mach",
              "track_rate": "track_rate", "roll": "roll", "magnetic_heading": "mag_heading",
              "selected_altitude_mcp": "nav_altitude_mcp",
              "selected_altitude_fms": "nav_altitude_fms", "baro_pressure_setting": "nav_qnh"}
COMMB_DIGITS = {"mach": 3, "track_rate": 2, "nav_altitude_mcp": 0,
                "nav_altitude_fms": 0}  # default: one decimal


def aircraft_json(aircraft: Iterable[Aircraft], heard: HeardAircraft, now: float,
                  messages: int) -> dict[str, Any]:
    """The whole document: `now` (UNIX seconds), `messages` (Mode S messages so far) and
    one entry per aircraft, most recently heard first."""
    entries = [aircraft_entry(ac, heard.get(ac.icao), now)
               for ac in sorted(aircraft, key=lambda a: -a.last_seen)]
    return {"now": round(now, 1), "messages": messages, "aircraft": entries}


def aircraft_entry(ac: Aircraft, extras: Extras | None, now: float) -> dict[str, Any]:
    """One aircraft, keys in dump1090-fa's order."""
    e: dict[str, Any] = {}
    non_icao = extras is not None and extras.non_icao
    e["hex"] = ("~" if non_icao else "") + ac.hex
    if extras is not None:
        e["type"] = extras.kind
    if ac.callsign:
        e["flight"] = ac.callsign.ljust(8)  # dump1090-fa pads callsigns to 8 characters
    if ac.on_ground:
        e["alt_baro"] = "ground"
    elif ac.altitude is not None:
        e["alt_baro"] = ac.altitude
    geom = _geometric_altitude(ac, extras)
    if geom is not None:
        e["alt_geom"] = geom
    _put(e, "gs", ac.groundspeed)
    _airspeeds(e, ac, extras)
    _put(e, "track", ac.track if ac.track is not None else ac.commb.get("true_track"))
    _commb(e, ac, ("track_rate", "roll", "magnetic_heading"))
    if "mag_heading" not in e:
        _put(e, "mag_heading", ac.heading)  # an airspeed message's heading is magnetic
    if ac.vertical_rate is not None:
        gnss = extras is not None and extras.vr_source == "GNSS"
        e["geom_rate" if gnss else "baro_rate"] = ac.vertical_rate
    if ac.squawk:
        e["squawk"] = ac.squawk
    if ac.emergency:
        e["emergency"] = EMERGENCIES.get(ac.emergency, "reserved")
    elif extras is not None and extras.status_heard:
        e["emergency"] = "none"
    if ac.category:
        e["category"] = ac.category
    _commb(e, ac, ("baro_pressure_setting", "selected_altitude_mcp", "selected_altitude_fms"))
    if extras is not None:
        for key in ("nav_qnh", "nav_altitude_mcp", "nav_altitude_fms", "nav_heading",
                    "nav_modes"):
            if key in extras.fields:
                e[key] = extras.fields[key]  # ADS-B target state: newer than Comm-B's
    if ac.lat is not None and ac.lon is not None and ac.position_t is not None:
        e["lat"] = round(ac.lat, 6)
        e["lon"] = round(ac.lon, 6)
        nic_rc = extras.nic_rc if extras is not None else None
        if nic_rc is not None:
            e["nic"] = nic_rc[0]
            if nic_rc[1] is not None:
                e["rc"] = nic_rc[1]
        e["seen_pos"] = round(max(now - ac.position_t, 0.0), 1)
    if extras is not None:
        for key in ("version", "nic_baro", "nac_p", "nac_v", "sil", "sil_type"):
            if key in extras.fields:
                e[key] = extras.fields[key]
    e["mlat"] = []
    e["tisb"] = []
    e["messages"] = ac.messages
    e["seen"] = round(max(now - ac.last_seen, 0.0), 1)
    rssi = extras.rssi if extras is not None else None
    if rssi is not None:
        e["rssi"] = round(rssi, 1)
    return e


def _geometric_altitude(ac: Aircraft, extras: Extras | None) -> int | None:
    if ac.gnss_altitude is not None:
        return ac.gnss_altitude
    delta = extras.geo_minus_baro if extras is not None else None
    if ac.altitude is not None and delta is not None and not ac.on_ground:
        return ac.altitude + delta  # the velocity message's GNSS-minus-baro difference
    return None


def _airspeeds(e: dict[str, Any], ac: Aircraft, extras: Extras | None) -> None:
    kind = extras.airspeed_type if extras is not None else None
    ias = ac.commb.get("indicated_airspeed")
    tas = ac.commb.get("true_airspeed")
    if ac.airspeed is not None and kind == "IAS":
        ias = ac.airspeed
    elif ac.airspeed is not None and kind == "TAS":
        tas = ac.airspeed
    _put(e, "ias", ias, 0)
    _put(e, "tas", tas, 0)
    _commb(e, ac, ("mach",))


def _commb(e: dict[str, Any], ac: Aircraft, fields: Iterable[str]) -> None:
    for name in fields:
        key = COMMB_KEYS[name]
        _put(e, key, ac.commb.get(name), COMMB_DIGITS.get(key, 1))


def _put(e: dict[str, Any], key: str, value: Any, digits: int = 1) -> None:
    """Set `key` when `value` is known (rounded as dump1090-fa writes it)."""
    if value is None:
        return
    e[key] = int(round(value)) if digits == 0 else round(float(value), digits)
