"""The one aircraft table: every aircraft heard, updated from typed messages on the
caller's clock.

`update` applies one decoded message (message.py) heard at time t with its signal power,
and says what it changed: the aircraft, a new position (`cpr.locate` works positions out
from the CPR frames; rejected ones are counted, never reported), and changes worth
recording (callsign, squawk, emergency). Aircraft silent for `expire_s` leave the table
for `departed`, which keeps the latest few within a count and an age, so a run of weeks
holds a bounded table. Time is only what the caller passes in.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.cpr import CprConfig, CprFrame, Rejection, locate
from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS, EMERGENCY_STATES
from adsbwatch.decoder.messages.integrity import V0_NAC_P, V0_SIL, nic_rc
from adsbwatch.decoder.messages.message import (
    SQUITTERS,
    Acas,
    AirbornePosition,
    AirborneVelocity,
    AircraftStatus,
    AllCall,
    CommB,
    Identification,
    Message,
    OperationalStatus,
    OtherSquitter,
    SurfacePosition,
    Surveillance,
    TargetState,
)
from adsbwatch.decoder.messages.receivercheck import ReceiverCheck
from adsbwatch.decoder.registry.info import InfoLookup

ADSB_VELOCITY_WINS_S = 60.0  # an ADS-B velocity this recent beats Comm-B's speeds
_SQUITTERS = frozenset(SQUITTERS)


def _recent(since: float | None, t: float) -> bool:
    """An ADS-B figure given at `since` still beats Comm-B's at `t`."""
    return since is not None and t - since <= ADSB_VELOCITY_WINS_S


@dataclass(frozen=True)
class TrackerConfig(CprConfig):
    expire_s: float = 60.0  # silence after which an aircraft leaves the table
    departed_kept: int = 500  # departed aircraft remembered for the views, newest first
    departed_age_s: float = 3600.0  # and no longer than this after they went silent


class Position(NamedTuple):
    """A fix as the tracker reports it."""

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


_NO_CHANGES: tuple[Change, ...] = ()


@dataclass(slots=True)
class AircraftUpdate:
    """One decoded message applied: when, its signal power (full scale 1; NaN: the frame
    came with no level), the message, the aircraft as it now is, and what it changed."""

    t: float
    power: float
    message: Message
    aircraft: Aircraft
    position: Position | None = None
    changes: list[Change] | tuple[Change, ...] = _NO_CHANGES

    def change(self, change: Change) -> None:
        if not self.changes:
            self.changes = []
        self.changes.append(change)  # type: ignore[union-attr]


@dataclass
class TrackerCounts:
    """Running totals, for the statistics (dump1090-fa's `cpr` and `tracks`)."""

    global_positions: int = 0  # from an even/odd pair
    local_positions: int = 0  # from a reference position
    rejected_positions: int = 0
    surface_cpr: int = 0  # position messages read
    airborne_cpr: int = 0
    tracks: int = 0  # aircraft that entered the table
    single_message_tracks: int = 0  # of those, expired after one message


