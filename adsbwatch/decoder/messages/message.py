"""One decoded Mode S message, typed: its kind is its class, decided once by `decode`
from the downlink format and, for extended squitters, the type code.

Each kind is a NamedTuple: immutable (the repeating decoder hands the same message out
again for a frame heard twice), cheap to make (one per frame), and matched by class
(`match message: case AirborneVelocity(...)`, or a dict keyed by `type(message)`).
Every kind starts with the downlink format and the sender's 24-bit address; fields a
frame does not carry are None. What a kind says about air and ground, alert and SPI is
one property of the kind (`on_ground`), so the tracker and every output agree.

Units: feet, knots, feet per minute, degrees (true unless named magnetic), hPa.
"""

from __future__ import annotations

from typing import NamedTuple

# dump1090-fa's "type" of an address and link, best first: which kind of transmission
# an aircraft was heard by. DF17 is ADS-B with an ICAO address; DF18's control field
# says the rest (non-transponder ADS-B, TIS-B, ADS-R); replies are plain Mode S.
ADSB_ICAO = "adsb_icao"
ADSB_ICAO_NT = "adsb_icao_nt"
ADSR_ICAO = "adsr_icao"
TISB_ICAO = "tisb_icao"
ADSB_OTHER = "adsb_other"
ADSR_OTHER = "adsr_other"
TISB_TRACKFILE = "tisb_trackfile"
TISB_OTHER = "tisb_other"
MODE_S = "mode_s"
# DF18 with a reserved control field (4: TIS-B/ADS-R management, 7): dump1090-fa takes
# its address for a non-ICAO one of no known kind.
UNKNOWN = "unknown"
ADDRESS_TYPES = (ADSB_ICAO, ADSB_ICAO_NT, ADSR_ICAO, TISB_ICAO, ADSB_OTHER, ADSR_OTHER,
                 TISB_TRACKFILE, TISB_OTHER, MODE_S, UNKNOWN)
# Addresses that are not an aircraft's ICAO address (aircraft.json writes them "~hex").
NON_ICAO_TYPES = frozenset((ADSB_OTHER, ADSR_OTHER, TISB_TRACKFILE, TISB_OTHER, UNKNOWN))

# Flight status (DF4/5/20/21) -> (alert, SPI, on the ground: True, False or None).
FLIGHT_STATUS: tuple[tuple[bool, bool, bool | None], ...] = (
    (False, False, False), (False, False, True), (True, False, False), (True, False, True),
    (True, True, None), (False, True, None), (False, False, None), (False, False, None))


def _flight_status(part: int) -> property:
    """One meaning of a reply's flight status field (alert, SPI, on the ground), as a
    property of the kinds that carry the field."""
    return property(lambda message: FLIGHT_STATUS[message.flight_status][part])


class Cpr(NamedTuple):
    """The compact position of a position message: 17-bit encoded latitude and
    longitude of an even or odd frame."""

    odd: bool
    lat: int
    lon: int


# ------------------------------------------------------------------ replies


class AllCall(NamedTuple):
    """DF11: the address in clear and the transponder's capability."""

    df: int
    icao: int
    capability: int

    @property
    def on_ground(self) -> bool | None:
        return True if self.capability == 4 else False if self.capability == 5 else None


class Surveillance(NamedTuple):
    """DF4 (altitude) or DF5 (identity): a reply to a ground radar's interrogation."""

    df: int
    icao: int
    flight_status: int
    altitude: int | None  # DF4, barometric; None: not known
    squawk: str | None  # DF5

    alert = _flight_status(0)
    spi = _flight_status(1)
    on_ground = _flight_status(2)


class Acas(NamedTuple):
    """DF0 (short) or DF16 (long) air-air surveillance: altitude and vertical status."""

    df: int
    icao: int
    on_ground: bool  # the vertical status bit
    altitude: int | None
    sensitivity_level: int
    reply_information: int
    mv: bytes | None  # DF16's 56-bit MV field (a TCAS coordination message)


class CommBData(NamedTuple):
    """What a Comm-B register (pyModeS infers which) says; each field None unless the
    register carries it."""

    callsign: str | None = None  # BDS 2,0
    selected_altitude_mcp: int | None = None  # BDS 4,0
    selected_altitude_fms: int | None = None
    baro_pressure_setting: float | None = None
    roll: float | None = None  # BDS 5,0
    true_track: float | None = None
    groundspeed: float | None = None
    track_rate: float | None = None
    true_airspeed: float | None = None
    magnetic_heading: float | None = None  # BDS 6,0
    indicated_airspeed: float | None = None
    mach: float | None = None
    baro_vertical_rate: int | None = None
    inertial_vertical_rate: int | None = None


