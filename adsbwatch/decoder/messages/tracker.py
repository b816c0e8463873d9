"""Per-aircraft state built from decoded messages, on the sample clock.

The tracker takes pyModeS' stateless decode of each frame (a dict) with its time in
seconds, and keeps what each aircraft said last: identity, altitude, velocity, squawk,
and its position. Positions come from CPR: globally from an even/odd pair, else locally
from the aircraft's last good position, else from the receiver's position. Every new
position must be reachable from the last one at a plausible speed and lie within range
of the receiver; the rest are counted and dropped, never reported. Time is only what the
caller passes in (the sample clock), so a replay at any speed tracks the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pyModeS.position import (
    airborne_position_pair,
    airborne_position_with_ref,
    surface_position_pair,
    surface_position_with_ref,
)

from adsbwatch.decoder.messages.geo import KM_PER_NM, distance_km

SURFACE_TYPECODES = range(5, 9)
AIRBORNE_TYPECODES = (*range(9, 19), *range(20, 23))
CATEGORY_SETS = {4: "A", 3: "B", 2: "C", 1: "D"}  # identification type code -> set
EMERGENCY_SQUAWKS = {"7500": "hijack", "7600": "radio failure", "7700": "general emergency"}
# ADS-B emergency/priority status (TC 28 subtype 1), DO-260B table 2-85.
EMERGENCY_STATES = {1: "general emergency", 2: "lifeguard/medical", 3: "minimum fuel",
                    4: "radio failure", 5: "unlawful interference", 6: "downed aircraft"}
# Comm-B fields worth keeping from DF20/21 replies (pyModeS infers the register).
COMMB_FIELDS = ("selected_altitude_mcp", "selected_altitude_fms", "baro_pressure_setting",
                "roll", "true_track", "track_rate", "true_airspeed", "magnetic_heading",
                "indicated_airspeed", "mach")


@dataclass(frozen=True)
class TrackerConfig:
    receiver: tuple[float, float] | None = None  # (lat, lon)
    max_range_km: float = 600.0  # beyond the radio horizon of any aircraft: a bad decode
    pair_window_s: float = 10.0  # an even and an odd frame further apart do not pair
    surface_pair_window_s: float = 25.0  # slow movers: the zones change slowly
    reference_age_s: float = 30.0  # local decoding trusts a last position this young
    # Local decoding from the receiver's position is unambiguous within 180 NM of it.
    receiver_local_km: float = 180 * KM_PER_NM * 0.9
    max_speed_kt: float = 1500.0  # airborne; anything faster between fixes is an error
    max_surface_speed_kt: float = 250.0  # a take-off roll, with room
    margin_km: float = 2.0  # CPR and timing slack on top of the speed limit
    failures_before_reset: int = 3  # this many rejections in a row: the reference was bad
    expire_s: float = 60.0  # silence after which an aircraft is dropped


@dataclass(frozen=True, slots=True)
class Position:
    t: float
    lat: float
    lon: float
    alt: int | None  # feet; barometric (GNSS for TC 20-22); None on the ground
    gs: float | None  # knots
    track: float | None  # degrees true
    vrate: int | None  # feet per minute
    on_ground: bool
    range_km: float | None  # from the receiver, when its position is known


@dataclass(frozen=True, slots=True)
class Change:
    """A state change worth recording: a new callsign or squawk, an emergency."""

    t: float
    kind: str  # 'callsign', 'squawk', 'emergency'
    old: str | None
    new: str


@dataclass(slots=True)
class _Cpr:
    t: float
    lat: int
    lon: int
    surface: bool


@dataclass(slots=True)
class Aircraft:
    icao: int
    first_seen: float
    last_seen: float
    messages: int = 0
    level_dbfs: float = -math.inf  # strongest frame
    callsign: str | None = None
    category: str | None = None  # emitter category as dump1090 shows it: A3, B1, ...
    squawk: str | None = None
    emergency: str | None = None
    alert: bool = False
    spi: bool = False
    on_ground: bool = False
    altitude: int | None = None  # barometric, feet
    gnss_altitude: int | None = None
    groundspeed: float | None = None
    track: float | None = None
    vertical_rate: int | None = None
    airspeed: float | None = None
    heading: float | None = None
    lat: float | None = None
    lon: float | None = None
    position_t: float | None = None
    positions: int = 0
    rejected_positions: int = 0
    commb: dict[str, Any] = field(default_factory=dict)
    _even: _Cpr | None = None
    _odd: _Cpr | None = None
    _failures: int = 0

    @property
    def hex(self) -> str:
        return f"{self.icao:06x}"


@dataclass(slots=True)
class Update:
    """What one message changed: the aircraft, and any new position or state change."""

    aircraft: Aircraft
    new_aircraft: bool
    position: Position | None = None
    changes: list[Change] = field(default_factory=list)


class Tracker:
    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.aircraft: dict[int, Aircraft] = {}
        self.rejected_positions = 0

    def update(self, t: float, msg: dict[str, Any], level_dbfs: float) -> Update | None:
        """Apply one decoded message (pyModeS' dict) heard at time t (seconds)."""
        icao_text = msg.get("icao")
        if not icao_text:
            return None
        icao = int(icao_text, 16)
        ac = self.aircraft.get(icao)
        new = ac is None
        if ac is None:
            ac = self.aircraft[icao] = Aircraft(icao, t, t)
        ac.last_seen = max(ac.last_seen, t)
        ac.messages += 1
        ac.level_dbfs = max(ac.level_dbfs, level_dbfs)
        update = Update(ac, new)
        df = msg.get("df")
        if df in (17, 18):
            self._extended_squitter(ac, t, msg, update)
        else:
            self._surveillance(ac, t, msg, update)
        return update

    def expire(self, now: float) -> list[Aircraft]:
        """Drop and return the aircraft silent for longer than the configured time."""
        gone = [ac for ac in self.aircraft.values()
                if now - ac.last_seen > self.config.expire_s]
        for ac in gone:
            del self.aircraft[ac.icao]
        return gone

    # --- message kinds -------------------------------------------------------------

    def _extended_squitter(self, ac: Aircraft, t: float, msg: dict[str, Any],
                           update: Update) -> None:
        tc = msg.get("typecode")
        if tc is None:
            return
        if 1 <= tc <= 4:
            if msg.get("category") is not None:
                ac.category = f"{CATEGORY_SETS[tc]}{int(msg['category'])}"
            self._set_callsign(ac, t, msg.get("callsign"), update)
        elif tc in SURFACE_TYPECODES:
            ac.on_ground = True
            if msg.get("groundspeed") is not None:
                ac.groundspeed = float(msg["groundspeed"])
            if msg.get("track") is not None and msg.get("track_status"):
                ac.track = float(msg["track"])
            self._cpr(ac, t, msg, surface=True, alt=None, update=update)
        elif tc in AIRBORNE_TYPECODES:
            ac.on_ground = False
            alt = msg.get("altitude")
            if alt is not None:
                if tc >= 20:
                    ac.gnss_altitude = int(alt)
                else:
                    ac.altitude = int(alt)
            self._cpr(ac, t, msg, surface=False, alt=alt, update=update)
        elif tc == 19:
            self._velocity(ac, msg)
        elif tc == 28 and msg.get("subtype") == 1:
            state = EMERGENCY_STATES.get(int(msg.get("emergency_state") or 0))
            self._set_squawk(ac, t, msg.get("squawk"), update)
            if state:
                self._set_emergency(ac, t, state, update)

    def _surveillance(self, ac: Aircraft, t: float, msg: dict[str, Any],
                      update: Update) -> None:
        df = msg.get("df")
        if df == 11:
            capability = msg.get("capability")
            if capability in (4, 5):  # 4: on the ground, 5: airborne (others: either)
                ac.on_ground = capability == 4
            return
        if df in (0, 4, 16, 20) and msg.get("altitude") is not None:
            ac.altitude = int(msg["altitude"])
        if df in (5, 21):
            self._set_squawk(ac, t, msg.get("squawk"), update)
        status = msg.get("flight_status")
        if status is not None:
            ac.alert = status in (2, 3, 4)
            ac.spi = status in (4, 5)
            if status in (1, 3):
                ac.on_ground = True
            elif status in (0, 2):
                ac.on_ground = False
        if df in (20, 21) and msg.get("bds"):
            if msg.get("bds") == "2,0":
                self._set_callsign(ac, t, msg.get("callsign"), update)
            for key in COMMB_FIELDS:
                if msg.get(key) is not None:
                    ac.commb[key] = msg[key]

    def _velocity(self, ac: Aircraft, msg: dict[str, Any]) -> None:
        if msg.get("groundspeed") is not None:
            ac.groundspeed = float(msg["groundspeed"])
        if msg.get("track") is not None:
            ac.track = float(msg["track"])
        if msg.get("airspeed") is not None:
            ac.airspeed = float(msg["airspeed"])
        if msg.get("heading") is not None:
            ac.heading = float(msg["heading"])
        if msg.get("vertical_rate") is not None:
            ac.vertical_rate = int(msg["vertical_rate"])

    def _set_callsign(self, ac: Aircraft, t: float, callsign: str | None,
                      update: Update) -> None:
        callsign = (callsign or "").strip("_# ")
        if callsign and callsign != ac.callsign:
            update.changes.append(Change(t, "callsign", ac.callsign, callsign))
            ac.callsign = callsign

    def _set_squawk(self, ac: Aircraft, t: float, squawk: str | None, update: Update) -> None:
        if squawk and squawk != ac.squawk:
            update.changes.append(Change(t, "squawk", ac.squawk, squawk))
            ac.squawk = squawk
            if squawk in EMERGENCY_SQUAWKS:
                self._set_emergency(ac, t, EMERGENCY_SQUAWKS[squawk], update)

    def _set_emergency(self, ac: Aircraft, t: float, state: str, update: Update) -> None:
        if state != ac.emergency:
            update.changes.append(Change(t, "emergency", ac.emergency, state))
            ac.emergency = state

    # --- positions -----------------------------------------------------------------

    def _cpr(self, ac: Aircraft, t: float, msg: dict[str, Any], *, surface: bool,
             alt: Any, update: Update) -> None:
        fmt = msg.get("cpr_format")
        lat_raw = msg.get("cpr_lat")
        lon_raw = msg.get("cpr_lon")
        if fmt is None or lat_raw is None or lon_raw is None:
            return
        frame = _Cpr(t, int(lat_raw), int(lon_raw), surface)
        if fmt == 0:
            ac._even = frame
        else:
            ac._odd = frame
        found = self._resolve(ac, frame, fmt, surface)
        if found is None:
            return
        lat, lon, checked_pair = found
        reach = (None if self.config.receiver is None
                 else distance_km(*self.config.receiver, lat, lon))
        if not self._plausible(ac, t, lat, lon, reach, surface, checked_pair):
            ac.rejected_positions += 1
            self.rejected_positions += 1
            ac._failures += 1
            if ac._failures >= self.config.failures_before_reset:
                # Several good-looking fixes disagree with the reference: it was the bad one.
                ac.lat = ac.lon = ac.position_t = None
                ac._failures = 0
            return
        ac._failures = 0
        ac.lat, ac.lon, ac.position_t = lat, lon, t
        ac.positions += 1
        update.position = Position(
            t, lat, lon, None if surface or alt is None else int(alt), ac.groundspeed,
            ac.track, None if surface else ac.vertical_rate, surface, reach)

    def _resolve(self, ac: Aircraft, frame: _Cpr, fmt: int,
                 surface: bool) -> tuple[float, float, bool] | None:
        """(lat, lon, from a pair) for the newest CPR frame, or None if undecidable yet."""
        cfg = self.config
        other = ac._odd if fmt == 0 else ac._even
        window = cfg.surface_pair_window_s if surface else cfg.pair_window_s
        paired = (other is not None and other.surface == surface
                  and abs(frame.t - other.t) <= window)
        reference = self._reference(ac, frame.t, surface)
        if paired:
            assert other is not None
            even, odd = (frame, other) if fmt == 0 else (other, frame)
            if surface:
                if reference is None:
                    return None  # surface zones repeat every 90 degrees: need a reference
                found = surface_position_pair(even.lat, even.lon, odd.lat, odd.lon,
                                              lat_ref=reference[0], lon_ref=reference[1],
                                              even_is_newer=fmt == 0)
            else:
                found = airborne_position_pair(even.lat, even.lon, odd.lat, odd.lon,
                                               even_is_newer=fmt == 0)
            if found is not None:
                return found[0], found[1], True
        if reference is None:
            return None
        decode = surface_position_with_ref if surface else airborne_position_with_ref
        lat, lon = decode(fmt, frame.lat, frame.lon, reference[0], reference[1])
        return lat, lon, False

    def _reference(self, ac: Aircraft, t: float,
                   surface: bool) -> tuple[float, float] | None:
        cfg = self.config
        if (ac.lat is not None and ac.lon is not None and ac.position_t is not None
                and t - ac.position_t <= cfg.reference_age_s):
            return ac.lat, ac.lon
        if cfg.receiver is None:
            return None
        if surface or ac.positions == 0 or ac.lat is None:
            return cfg.receiver
        return None

    def _plausible(self, ac: Aircraft, t: float, lat: float, lon: float,
                   reach: float | None, surface: bool, from_pair: bool) -> bool:
        cfg = self.config
        if abs(lat) > 90 or abs(lon) > 180:
            return False
        if reach is not None:
            limit = cfg.max_range_km
            if not from_pair and not surface and ac.lat is None:
                limit = min(limit, cfg.receiver_local_km)
            if reach > limit:
                return False
        if ac.lat is None or ac.lon is None or ac.position_t is None:
            return from_pair or reach is not None
        speed_kt = cfg.max_surface_speed_kt if surface else cfg.max_speed_kt
        allowed = speed_kt * KM_PER_NM * abs(t - ac.position_t) / 3600.0 + cfg.margin_km
        return distance_km(ac.lat, ac.lon, lat, lon) <= allowed
