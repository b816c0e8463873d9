"""Simulated air traffic: aircraft on plausible tracks, sending what DO-260B says they
send, when it says they send it, with ground truth kept for every position.

Pure: the scenes are functions of their arguments and a numpy Generator. The truth is
turned into JSON text here; reading and writing files is the receiver's job.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adsbwatch.decoder.messages.emergency import EMERGENCY_SQUAWKS
from adsbwatch.decoder.messages.geo import EARTH_RADIUS_KM, FT_TO_M, KM_PER_NM, distance_km
from adsbwatch.decoder.sim import encode as enc
from adsbwatch.decoder.sim.defaults import DEFAULT_START_TIME, EHAM_RECEIVER
from adsbwatch.decoder.sim.simulate import LONGEST_FRAME_S, SimFrame

EARTH_RADIUS_M = EARTH_RADIUS_KM * 1000.0
KT_TO_MS = KM_PER_NM * 1000.0 / 3600.0
MAX_FREQ_OFFSET_HZ = 100e3

# Transmission intervals (DO-260B 2.2.3.3.1.4 / 2.2.3.3.2): (min, max) seconds.
AIRBORNE_POSITION_S = (0.4, 0.6)
VELOCITY_S = (0.4, 0.6)
IDENT_S = (4.8, 5.2)
SURFACE_MOVING_S = (0.4, 0.6)
SURFACE_STILL_S = (4.8, 5.2)
SURFACE_IDENT_STILL_S = (9.8, 10.2)
ACQUISITION_S = (0.8, 1.2)
EMERGENCY_STATUS_S = (0.8, 1.2)
TARGET_STATE_S = (1.2, 1.3)  # airborne, ADS-B version 2
OPERATIONAL_STATUS_S = (2.4, 2.6)  # airborne
SURFACE_OPERATIONAL_STATUS_S = (4.8, 5.2)
RADAR_SWEEP_S = (4.7, 4.9)  # a terminal radar rotating every ~4.8 s
REPLY_GAP_S = (2e-3, 8e-3)  # DF4 then DF5 within one beam dwell


@dataclass(frozen=True)
class Aircraft:
    """One aircraft and its flight path from t = 0 (a circle arc if it turns)."""

    icao: int
    callsign: str
    squawk: str  # 4 octal digits
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    track_deg: float
    vrate_fpm: float = 0.0
    turn_rate_dps: float = 0.0  # positive turns right (clockwise)
    on_ground: bool = False
    category: int = 0xA3  # emitter category read as hex: 0xA3 = set A (TC 4), cat 3
    adsb_version: int = 2  # 2 sends target states (TC 29) too; 0 no operational status
    watched: bool = False
    note: str = ""  # a label for watchlists

    @property
    def icao_hex(self) -> str:
        return f"{self.icao:06X}"

    @property
    def selected_altitude_ft(self) -> float:
        """What its autopilot is set to: where three minutes at its vertical rate take
        it, to the thousand feet."""
        target = round((self.alt_ft + 3 * self.vrate_fpm) / 1000.0) * 1000.0
        return min(max(target, 0.0), 45_000.0)


@dataclass(frozen=True)
class State:
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    track_deg: float
    vrate_fpm: float
    on_ground: bool


@dataclass(frozen=True)
class Transmission:
    t: float  # first preamble pulse, seconds from the start of the recording
    icao: int
    data: bytes
    kind: str  # ident, position_even/odd, surface_even/odd, velocity, status, target_state,
    # op_status, df11, df4, df5
    state: State  # the truth when it was sent
    snr_db: float
    freq_offset_hz: float


POSITION_KINDS = frozenset({"position_even", "position_odd", "surface_even", "surface_odd"})


@dataclass(frozen=True)
class SignalModel:
    """ref_db at ref_km slant range, falling db_per_decade with distance, clamped, plus a
    uniform +-jitter_db per frame (fading, antenna pattern).

    Free space alone would lose 20 dB per decade, but a ground antenna's pattern favours
    the low elevations of far aircraft over the steep ones of near aircraft: real
    receivers see about 15 (near aircraft a few dB under full scale, 250 km ones some
    10 dB over the noise). The ceiling keeps pulses just under full scale at the default
    noise (0.04 of full scale: 28 dB): a dongle's gain is set so near aircraft do not
    clip."""

    ref_db: float = 27.0
    ref_km: float = 20.0
    db_per_decade: float = 15.0
    low_db: float = 6.0
    high_db: float = 27.0
    jitter_db: float = 2.0

    def snr_db(self, slant_km: float, rng: np.random.Generator) -> float:
        base = self.ref_db - self.db_per_decade * math.log10(max(slant_km, 0.05) / self.ref_km)
        noisy = base + float(rng.uniform(-self.jitter_db, self.jitter_db))
        return min(max(noisy, self.low_db), self.high_db)




@dataclass(frozen=True)
class Scene:
    name: str
    receiver: tuple[float, float]
    aircraft: list[Aircraft]
    start_time: str = DEFAULT_START_TIME
    signal: SignalModel = field(default_factory=SignalModel)


# --- kinematics ----------------------------------------------------------------------


def state_at(aircraft: Aircraft, t: float) -> State:
    """Where the aircraft is t seconds after its start: constant speed and vertical rate,
    constant turn rate, on a local flat earth around the start (fine below ~300 km)."""
    v = aircraft.gs_kt * KT_TO_MS
    theta0 = math.radians(aircraft.track_deg)
    omega = math.radians(aircraft.turn_rate_dps)
    theta = theta0 + omega * t
    if abs(omega) < 1e-12:
        east, north = v * t * math.sin(theta0), v * t * math.cos(theta0)
    else:  # integral of v*(sin, cos)(theta0 + omega*t)
        east = v / omega * (math.cos(theta0) - math.cos(theta))
        north = v / omega * (math.sin(theta) - math.sin(theta0))
    lat, lon = offset_position(aircraft.lat, aircraft.lon, east, north)
    alt = aircraft.alt_ft + aircraft.vrate_fpm * t / 60.0
    alt = min(max(alt, enc.MIN_ALTITUDE_FT), enc.MAX_Q_ALTITUDE_FT)
    return State(lat, lon, alt, aircraft.gs_kt, math.degrees(theta) % 360.0,
                 0.0 if aircraft.on_ground else aircraft.vrate_fpm, aircraft.on_ground)


def offset_position(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """A point east_m / north_m metres from (lat, lon) on the local tangent plane."""
    new_lat = lat + math.degrees(north_m / EARTH_RADIUS_M)
    new_lon = lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return new_lat, (new_lon + 180.0) % 360.0 - 180.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    return distance_km(lat1, lon1, lat2, lon2) * 1000.0


def slant_km(state: State, receiver: tuple[float, float]) -> float:
    ground = distance_m(state.lat, state.lon, receiver[0], receiver[1])
    height = max(state.alt_ft, 0.0) * FT_TO_M
    return math.hypot(ground, height) / 1000.0


# --- the schedule --------------------------------------------------------------------


def _times(rng: np.random.Generator, interval: tuple[float, float], duration: float,
           first_within: float | None = None) -> Iterator[float]:
    """Jittered periodic times in [0, duration): the first at a random phase (within
    `first_within` seconds if given), then every uniform(interval) seconds."""
    t = float(rng.uniform(0.0, first_within if first_within is not None else interval[1]))
    while t < duration:
        yield t
        t += float(rng.uniform(*interval))


def _messages(ac: Aircraft, rng: np.random.Generator, duration: float,
              ident_phase: float | None, position_phase: float | None,
              radar: bool) -> Iterator[tuple[float, str]]:
    """(time, kind) of everything one aircraft sends."""
    moving = ac.gs_kt >= 0.125
    if ac.on_ground:
        pos_interval = SURFACE_MOVING_S if moving else SURFACE_STILL_S
        ident_interval = IDENT_S if moving else SURFACE_IDENT_STILL_S
        kinds = ("surface_even", "surface_odd")
    else:
        pos_interval, ident_interval = AIRBORNE_POSITION_S, IDENT_S
        kinds = ("position_even", "position_odd")
        yield from ((t, "velocity") for t in _times(rng, VELOCITY_S, duration))
    odd = bool(rng.integers(2))
    for t in _times(rng, pos_interval, duration, position_phase):
        yield t, kinds[odd]
        odd = not odd  # even and odd formats alternate
    yield from ((t, "ident") for t in _times(rng, ident_interval, duration, ident_phase))
    yield from ((t, "df11") for t in _times(rng, ACQUISITION_S, duration))
    if ac.squawk in EMERGENCY_SQUAWKS:
        yield from ((t, "status") for t in _times(rng, EMERGENCY_STATUS_S, duration))
    if radar:
        for t in _times(rng, RADAR_SWEEP_S, duration):
            yield t, "df4"
            yield t + float(rng.uniform(*REPLY_GAP_S)), "df5"


def _status_messages(ac: Aircraft, rng: np.random.Generator,
                     duration: float) -> Iterator[tuple[float, str]]:
    """(time, kind) of the target states and operational statuses an aircraft sends."""
    if ac.adsb_version >= 1:
        interval = SURFACE_OPERATIONAL_STATUS_S if ac.on_ground else OPERATIONAL_STATUS_S
        yield from ((t, "op_status") for t in _times(rng, interval, duration))
    if ac.adsb_version >= 2 and not ac.on_ground:
        yield from ((t, "target_state") for t in _times(rng, TARGET_STATE_S, duration))


def autopilot_modes(s: State) -> tuple[str, ...]:
    """The modes a simulated autopilot flies: VNAV climbing or descending, altitude
    hold when level, approach when descending below 5000 ft."""
    vertical = ("vnav",) if s.vrate_fpm else ("althold",)
    approach = ("approach",) if s.vrate_fpm < 0 and s.alt_ft < 5000 else ()
    return ("autopilot", *vertical, *approach, "lnav", "tcas")


def encode_message(ac: Aircraft, kind: str, s: State) -> bytes:
    """The frame `ac` sends as `kind` in state `s`."""
    ca = enc.CA_GROUND if s.on_ground else enc.CA_AIRBORNE
    flight_status = 1 if s.on_ground else 0
    if kind == "ident":
        return enc.identification(ac.icao, ac.callsign, ac.category, ca)
    if kind in ("position_even", "position_odd"):
        return enc.airborne_position(ac.icao, s.lat, s.lon, s.alt_ft, kind == "position_odd")
    if kind in ("surface_even", "surface_odd"):
        track = s.track_deg if s.gs_kt >= 0.125 else None
        return enc.surface_position(ac.icao, s.lat, s.lon, s.gs_kt, track,
                                    kind == "surface_odd")
    if kind == "velocity":
        return enc.airborne_velocity(ac.icao, s.gs_kt, s.track_deg, s.vrate_fpm)
    if kind == "status":
        return enc.aircraft_status(ac.icao, ac.squawk, ca=ca)
    if kind == "target_state":
        return enc.target_state(ac.icao, ac.selected_altitude_ft, enc.STANDARD_HPA,
                                round(s.track_deg) % 360, autopilot_modes(s))
    if kind == "op_status":
        return enc.operational_status(ac.icao, ac.adsb_version, s.on_ground, ca=ca)
    if kind == "df11":
        return enc.all_call_reply(ac.icao, ca)
    if kind == "df4":
        return enc.altitude_reply(ac.icao, s.alt_ft, flight_status)
    if kind == "df5":
        return enc.identity_reply(ac.icao, ac.squawk, flight_status)
    raise ValueError(f"unknown message kind {kind!r}")


def transmissions(
    aircraft_list: Sequence[Aircraft],
    duration_s: float,
    rng: np.random.Generator,
    receiver: tuple[float, float] = EHAM_RECEIVER,
    ident_phase: float | None = None,
    position_phase: float | None = None,
    radar: bool = True,
    signal: SignalModel | None = None,
) -> list[Transmission]:
    """Everything the aircraft send in [0, duration_s), in time order; only frames that
    end inside the window. `ident_phase` / `position_phase` force each aircraft's first
    identification / position into [0, phase) seconds (short recordings then hold
    them all); by default every stream starts at a random phase of its period."""
    signal = signal or SignalModel()
    last_start = duration_s - LONGEST_FRAME_S - 10e-6
    # The status squitters draw from a generator of their own, so adding them left every
    # other frame of a seed as it was (spawning does not advance `rng`).
    status_rng = rng.spawn(1)[0]
    out = []
    for ac in aircraft_list:
        offset = float(rng.uniform(-MAX_FREQ_OFFSET_HZ, MAX_FREQ_OFFSET_HZ))
        for draw, schedule in (
                (rng, _messages(ac, rng, duration_s, ident_phase, position_phase, radar)),
                (status_rng, _status_messages(ac, status_rng, duration_s))):
            for t, kind in schedule:
                if not 10e-6 <= t <= last_start:
                    continue
                s = state_at(ac, t)
                out.append(Transmission(t, ac.icao, encode_message(ac, kind, s), kind, s,
                                        signal.snr_db(slant_km(s, receiver), draw), offset))
    out.sort(key=lambda tr: (tr.t, tr.icao))
    return out


def to_sim_frames(transmissions: Sequence[Transmission],
                  rng: np.random.Generator) -> list[SimFrame]:
    """SimFrames with a random carrier phase each; overlaps are kept (they happen)."""
    return [SimFrame(tr.data, tr.t, tr.snr_db, tr.freq_offset_hz,
                     float(rng.uniform(0.0, 2.0 * math.pi))) for tr in transmissions]


# --- scenes --------------------------------------------------------------------------

RWY_18R_THRESHOLD = (52.3627, 4.7115)  # Polderbaan, landing south
RWY_18C_THRESHOLD = (52.3314, 4.7401)
RWY_24_END = (52.2878, 4.7342)  # Kaagbaan, south-west end


def _on_final(threshold: tuple[float, float], nm_out: float, course_deg: float = 183.0,
              glide_deg: float = 3.0) -> tuple[float, float, float]:
    """(lat, lon, alt_ft) of a point `nm_out` NM before a threshold on a straight final."""
    back = math.radians(course_deg + 180.0)
    dist = nm_out * 1852.0
    lat, lon = offset_position(threshold[0], threshold[1], dist * math.sin(back),
                               dist * math.cos(back))
    alt = dist * math.tan(math.radians(glide_deg)) / FT_TO_M + 50.0  # 50 ft over the threshold
    return lat, lon, alt


def airport_scene() -> Scene:
    """Traffic around Amsterdam Schiphol (EHAM) in a south flow: two arrivals on final
    for 18R and 18C, two departures, two overflights, one aircraft taxiing and the Dutch
    government jet (the watched one) descending towards the field. Addresses and
    callsigns look real but are made up."""
    arr1 = _on_final(RWY_18R_THRESHOLD, 7.0)
    arr2 = _on_final(RWY_18C_THRESHOLD, 11.0)
    aircraft = [
        Aircraft(0x485F21, "KLM1023", "4521", *arr1, gs_kt=145, track_deg=183,
                 vrate_fpm=-770, category=0xA3),
        Aircraft(0x40762E, "EZY71AB", "2261", *arr2, gs_kt=160, track_deg=183,
                 vrate_fpm=-850, category=0xA3),
        Aircraft(0x484C5B, "TRA6123", "1064", *RWY_24_END, alt_ft=1800, gs_kt=175,
                 track_deg=234, vrate_fpm=2600, category=0xA3),
        Aircraft(0x3C4B2A, "DLH2AB", "3347", 52.2480, 4.7380, 3900, gs_kt=210,
                 track_deg=183, vrate_fpm=2200, turn_rate_dps=1.5, category=0xA3),
        Aircraft(0x4010EE, "BAW431", "5732", 52.6200, 5.1800, 37000, gs_kt=465,
                 track_deg=228, category=0xA5),
        Aircraft(0x4ACA51, "SAS1456", "6014", 51.9900, 4.4500, 35000, gs_kt=440,
                 track_deg=42, category=0xA3),
        Aircraft(0x485D7C, "KLM87W", "1000", 52.3112, 4.7560, -11, gs_kt=14,
                 track_deg=268, on_ground=True, category=0xA3),
        Aircraft(0x484506, "NAF01", "6401", 52.2050, 4.6420, 8000, gs_kt=250,
                 track_deg=35, vrate_fpm=-1200, category=0xA3, watched=True,
                 note="Dutch government Boeing 737 BBJ (simulated)"),
    ]
    # Weaker than the default model: a modest antenna, and a taxiing aircraft 600 m away
    # still well inside the dongle's range rather than deep in clipping.
    return Scene("airport", EHAM_RECEIVER, aircraft)


# Watchlist entries that are not in the airport scene: a watchlist names more than flies.
EXTRA_WATCHLIST = (
    "3F4D7A German Air Force A350 GAF01 (simulated)",
    "3B7C2F French Air and Space Force A330 MRTT (simulated)",
    "100000-1FFFFF Russia",
)


def watchlist_text(scene: Scene) -> str:
    """A watchlist for a scene: its watched aircraft plus entries that never show up."""
    lines = ["# adsbwatch watchlist: HEX [label] or HEX-HEX label per line",
             f"# made for the {scene.name} scene"]
    lines += [f"{ac.icao_hex} {ac.note or ac.callsign}" for ac in scene.aircraft if ac.watched]
    lines += list(EXTRA_WATCHLIST)
    return "\n".join(lines) + "\n"


AIRLINES = ("KLM", "DLH", "BAW", "AFR", "EZY", "RYR", "SAS", "IBE", "AUA", "SWR", "TRA",
            "WZZ", "UAE", "DAL", "UAL", "THY", "FIN", "LOT", "TAP", "EWG")


def _random_squawks(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct discrete codes, avoiding the special ones (emergencies, VFR, unassigned)."""
    special = {*EMERGENCY_SQUAWKS, "7000", "2000", "1200", "0000"}
    chosen: list[str] = []
    while len(chosen) < n:
        code = "".join(str(int(d)) for d in rng.integers(0, 8, 4))
        if code not in special and code not in chosen:
            chosen.append(code)
    return chosen