class CommB(NamedTuple):
    """DF20 (altitude) or DF21 (identity) with a Comm-B register."""

    df: int
    icao: int
    flight_status: int
    altitude: int | None  # DF20
    squawk: str | None  # DF21
    register: str | None  # the BDS register pyModeS inferred ("4,0"), None: unknown
    data: CommBData

    alert = _flight_status(0)
    spi = _flight_status(1)
    on_ground = _flight_status(2)


# ------------------------------------------------------------------ extended squitters


class Identification(NamedTuple):
    """TC 1-4: callsign and emitter category."""

    df: int
    icao: int
    address_type: str
    typecode: int
    category: str | None  # as dump1090 shows it: "A3" ("A0": no category information)
    callsign: str  # trailing spaces and '_' fill stripped; "" when none was set

    on_ground = None


class SurfacePosition(NamedTuple):
    """TC 5-8: a position on the surface, with movement and track."""

    df: int
    icao: int
    address_type: str
    typecode: int
    cpr: Cpr
    groundspeed: float | None  # from the movement code; None: not known
    track: float | None  # None: the track status bit says not valid

    on_ground = True


class AirbornePosition(NamedTuple):
    """TC 0 and 9-18 (barometric altitude) or 20-22 (GNSS height): a position in the
    air. TC 0 carries no position (cpr None), at most an altitude."""

    df: int
    icao: int
    address_type: str
    typecode: int
    cpr: Cpr | None
    altitude: int | None  # feet; barometric, or GNSS height when `gnss`
    gnss: bool
    nic_b: int | None  # None for TIS-B and ADS-R, where the bit is the IMF instead
    surveillance_status: int

    on_ground = False


class AirborneVelocity(NamedTuple):
    """TC 19: ground speed and track (subtypes 1, 2), or airspeed and heading (3, 4);
    vertical rate and the GNSS-minus-barometric altitude difference."""

    df: int
    icao: int
    address_type: str
    subtype: int
    groundspeed: float | None
    track: float | None
    airspeed: int | None
    airspeed_type: str | None  # "IAS" or "TAS" (subtypes 3, 4)
    heading: float | None  # subtypes 3, 4 when valid; magnetic or true as the
    # operational status' HRD bit says
    vertical_rate: int | None
    vertical_rate_source: str  # "BARO" or "GNSS"
    geo_minus_baro: int | None
    nac_v: int

    on_ground = False


class AircraftStatus(NamedTuple):
    """TC 28 subtype 1: the emergency state and the squawk."""

    df: int
    icao: int
    address_type: str
    emergency_state: int  # 0 none; see emergency.EMERGENCY_STATES
    squawk: str

    on_ground = None


class TargetState(NamedTuple):
    """TC 29 subtype 1 (ADS-B version 2): the autopilot's selections and accuracy."""

    df: int
    icao: int
    address_type: str
    selected_altitude: int | None
    selected_altitude_source: str | None  # "MCP" or "FMS"
    baro_pressure_setting: float | None  # hPa
    selected_heading: float | None
    nac_p: int
    nic_baro: int
    sil: int
    autopilot_modes: tuple[str, ...] | None  # dump1090-fa's nav_modes; None: not given

    on_ground = None


class OperationalStatus(NamedTuple):
    """TC 31: the ADS-B version and the accuracy and integrity figures."""

    df: int
    icao: int
    address_type: str
    surface: bool  # subtype 1
    version: int
    nic_a: int | None  # None: version 0 or a reserved version (3-7), which carry none
    nac_p: int | None  # of these figures
    sil: int | None
    sil_per_sample: bool | None  # None: version 0 or 1 (not sent)
    nic_baro: int | None  # airborne only
    gva: int | None  # version 2, airborne

    on_ground = None


class OtherSquitter(NamedTuple):
    """An extended squitter of a type code adsbwatch does not read (test, reserved,
    TIS-B management, aircraft status other than emergencies, subtypes not read), or a
    DF18 whose control field says its ME field is no ADS-B message (coarse TIS-B,
    management, reserved)."""

    df: int
    icao: int
    address_type: str
    typecode: int | None  # None: the ME field's first five bits are no type code

    on_ground = None


Message = (AllCall | Surveillance | Acas | CommB | Identification | SurfacePosition
           | AirbornePosition | AirborneVelocity | AircraftStatus | TargetState
           | OperationalStatus | OtherSquitter)
SQUITTERS = (Identification, SurfacePosition, AirbornePosition, AirborneVelocity,
             AircraftStatus, TargetState, OperationalStatus, OtherSquitter)
POSITIONS = (SurfacePosition, AirbornePosition)