class Tracker:
    def __init__(self, config: TrackerConfig | None = None,
                 info_of: InfoLookup | None = None) -> None:
        """`info_of`: what the aircraft database says of an address, asked once when an
        aircraft enters the table."""
        self.config = config or TrackerConfig()
        self.info_of = info_of
        self.aircraft: dict[int, Aircraft] = {}
        self.departed: OrderedDict[int, Aircraft] = OrderedDict()  # oldest first
        self.counts = TrackerCounts()
        receiver = self.config.receiver
        self.receiver_check = (None if receiver is None
                               else ReceiverCheck(receiver, self.config.max_range_km))
        self._apply: dict[type, Callable[[Aircraft, AircraftUpdate, Any], None]] = {
            AllCall: self._air_ground, Surveillance: self._surveillance, Acas: self._acas,
            CommB: self._comm_b, Identification: self._identification,
            SurfacePosition: self._surface_position,
            AirbornePosition: self._airborne_position, AirborneVelocity: self._velocity,
            AircraftStatus: self._status, TargetState: self._target_state,
            OperationalStatus: self._operational_status, OtherSquitter: self._air_ground,
        }

    @property
    def rejected_positions(self) -> int:
        return self.counts.rejected_positions

    def update(self, t: float, message: Message, power: float = math.nan) -> AircraftUpdate:
        """Apply one decoded message heard at time t (seconds)."""
        ac = self.aircraft.get(message.icao)
        if ac is None:
            ac = self.aircraft[message.icao] = self._enter(message.icao, t)
        # Comparisons, not max(): this runs for every frame.
        if t > ac.last_seen:
            ac.last_seen = t
        ac.messages += 1
        if power == power:  # not NaN: the frame came with a level
            ac.signal.add(power)
        update = AircraftUpdate(t, power, message, ac)
        if type(message) in _SQUITTERS:
            ac.heard_as(message.address_type)  # type: ignore[union-attr]
            if ac.version is None and message.address_type.startswith("adsb"):  # type: ignore[union-attr]
                ac.version = 0  # as dump1090-fa: until an operational status says
        self._apply[type(message)](ac, update, message)
        return update

    def _enter(self, icao: int, t: float) -> Aircraft:
        self.counts.tracks += 1
        self.departed.pop(icao, None)  # heard again: back in the table, afresh
        info = self.info_of(icao) if self.info_of is not None else None
        return Aircraft(icao, t, t, info=info)

    def expire(self, now: float) -> list[Aircraft]:
        """Move the aircraft silent for longer than the configured time to `departed`
        (kept within its count and age) and return them."""
        config = self.config
        gone = [ac for ac in self.aircraft.values() if now - ac.last_seen > config.expire_s]
        for ac in gone:
            del self.aircraft[ac.icao]
            if ac.messages == 1:
                self.counts.single_message_tracks += 1
            self.departed[ac.icao] = ac
        departed = self.departed
        while departed and (len(departed) > config.departed_kept or
                            now - next(iter(departed.values())).last_seen
                            > config.departed_age_s):
            departed.popitem(last=False)
        return gone

    def all_aircraft(self) -> list[Aircraft]:
        """The aircraft in the table, then the departed ones still remembered."""
        return [*self.aircraft.values(), *reversed(self.departed.values())]

    # --- message kinds -------------------------------------------------------------

    def _air_ground(self, ac: Aircraft, update: AircraftUpdate, msg: Any) -> None:
        on_ground = msg.on_ground
        if on_ground is not None:
            ac.on_ground = on_ground

    def _flight_status(self, ac: Aircraft, update: AircraftUpdate,
                       msg: Surveillance | CommB) -> None:
        ac.alert = msg.alert
        ac.spi = msg.spi
        self._air_ground(ac, update, msg)
        if msg.altitude is not None:
            ac.altitude = msg.altitude
        if msg.squawk is not None:
            self._set_squawk(ac, update, msg.squawk)

    def _surveillance(self, ac: Aircraft, update: AircraftUpdate, msg: Surveillance) -> None:
        self._flight_status(ac, update, msg)

    def _acas(self, ac: Aircraft, update: AircraftUpdate, msg: Acas) -> None:
        ac.on_ground = msg.on_ground
        if msg.altitude is not None:
            ac.altitude = msg.altitude

    def _comm_b(self, ac: Aircraft, update: AircraftUpdate, msg: CommB) -> None:
        self._flight_status(ac, update, msg)
        d = msg.data
        if d.callsign is not None:
            self._set_callsign(ac, update, d.callsign)
        for name in ("selected_altitude_mcp", "selected_altitude_fms"):
            value = getattr(d, name)
            if value is not None:
                setattr(ac, "nav_altitude_" + name[-3:], value)
        if d.baro_pressure_setting is not None:
            ac.nav_qnh = d.baro_pressure_setting
        for name in ("roll", "track_rate", "true_airspeed", "magnetic_heading",
                     "indicated_airspeed", "mach"):
            value = getattr(d, name)
            if value is not None:
                setattr(ac, name, value)
        # ADS-B's own figures are more precise than Comm-B's, each while recent: an
        # ADS-B velocity with a GNSS vertical rate leaves BDS 6,0's barometric one
        # standing (readsb and dump1090-fa keep each field's source so).
        t = update.t
        if not _recent(ac.velocity_t, t):
            if d.true_track is not None:
                ac.track = d.true_track
            if d.groundspeed is not None:
                ac.groundspeed = d.groundspeed
        if d.baro_vertical_rate is not None and not _recent(ac.baro_rate_t, t):
            ac.baro_rate = d.baro_vertical_rate
        if d.inertial_vertical_rate is not None and not _recent(ac.geom_rate_t, t):
            ac.geom_rate = d.inertial_vertical_rate

    def _identification(self, ac: Aircraft, update: AircraftUpdate,
                        msg: Identification) -> None:
        if msg.category is not None:
            ac.category = msg.category
        self._set_callsign(ac, update, msg.callsign)

    def _surface_position(self, ac: Aircraft, update: AircraftUpdate,
                          msg: SurfacePosition) -> None:
        ac.on_ground = True
        if msg.groundspeed is not None:
            ac.groundspeed = msg.groundspeed
        if msg.track is not None:
            ac.track = msg.track
        self.counts.surface_cpr += 1
        self._position(ac, update, msg, surface=True, alt=None, nic_b=0)

    def _airborne_position(self, ac: Aircraft, update: AircraftUpdate,
                           msg: AirbornePosition) -> None:
        ac.on_ground = False
        if msg.altitude is not None:
            if msg.gnss:
                ac.gnss_altitude = msg.altitude
            else:
                ac.altitude = msg.altitude
        if msg.cpr is None:  # TC 0: no position
            self._v0_accuracy(ac, msg.typecode)
            return
        self.counts.airborne_cpr += 1
        self._position(ac, update, msg, surface=False, alt=msg.altitude,
                       nic_b=msg.nic_b or 0)

    def _velocity(self, ac: Aircraft, update: AircraftUpdate, msg: AirborneVelocity) -> None:
        ac.on_ground = False
        ac.velocity_t = update.t
        if msg.groundspeed is not None:
            ac.groundspeed = msg.groundspeed
        if msg.track is not None:
            ac.track = msg.track
        if msg.airspeed is not None:
            if msg.airspeed_type == "TAS":
                ac.true_airspeed = msg.airspeed
            else:
                ac.indicated_airspeed = msg.airspeed
        if msg.heading is not None:
            ac.magnetic_heading = msg.heading
        if msg.vertical_rate is not None:
            if msg.vertical_rate_source == "GNSS":
                ac.geom_rate, ac.geom_rate_t = msg.vertical_rate, update.t
            else:
                ac.baro_rate, ac.baro_rate_t = msg.vertical_rate, update.t
        if msg.geo_minus_baro is not None:
            ac.geo_minus_baro = msg.geo_minus_baro
        ac.nac_v = msg.nac_v

    def _status(self, ac: Aircraft, update: AircraftUpdate, msg: AircraftStatus) -> None:
        ac.status_heard = True
        self._set_squawk(ac, update, msg.squawk)
        state = EMERGENCY_STATES.get(msg.emergency_state)
        if state:
            self._set_emergency(ac, update, state)

    def _target_state(self, ac: Aircraft, update: AircraftUpdate, msg: TargetState) -> None:
        ac.version = max(ac.version or 0, 2)  # target state messages are version 2's
        if msg.selected_altitude is not None:
            if msg.selected_altitude_source == "FMS":
                ac.nav_altitude_fms = msg.selected_altitude
            else:
                ac.nav_altitude_mcp = msg.selected_altitude
        if msg.baro_pressure_setting is not None:
            ac.nav_qnh = msg.baro_pressure_setting
        if msg.selected_heading is not None:
            ac.nav_heading = msg.selected_heading
        if msg.autopilot_modes is not None:
            ac.nav_modes = msg.autopilot_modes
        ac.nac_p = msg.nac_p
        ac.nic_baro = msg.nic_baro
        ac.sil = msg.sil

    def _operational_status(self, ac: Aircraft, update: AircraftUpdate,
                            msg: OperationalStatus) -> None:
        ac.version = msg.version
        if msg.nic_a is not None:  # None: a version that carries none of these figures
            ac.nic_a = msg.nic_a
        if msg.nac_p is not None:
            ac.nac_p = msg.nac_p
        if msg.sil is not None:
            ac.sil = msg.sil
        ac.sil_type = ("unknown" if msg.sil_per_sample is None
                       else "persample" if msg.sil_per_sample else "perhour")
        if msg.nic_baro is not None:
            ac.nic_baro = msg.nic_baro
        if msg.gva is not None:
            ac.gva = msg.gva

    # --- changes worth recording ---------------------------------------------------

    @staticmethod
    def _set_callsign(ac: Aircraft, update: AircraftUpdate, callsign: str | None) -> None:
        callsign = (callsign or "").strip("_# ")
        if callsign and callsign != ac.callsign:
            update.change(Change(update.t, "callsign", ac.callsign, callsign))
            ac.callsign = callsign

    def _set_squawk(self, ac: Aircraft, update: AircraftUpdate, squawk: str) -> None:
        if squawk and squawk != ac.squawk:
            update.change(Change(update.t, "squawk", ac.squawk, squawk))
            ac.squawk = squawk
            if squawk in EMERGENCY_SQUAWKS:
                self._set_emergency(ac, update, EMERGENCY_SQUAWKS[squawk].name)

    @staticmethod
    def _set_emergency(ac: Aircraft, update: AircraftUpdate, state: str) -> None:
        if state != ac.emergency:
            update.change(Change(update.t, "emergency", ac.emergency, state))
            ac.emergency = state

    # --- positions -----------------------------------------------------------------

    def _check_receiver(self, ac: Aircraft, rejected: Rejection, surface: bool) -> None:
        """A pair position beyond range may say the receiver position is wrong; once
        it is sure, decode without it (positions of every aircraft start afresh)."""
        check = self.receiver_check
        if (check is None or surface or not rejected.from_pair
                or rejected.range_km is None or rejected.range_km <= self.config.max_range_km):
            return
        if check.beyond_range(ac.icao, rejected.lat, rejected.lon):
            self.config = replace(self.config, receiver=None)
            for other in (*self.aircraft.values(), *self.departed.values()):
                other.cpr.last = None
                other.cpr.failures = 0

    @staticmethod
    def _v0_accuracy(ac: Aircraft, typecode: int) -> None:
        """Version 0 sends no operational status: its position type code implies NACp
        and SIL (dump1090-fa and readsb show them so)."""
        if ac.version == 0:
            ac.nac_p = V0_NAC_P[typecode]
            ac.sil = V0_SIL[typecode]
            ac.sil_type = "unknown"

    def _position(self, ac: Aircraft, update: AircraftUpdate,
                  msg: SurfacePosition | AirbornePosition, *, surface: bool,
                  alt: int | None, nic_b: int) -> None:
        self._v0_accuracy(ac, msg.typecode)
        cpr = msg.cpr
        assert cpr is not None
        t = update.t
        found = locate(ac.cpr, CprFrame(t, cpr.odd, cpr.lat, cpr.lon, surface), self.config)
        if found is None:
            return
        if isinstance(found, Rejection):
            ac.rejected_positions += 1
            self.counts.rejected_positions += 1
            self._check_receiver(ac, found, surface)
            return
        if self.receiver_check is not None and found.from_pair and not surface:
            self.receiver_check.within_range()
        if found.from_pair:
            self.counts.global_positions += 1
        else:
            self.counts.local_positions += 1
        ac.positions += 1
        integrity = nic_rc(msg.typecode, ac.version or 0, ac.nic_a, nic_b)
        if integrity is not None:
            ac.nic, ac.rc = integrity
        update.position = Position(
            t, found.lat, found.lon, None if surface else alt, ac.groundspeed, ac.track,
            None if surface else ac.vertical_rate, surface, found.range_km)