def benchmark_scene(n_aircraft: int = 150, rng: np.random.Generator | None = None,
                    receiver: tuple[float, float] = EHAM_RECEIVER,
                    radius_km: float = 250.0) -> Scene:
    """`n_aircraft` at random within `radius_km` of the receiver (uniform over the
    area), at random levels, speeds and tracks; a few taxi near the receiver."""
    rng = rng or np.random.default_rng(0)
    addresses = rng.choice(np.arange(0x300000, 0x500000), size=n_aircraft, replace=False)
    squawks = _random_squawks(rng, n_aircraft)
    n_ground = min(n_aircraft, max(1, n_aircraft // 30))
    aircraft = []
    for k in range(n_aircraft):
        on_ground = k < n_ground
        r = (3_000.0 * math.sqrt(rng.random()) if on_ground
             else radius_km * 1000.0 * math.sqrt(rng.random()))
        bearing = rng.uniform(0.0, 2.0 * math.pi)
        lat, lon = offset_position(*receiver, r * math.sin(bearing), r * math.cos(bearing))
        airline = AIRLINES[int(rng.integers(len(AIRLINES)))]
        callsign = f"{airline}{int(rng.integers(1, 9999))}"
        if on_ground:
            alt, gs, vr = 0.0, float(rng.uniform(0.0, 25.0)), 0.0
        else:
            alt = float(rng.uniform(2_000.0, 41_000.0))
            gs = float(rng.uniform(180.0, 280.0) if alt < 10_000 else rng.uniform(380.0, 520.0))
            vr = float(rng.choice([0.0, 0.0, rng.uniform(-2500, -500), rng.uniform(500, 2500)]))
        turn = float(rng.uniform(-1.5, 1.5)) if rng.random() < 0.05 else 0.0
        aircraft.append(Aircraft(
            int(addresses[k]), callsign, squawks[k], lat, lon, alt, gs,
            float(rng.uniform(0.0, 360.0)), vr, turn, on_ground,
            category=int(rng.choice([0xA1, 0xA2, 0xA3, 0xA3, 0xA3, 0xA5])),
            adsb_version=1 if k % 5 == 4 else 2))  # a fifth still DO-260A (no target state)
    return Scene("benchmark", receiver, aircraft)


# --- ground truth --------------------------------------------------------------------


def truth_dict(aircraft: Sequence[Aircraft], transmissions: Sequence[Transmission],
               meta: dict[str, Any]) -> dict[str, Any]:
    """The ground truth of a recording. `meta` holds rate, start_time and receiver
    ((lat, lon) or {"lat", "lon"}) and may add anything else (format, seed, ...)."""
    receiver = meta["receiver"]
    if not isinstance(receiver, dict):
        receiver = {"lat": receiver[0], "lon": receiver[1]}
    by_kind: dict[str, int] = {}
    for tr in transmissions:
        by_kind[tr.kind] = by_kind.get(tr.kind, 0) + 1
    positions = [
        {"t": round(tr.t, 7), "icao": f"{tr.icao:06X}", "lat": round(tr.state.lat, 7),
         "lon": round(tr.state.lon, 7), "alt_ft": round(tr.state.alt_ft, 1),
         "on_ground": tr.state.on_ground, "kind": tr.kind, "snr_db": round(tr.snr_db, 1)}
        for tr in transmissions if tr.kind in POSITION_KINDS
    ]
    return {
        **{k: v for k, v in meta.items() if k != "receiver"},
        "rate": meta["rate"],
        "start_time": meta["start_time"],
        "receiver": receiver,
        "aircraft": [
            {"icao": ac.icao_hex, "callsign": ac.callsign, "squawk": ac.squawk,
             "category": f"{ac.category:X}", "watched": ac.watched, "on_ground": ac.on_ground}
            for ac in aircraft
        ],
        "positions": positions,
        "frames": len(transmissions),
        "frames_by_kind": dict(sorted(by_kind.items())),
    }


def truth_json(aircraft: Sequence[Aircraft], transmissions: Sequence[Transmission],
               meta: dict[str, Any]) -> str:
    return json.dumps(truth_dict(aircraft, transmissions, meta), indent=1) + "\n"


def parse_truth(text: str) -> dict[str, Any]:
    """Truth JSON text back to a dict, checking the keys the tests rely on."""
    truth = json.loads(text)
    missing = {"rate", "start_time", "receiver", "aircraft", "positions", "frames"} - set(truth)
    if missing:
        raise ValueError(f"truth lacks {', '.join(sorted(missing))}")
    return truth


def truth_position(truth: dict[str, Any], icao: str | int,
                   t: float) -> tuple[float, float, float] | None:
    """(lat, lon, alt_ft) of an aircraft at time t, interpolated linearly between the
    positions it sent (held at the ends); None if it sent none."""
    key = f"{icao:06X}" if isinstance(icao, int) else icao.upper()
    points = [p for p in truth["positions"] if p["icao"] == key]
    if not points:
        return None
    times = [p["t"] for p in points]
    i = bisect_left(times, t)
    if i == 0 or i == len(points):
        p = points[min(i, len(points) - 1)]
        return p["lat"], p["lon"], p["alt_ft"]
    a, b = points[i - 1], points[i]
    w = (t - a["t"]) / (b["t"] - a["t"]) if b["t"] > a["t"] else 0.0
    return tuple(a[k] + w * (b[k] - a[k]) for k in ("lat", "lon", "alt_ft"))  # type: ignore[return-value]

