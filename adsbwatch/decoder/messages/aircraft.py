"""One aircraft as the tracker knows it: everything any output shows of it (the terminal
tables, aircraft.json, SBS, /metrics, the store's visits), kept in one place.

Values are the latest heard; None until a message carried them. Times are the caller's
clock (seconds). The signal is dump1090-fa's: the mean power of the last RSSI_FRAMES
frames that came with a level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from adsbwatch.decoder.messages.cpr import CprTrack
from adsbwatch.decoder.messages.message import ADDRESS_TYPES, MODE_S, NON_ICAO_TYPES
from adsbwatch.decoder.registry.info import AircraftInfo

RSSI_FRAMES = 8
_RANK = {kind: rank for rank, kind in enumerate(ADDRESS_TYPES)}  # lower: more direct


@dataclass(slots=True)
class Signal:
    """The power of an aircraft's last RSSI_FRAMES frames with a level (full scale 1)."""

    powers: list[float] = field(default_factory=list)
    _next: int = 0

    def add(self, power: float) -> None:
        if len(self.powers) < RSSI_FRAMES:
            self.powers.append(power)
        else:
            self.powers[self._next] = power
            self._next = (self._next + 1) % RSSI_FRAMES

    @property
    def dbfs(self) -> float | None:
        """The mean power in dBFS; None when no frame came with a level."""
        if not self.powers:
            return None
        return 10 * math.log10(max(sum(self.powers) / len(self.powers), 1e-12))


@dataclass(slots=True)
class Aircraft:
    icao: int
    first_seen: float
    last_seen: float
    messages: int = 0
    address_type: str = MODE_S  # the most direct kind of transmission heard from it
    signal: Signal = field(default_factory=Signal)
    # identity
    callsign: str | None = None
    category: str | None = None  # emitter category as dump1090 shows it: A3, B1, ...
    squawk: str | None = None
    emergency: str | None = None  # our names: emergency.EMERGENCY_STATES' values, "hijack"
    status_heard: bool = False  # an aircraft status message came: no emergency is news
    alert: bool = False
    spi: bool = False
    on_ground: bool = False
    # altitudes and speeds
    altitude: int | None = None  # barometric, feet
    gnss_altitude: int | None = None  # geometric (GNSS height), feet
    geo_minus_baro: int | None = None  # from the velocity message
    groundspeed: float | None = None
    track: float | None = None  # true
    indicated_airspeed: float | None = None
    true_airspeed: float | None = None
    mach: float | None = None
    magnetic_heading: float | None = None
    track_rate: float | None = None
    roll: float | None = None
    baro_rate: int | None = None  # feet per minute
    geom_rate: int | None = None
    velocity_t: float | None = None  # when the last ADS-B velocity came
    # when an ADS-B velocity last gave each vertical rate: Comm-B's stands for the other
    baro_rate_t: float | None = None
    geom_rate_t: float | None = None
    # the autopilot's selections (ADS-B target state, or Comm-B BDS 4,0)
    nav_altitude_mcp: int | None = None
    nav_altitude_fms: int | None = None
    nav_qnh: float | None = None
    nav_heading: float | None = None
    nav_modes: tuple[str, ...] | None = None
    # ADS-B accuracy and integrity
    version: int | None = None  # 0 assumed at the first ADS-B message, until TC 31 says
    nac_p: int | None = None
    nac_v: int | None = None
    sil: int | None = None
    sil_type: str | None = None  # "unknown", "perhour", "persample"
    nic_baro: int | None = None
    gva: int | None = None
    nic_a: int = 0
    nic: int | None = None  # of the last position
    rc: int | None = None  # metres
    # positions
    positions: int = 0
    rejected_positions: int = 0
    cpr: CprTrack = field(default_factory=CprTrack, repr=False)
    # What the aircraft database (and the address itself) says of it: registration,
    # type, operator, country, flags. None: nothing known.
    info: AircraftInfo | None = None

    @property
    def hex(self) -> str:
        return f"{self.icao:06x}"

    @property
    def non_icao(self) -> bool:
        """The address is not an ICAO aircraft address (anonymous ADS-B, TIS-B)."""
        return self.address_type in NON_ICAO_TYPES

    def heard_as(self, address_type: str) -> None:
        """Keep the most direct kind of transmission heard (ADS-B over TIS-B over Mode S)."""
        if _RANK[address_type] < _RANK[self.address_type]:
            self.address_type = address_type

    @property
    def vertical_rate(self) -> int | None:
        """Barometric where known, else geometric."""
        return self.baro_rate if self.baro_rate is not None else self.geom_rate

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

    @property
    def range_km(self) -> float | None:
        """From the receiver, when both positions are known."""
        return None if self.cpr.last is None else self.cpr.last.range_km

    @property
    def rssi(self) -> float | None:
        return self.signal.dbfs
