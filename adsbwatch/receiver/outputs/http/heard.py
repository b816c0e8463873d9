"""What aircraft.json shows beyond the tracker's state: each aircraft's recent signal
(dump1090-fa's rssi: the mean power of its last 8 frames), its ADS-B version and
accuracy figures, and which kind of address and link it uses.

A `Pipeline.listeners` entry (told of every decoded message), so the tracker keeps only
what the receiver itself needs. Forgets an aircraft when the tracker does."""

from __future__ import annotations

import collections
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from adsbwatch.receiver.outputs.http.quality import integrity

RSSI_FRAMES = 8  # dump1090-fa averages the signal power of an aircraft's last 8 frames

# DF18 control field -> dump1090-fa's "type", and whether the address is not an ICAO one.
DF18_TYPES = {0: ("adsb_icao_nt", False), 1: ("adsb_other", True), 2: ("tisb_icao", False),
              3: ("tisb_trackfile", True), 5: ("tisb_other", True), 6: ("adsr_icao", False)}

# Operational status (TC 31) and target state (TC 29) fields kept as they come.
QUALITY_FIELDS = ("version", "nac_p", "sil", "nic_baro")


@dataclass
class Extras:
    powers: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=RSSI_FRAMES))
    fields: dict[str, Any] = field(default_factory=dict)
    nic_a: int = 0
    nic_b: int = 0
    position_tc: int | None = None  # type code of the last position message
    vr_source: str | None = None  # 'BARO' or 'GNSS': which rate the tracker's is
    geo_minus_baro: int | None = None
    airspeed_type: str | None = None  # 'IAS' or 'TAS' of the velocity message's airspeed
    status_heard: bool = False  # an aircraft status message came: "emergency" is known
    kind: str = "mode_s"  # dump1090-fa's "type"
    non_icao: bool = False

    @property
    def rssi(self) -> float | None:
        if not self.powers:
            return None
        return 10 * math.log10(max(sum(self.powers) / len(self.powers), 1e-12))

    @property
    def nic_rc(self) -> tuple[int, int | None] | None:
        if self.position_tc is None:
            return None
        return integrity(self.position_tc, self.nic_a, self.nic_b)


class HeardAircraft:
    """Listener: `pipeline.listeners.append(heard)`; `heard.get(icao)` for the JSON."""

    def __init__(self) -> None:
        self.aircraft: dict[int, Extras] = {}

    def get(self, icao: int) -> Extras | None:
        return self.aircraft.get(icao)

    def forget_all_but(self, icaos: Collection[int]) -> None:
        for icao in [i for i in self.aircraft if i not in icaos]:
            del self.aircraft[icao]

    def mark_df18(self, icao: int, control_field: int) -> None:
        """A DF18 frame came from `icao` (seen in the raw batch: pyModeS' fields do not
        carry the control field)."""
        extras = self.aircraft.get(icao)
        if extras is not None and control_field in DF18_TYPES:
            extras.kind, extras.non_icao = DF18_TYPES[control_field]

    def __call__(self, t: float, msg: dict[str, Any], update: object,
                 level_dbfs: float) -> None:
        icao_text = msg.get("icao")
        if not icao_text:
            return
        icao = int(icao_text, 16)
        extras = self.aircraft.get(icao)
        if extras is None:
            extras = self.aircraft[icao] = Extras()
        if not math.isnan(level_dbfs):  # NaN: a peer sent the frame with no level
            extras.powers.append(10 ** (level_dbfs / 10))  # dBFS of power back to power
        if msg.get("df") == 17 and extras.kind == "mode_s":
            extras.kind = "adsb_icao"
        tc = msg.get("typecode")
        if tc is None or msg.get("df") not in (17, 18):
            return
        if 5 <= tc <= 18 or 20 <= tc <= 22:
            extras.position_tc = tc
            if msg.get("nic_b") is not None:
                extras.nic_b = int(msg["nic_b"])
        elif tc == 19:
            extras.vr_source = msg.get("vr_source") or extras.vr_source
            if "geo_minus_baro" in msg:
                extras.geo_minus_baro = msg["geo_minus_baro"]
            if msg.get("airspeed") is not None:
                extras.airspeed_type = msg.get("airspeed_type")
            if msg.get("nac_v") is not None:
                extras.fields["nac_v"] = int(msg["nac_v"])
        elif tc == 28 and msg.get("subtype") == 1:
            extras.status_heard = True
        elif tc in (29, 31):
            self._status(extras, tc, msg)

    @staticmethod
    def _status(extras: Extras, tc: int, msg: dict[str, Any]) -> None:
        for key in QUALITY_FIELDS:
            if msg.get(key) is not None:
                extras.fields[key] = msg[key]
        if tc == 31:
            extras.nic_a = int(msg.get("nic_supplement_a") or 0)
            supplement = msg.get("sil_supplement")
            extras.fields["sil_type"] = ("unknown" if supplement is None
                                         else "persample" if supplement else "perhour")
            return
        # Target state and status: the autopilot's selections.
        if msg.get("selected_altitude") is not None:
            source = msg.get("selected_altitude_source")
            key = "nav_altitude_fms" if source == "FMS" else "nav_altitude_mcp"
            extras.fields[key] = int(msg["selected_altitude"])
        if msg.get("baro_pressure_setting") is not None:
            extras.fields["nav_qnh"] = round(float(msg["baro_pressure_setting"]), 1)
        if msg.get("selected_heading") is not None:
            extras.fields["nav_heading"] = round(float(msg["selected_heading"]), 1)
        modes = [name for name, key in (("autopilot", "autopilot"), ("vnav", "vnav_mode"),
                                        ("althold", "altitude_hold_mode"),
                                        ("approach", "approach_mode"), ("lnav", "lnav_mode"),
                                        ("tcas", "tcas_operational")) if msg.get(key)]
        if msg.get("autopilot") is not None:
            extras.fields["nav_modes"] = modes
