"""SigMF recordings: the data file's format, rate, start time and place from its
`.sigmf-meta` (either file of the pair may be named)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import check_rate
from adsbwatch.receiver.when import iso_time

SUFFIXES = (".sigmf-meta", ".sigmf-data")
SIGMF_DATATYPES = {"cu8": "cu8", "ci8": "cs8", "ci16_le": "cs16", "cf32_le": "cf32"}


@dataclass(frozen=True)
class SigMF:
    data_path: Path
    fmt: str | None
    rate: int | None
    start_epoch: float | None
    position: tuple[float, float] | None


def is_sigmf(path: Path) -> bool:
    return path.suffix in SUFFIXES


def _start(meta: dict, meta_path: Path) -> float | None:
    """The first capture's core:datetime (ISO 8601 UTC) as epoch seconds."""
    captures = meta.get("captures")
    if not isinstance(captures, list) or not captures or not isinstance(captures[0], dict):
        return None
    text = captures[0].get("core:datetime")
    if text is None:
        return None
    when = iso_time(str(text))
    if when is None:
        raise UserError(f"{meta_path}: core:datetime {text!r} is not an ISO 8601 time")
    return when


def _position(glob: dict, meta_path: Path) -> tuple[float, float] | None:
    """The recorder's position from core:geolocation, a GeoJSON point [lon, lat, alt]."""
    point = glob.get("core:geolocation")
    if point is None:
        return None
    try:
        lon, lat = (float(x) for x in point["coordinates"][:2])
    except (TypeError, KeyError, ValueError, IndexError):
        raise UserError(f"{meta_path}: core:geolocation is not a GeoJSON point") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"{meta_path}: core:geolocation {lat}, {lon} is not on Earth")
    return lat, lon


def _rate(glob: dict, meta_path: Path) -> int | None:
    rate = glob.get("core:sample_rate")
    if rate is None:
        return None
    if (isinstance(rate, bool) or not isinstance(rate, int | float)
            or isinstance(rate, float) and not math.isfinite(rate)):
        raise UserError(f"{meta_path}: core:sample_rate {rate!r} is not a number")
    try:
        return check_rate(round(rate))
    except UserError as exc:
        raise UserError(f"{meta_path}: {exc}") from None


def read_sigmf(path: Path) -> SigMF:
    meta_path = path.with_suffix(".sigmf-meta")
    try:
        meta = json.loads(meta_path.read_text())
        glob = meta["global"]
    except FileNotFoundError:
        raise UserError(f"{meta_path}: SigMF metadata file not found") from None
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise UserError(f"{meta_path}: not valid SigMF metadata ({exc})") from None
    if not isinstance(glob, dict):
        raise UserError(f"{meta_path}: not valid SigMF metadata (\"global\" is not an object)")
    datatype = glob.get("core:datatype")
    fmt = SIGMF_DATATYPES.get(datatype) if isinstance(datatype, str) else None
    if datatype is not None and fmt is None:
        raise UserError(f"{meta_path}: SigMF datatype {datatype!r} is not supported: "
                        f"use one of {', '.join(SIGMF_DATATYPES)}")
    return SigMF(path.with_suffix(".sigmf-data"), fmt, _rate(glob, meta_path),
                 _start(meta, meta_path), _position(glob, meta_path))
