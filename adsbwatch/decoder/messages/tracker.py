"""Per-aircraft state built from decoded messages, on the sample clock.

The tracker takes pyModeS' stateless decode of each frame (a dict) with its time in
seconds, and keeps what each aircraft said last: identity, altitude, velocity, squawk,
and its position, which `cpr.locate` works out from the CPR frames (rejected positions
are counted and dropped, never reported). Time is only what the caller passes in (the
sample clock), so a replay at any speed tracks the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from adsbwatch.decoder.messages.cpr import CprConfig, CprFrame, CprTrack, Rejection, locate
from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS, EMERGENCY_STATES
from adsbwatch.decoder.messages.squitter import (
    AIRBORNE_POSITION_TYPECODES,
    SURFACE_POSITION_TYPECODES,
)

CATEGORY_SETS = {4: "A", 3: "B", 2: "C", 1: "D"}  # identification type code -> set
# Comm-B fields worth keeping from DF20/21 replies (pyModeS infers the register).
COMMB_FIELDS = ("selected_altitude_mcp", "selected_altitude_fms", "baro_pressure_setting",
                "roll", "true_track", "track_rate", "true_airspeed", "magnetic_heading",
                "indicated_airspeed", "mach")


@dataclass(frozen=True)
class TrackerConfig(CprConfig):
    expire_s: float = 60.0  # silence after which an aircraft is dropped


class Position(NamedTuple):
    """A fix as the tracker reports it (a NamedTuple: immutable like a frozen dataclass,
    and made four times faster, which counts at one per position frame)."""

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
    positions: int = 0
    rejected_positions: int = 0
    commb: dict[str, Any] = field(default_factory=dict)
    cpr: CprTrack = field(default_factory=CprTrack, repr=False)

    @property
    def hex(self) -> str:
        return f"{self.icao:06x}"

    # The last good position is the one CPR decoding keeps as its reference.
    @property
    def lat(self) -> float | None:
        return None if self.cpr.last is None else self.cpr.last.lat

    @property
    def lon(self) -> float | None:
        return None if self.cpr.last is None else self.cpr.last.lon

    @property
    def position_t(self) -> float | None:
        return None if self.cpr.last is None else self.cpr.last.t


@dataclass(slots=True)
class Update:
    """What one message changed: the aircraft, and any new position or state change."""

    aircraft: Aircraft
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
        if ac is None:
            ac = self.aircraft[icao] = Aircraft(icao, t, t)
        # Comparisons, not max(): this runs for every frame.
        if t > ac.last_seen:
            ac.last_seen = t
        ac.messages += 1
        if level_dbfs > ac.level_dbfs:
            ac.level_dbfs = level_dbfs
        update = Update(ac)
        df = msg.get("df")
        if df == 17 or df == 18:
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
        elif tc in SURFACE_POSITION_TYPECODES:
            ac.on_ground = True
            if msg.get("groundspeed") is not None:
                ac.groundspeed = float(msg["groundspeed"])
            if msg.get("track") is not None and msg.get("track_status"):
                ac.track = float(msg["track"])
            self._cpr(ac, t, msg, surface=True, alt=None, update=update)
        elif tc in AIRBORNE_POSITION_TYPECODES:
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
                self._set_emergency(ac, t, EMERGENCY_SQUAWKS[squawk].name, update)

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
        frame = CprFrame(t, fmt != 0, int(lat_raw), int(lon_raw), surface)
        found = locate(ac.cpr, frame, self.config)
        if found is None:
            return
        if isinstance(found, Rejection):
            ac.rejected_positions += 1
            self.rejected_positions += 1
            return
        ac.positions += 1
        update.position = Position(
            t, found.lat, found.lon, None if surface or alt is None else int(alt),
            ac.groundspeed, ac.track, None if surface else ac.vertical_rate, surface,
            found.range_km)
