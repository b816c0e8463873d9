"""Distances on the Earth, for range and speed checks."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius: errors of 0.3% are far inside every check here
KM_PER_NM = 1.852
FT_TO_M = 0.3048  # the international foot


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, stable for the short distances that matter)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
