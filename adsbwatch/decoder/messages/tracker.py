"""Per-aircraft state built from decoded messages, on the sample clock.

The tracker takes the typed message of each frame (decode.py) with its time in seconds,
and keeps what each aircraft said last: identity, altitude, velocity, squawk, and its
position, which `cpr.locate` works out from the CPR frames (rejected positions
are counted and dropped, never reported). Time is only what the caller passes in (the
sample clock), so a replay at any speed tracks the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from adsbwatch.decoder.messages.cpr import CprConfig, CprFrame, CprTrack, Rejection, locate
from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS, EMERGENCY_STATES
from adsbwatch.decoder.messages.message import (
    Acas,
    AirbornePosition,
    AirborneVelocity,
    AircraftStatus,
    AllCall,
    CommB,
    Cpr,
    Identification,
    Message,
    SurfacePosition,
    Surveillance,
)

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

    def update(self, t: float, msg: Message, level_dbfs: float) -> Update:
        """Apply one decoded message heard at time t (seconds)."""
        icao = msg.icao
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
        apply = self._BY_KIND.get(type(msg))
        if apply is not None:
            apply(self, ac, t, msg, update)
        return update

    def expire(self, now: float) -> list[Aircraft]:
        """Drop and return the aircraft silent for longer than the configured time."""
        gone = [ac for ac in self.aircraft.values()
                if now - ac.last_seen > self.config.expire_s]
        for ac in gone:
            del self.aircraft[ac.icao]
        return gone

    # --- message kinds -------------------------------------------------------------

    def _identification(self, ac: Aircraft, t: float, msg: Identification,
                        update: Update) -> None:
        if msg.category is not None:
            ac.category = msg.category
        self._set_callsign(ac, t, msg.callsign, update)

    def _surface_position(self, ac: Aircraft, t: float, msg: SurfacePosition,
                          update: Update) -> None:
        ac.on_ground = True
        if msg.groundspeed is not None:
            ac.groundspeed = msg.groundspeed
        if msg.track is not None:
            ac.track = msg.track
        self._cpr(ac, t, msg.cpr, surface=True, alt=None, update=update)

    def _airborne_position(self, ac: Aircraft, t: float, msg: AirbornePosition,
                           update: Update) -> None:
        ac.on_ground = False
        if msg.altitude is not None:
            if msg.gnss:
                ac.gnss_altitude = msg.altitude
            else:
                ac.altitude = msg.altitude
        if msg.cpr is not None:
            self._cpr(ac, t, msg.cpr, surface=False, alt=msg.altitude, update=update)

    def _velocity(self, ac: Aircraft, t: float, msg: AirborneVelocity,
                  update: Update) -> None:
        if msg.groundspeed is not None:
            ac.groundspeed = msg.groundspeed
        if msg.track is not None:
            ac.track = msg.track
        if msg.airspeed is not None:
            ac.airspeed = float(msg.airspeed)
        if msg.heading is not None:
            ac.heading = msg.heading
        if msg.vertical_rate is not None:
            ac.vertical_rate = msg.vertical_rate

    def _aircraft_status(self, ac: Aircraft, t: float, msg: AircraftStatus,
                         update: Update) -> None:
        self._set_squawk(ac, t, msg.squawk, update)
        state = EMERGENCY_STATES.get(msg.emergency_state)
        if state:
            self._set_emergency(ac, t, state, update)

    def _all_call(self, ac: Aircraft, t: float, msg: AllCall, update: Update) -> None:
        if msg.on_ground is not None:  # capability 4: on the ground, 5: airborne
            ac.on_ground = msg.on_ground

    def _acas(self, ac: Aircraft, t: float, msg: Acas, update: Update) -> None:
        if msg.altitude is not None:
            ac.altitude = msg.altitude

    def _reply(self, ac: Aircraft, t: float, msg: Surveillance | CommB,
               update: Update) -> None:
        if msg.altitude is not None:
            ac.altitude = msg.altitude
        if msg.squawk is not None:
            self._set_squawk(ac, t, msg.squawk, update)
        ac.alert = msg.alert
        ac.spi = msg.spi
        if msg.on_ground is not None:
            ac.on_ground = msg.on_ground
        if isinstance(msg, CommB) and msg.register is not None:
            if msg.data.callsign is not None:
                self._set_callsign(ac, t, msg.data.callsign, update)
            for key in COMMB_FIELDS:
                value = getattr(msg.data, key)
                if value is not None:
                    ac.commb[key] = value

    _BY_KIND: dict[type, Callable[..., None]] = {
        Identification: _identification, SurfacePosition: _surface_position,
        AirbornePosition: _airborne_position, AirborneVelocity: _velocity,
        AircraftStatus: _aircraft_status, AllCall: _all_call, Acas: _acas,
        Surveillance: _reply, CommB: _reply,
    }

    def _set_callsign(self, ac: Aircraft, t: float, callsign: str, update: Update) -> None:
        if callsign and callsign != ac.callsign:
            update.changes.append(Change(t, "callsign", ac.callsign, callsign))
            ac.callsign = callsign

    def _set_squawk(self, ac: Aircraft, t: float, squawk: str, update: Update) -> None:
        if squawk != ac.squawk:
            update.changes.append(Change(t, "squawk", ac.squawk, squawk))
            ac.squawk = squawk
            if squawk in EMERGENCY_SQUAWKS:
                self._set_emergency(ac, t, EMERGENCY_SQUAWKS[squawk].name, update)

    def _set_emergency(self, ac: Aircraft, t: float, state: str, update: Update) -> None:
        if state != ac.emergency:
            update.changes.append(Change(t, "emergency", ac.emergency, state))
            ac.emergency = state

    # --- positions -----------------------------------------------------------------

    def _cpr(self, ac: Aircraft, t: float, cpr: Cpr, *, surface: bool, alt: int | None,
             update: Update) -> None:
        frame = CprFrame(t, cpr.odd, cpr.lat, cpr.lon, surface)
        found = locate(ac.cpr, frame, self.config)
        if found is None:
            return
        if isinstance(found, Rejection):
            ac.rejected_positions += 1
            self.rejected_positions += 1
            return
        ac.positions += 1
        update.position = Position(
            t, found.lat, found.lon, None if surface else alt,
            ac.groundspeed, ac.track, None if surface else ac.vertical_rate, surface,
            found.range_km)
