"""Positions from CPR frames, one aircraft at a time.

A position comes globally from an even/odd pair heard close enough together, else
locally from the aircraft's last good position while it is young, else from the
receiver's position: for a first airborne fix, and always on the surface, whose zones
repeat every 90 degrees so that even a pair needs a reference. Every candidate must lie
within range of the receiver and be reachable from the last fix at a plausible speed;
one that is not is rejected, and several rejections in a row drop the last fix (it was
the bad one). Time is only what the caller passes in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from pyModeS.position import (
    airborne_position_pair,
    airborne_position_with_ref,
    surface_position_pair,
    surface_position_with_ref,
)

from adsbwatch.decoder.messages.geo import EARTH_RADIUS_KM, KM_PER_NM, distance_km


@dataclass(frozen=True)
class CprConfig:
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


# CprFrame, Fix and Rejection are NamedTuples: immutable like frozen dataclasses and
# several times cheaper to make, which counts at one of each per position frame.
class CprFrame(NamedTuple):
    """The CPR part of one position message, heard at time t (seconds)."""

    t: float
    odd: bool
    lat: int  # 17-bit encoded latitude
    lon: int  # 17-bit encoded longitude
    surface: bool


class Fix(NamedTuple):
    """An accepted position."""

    t: float
    lat: float
    lon: float
    range_km: float | None  # from the receiver, when its position is known
    from_pair: bool = False  # globally, from an even/odd pair; else locally, from a reference


class Rejection(NamedTuple):
    """A decoded position that failed the range or speed check."""

    lat: float
    lon: float
    from_pair: bool = False
    range_km: float | None = None  # from the receiver, when its position is known


@dataclass(slots=True)
class CprTrack:
    """What position decoding remembers of one aircraft."""

    even: CprFrame | None = None
    odd: CprFrame | None = None
    last: Fix | None = None  # the reference for local decoding and the speed check
    failures: int = 0  # rejections in a row


def locate(track: CprTrack, frame: CprFrame, config: CprConfig) -> Fix | Rejection | None:
    """The position `frame` gives (and remember it), a rejected one, or None when it
    cannot be decided yet (no pair and no reference)."""
    if frame.odd:
        track.odd = frame
    else:
        track.even = frame
    found = _resolve(track, frame, config)
    if found is None:
        return None
    lat, lon, from_pair = found
    reach = None if config.receiver is None else distance_km(*config.receiver, lat, lon)
    if not _plausible(track.last, frame, lat, lon, reach, from_pair, config):
        track.failures += 1
        if track.failures >= config.failures_before_reset:
            # Several good-looking fixes disagree with the reference: it was the bad one.
            track.last = None
            track.failures = 0
        return Rejection(lat, lon, from_pair, reach)
    track.failures = 0
    track.last = Fix(frame.t, lat, lon, reach, from_pair)
    return track.last


def _resolve(track: CprTrack, frame: CprFrame,
             config: CprConfig) -> tuple[float, float, bool] | None:
    """(lat, lon, from a pair) for the newest frame, or None if undecidable yet."""
    other = track.even if frame.odd else track.odd
    window = config.surface_pair_window_s if frame.surface else config.pair_window_s
    if (other is not None and other.surface == frame.surface
            and abs(frame.t - other.t) <= window):
        even, odd = (other, frame) if frame.odd else (frame, other)
        if frame.surface:
            reference = _reference(track, frame, config)
            if reference is None:
                return None  # surface zones repeat every 90 degrees: need a reference
            found = surface_position_pair(even.lat, even.lon, odd.lat, odd.lon,
                                          lat_ref=reference[0], lon_ref=reference[1],
                                          even_is_newer=not frame.odd)
        else:
            found = airborne_position_pair(even.lat, even.lon, odd.lat, odd.lon,
                                           even_is_newer=not frame.odd)
        if found is not None:
            return found[0], found[1], True
    reference = _reference(track, frame, config)
    if reference is None:
        return None
    decode = surface_position_with_ref if frame.surface else airborne_position_with_ref
    lat, lon = decode(int(frame.odd), frame.lat, frame.lon, reference[0], reference[1])
    return lat, lon, False


def _reference(track: CprTrack, frame: CprFrame,
               config: CprConfig) -> tuple[float, float] | None:
    """The last fix while young; else the receiver, for the surface or a first fix."""
    last = track.last
    if last is not None and frame.t - last.t <= config.reference_age_s:
        return last.lat, last.lon
    if config.receiver is None:
        return None
    if frame.surface or last is None:
        return config.receiver
    return None  # airborne with an old fix: wait for a pair


def _plausible(last: Fix | None, frame: CprFrame, lat: float, lon: float,
               reach: float | None, from_pair: bool, config: CprConfig) -> bool:
    if not (abs(lat) <= 90 and abs(lon) <= 180):  # written so that NaN fails too
        return False
    if reach is not None:
        limit = config.max_range_km
        if not from_pair and not frame.surface and last is None:
            limit = min(limit, config.receiver_local_km)  # decoded from the receiver
        if reach > limit:
            return False
    if last is None:
        return from_pair or reach is not None
    speed_kt = config.max_surface_speed_kt if frame.surface else config.max_speed_kt
    allowed = speed_kt * KM_PER_NM * abs(frame.t - last.t) / 3600.0 + config.margin_km
    # Most fixes are a fraction of a second and metres from the last one: when a quick
    # upper bound of the distance is well inside the limit, the exact one is not needed.
    if _distance_bound_km(last.lat, last.lon, lat, lon) < allowed * _BOUND_SLACK:
        return True
    return distance_km(last.lat, last.lon, lat, lon) <= allowed


_BOUND_SLACK = 1 - 1e-9  # keeps rounding of the bound from deciding a case at the limit


def _distance_bound_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """At least the great-circle distance: the length of a path along the meridian,
    then along the parallel (cos(latitude) <= 1 is left out), never shorter than it."""
    return EARTH_RADIUS_KM * math.radians(abs(lat2 - lat1) + abs(lon2 - lon1))
