"""How a live source tunes its receiver: what `adsbwatch live` was asked for."""

from __future__ import annotations

from dataclasses import dataclass

ADSB_HZ = 1_090_000_000


@dataclass(frozen=True)
class TunerSettings:
    freq_hz: int = ADSB_HZ
    gain: str = "auto"  # "auto": adaptive (from the highest manual step); "max"; or dB
    ppm: int = 0  # frequency correction, parts per million
    bias_tee: bool = False  # power an LNA on the antenna cable
