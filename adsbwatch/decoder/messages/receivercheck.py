"""Whether the receiver's position the user gave can be right.

Positions decoded from an even/odd pair need no reference, so they tell where the
aircraft really are. When several aircraft's pair positions all lie beyond any radio
range of the given receiver position and none lies within it, that position is wrong
(swapped --lat/--lon, a western longitude without its minus sign are the usual
mistakes): it would reject every position as implausible. The check says so once, with
the likely mistake, and the tracker then decodes without it.
"""

from __future__ import annotations

from adsbwatch.decoder.messages.geo import distance_km

AIRCRAFT_NEEDED = 3  # different aircraft beyond range, with none within it


def _variants(lat: float, lon: float) -> list[tuple[str, float, float]]:
    """The receiver positions the usual mistakes would have meant instead."""
    found = [("a longitude with its sign turned (west is negative)", lat, -lon),
             ("a latitude with its sign turned (south is negative)", -lat, lon)]
    if abs(lon) <= 90:
        found.append(("--lat and --lon swapped", lon, lat))
    return found


class ReceiverCheck:
    def __init__(self, receiver: tuple[float, float], max_range_km: float) -> None:
        self.receiver = receiver
        self.max_range_km = max_range_km
        self._beyond: dict[int, tuple[float, float]] = {}  # icao -> a pair position
        self.confirmed = False  # a pair position within range: the receiver is right
        self.doubt: str | None = None  # what to tell the user, once decided

    def within_range(self) -> None:
        self.confirmed = True
        self._beyond.clear()

    def beyond_range(self, icao: int, lat: float, lon: float) -> bool:
        """A pair position beyond range; True once enough say the receiver is wrong."""
        if self.confirmed or self.doubt is not None:
            return False
        self._beyond[icao] = (lat, lon)
        if len(self._beyond) < AIRCRAFT_NEEDED:
            return False
        self.doubt = self._message()
        return True

    def _message(self) -> str:
        lat, lon = self.receiver
        positions = list(self._beyond.values())
        far = min(distance_km(lat, lon, *p) for p in positions)
        text = (f"--lat {lat} --lon {lon} is {far:.0f} km or more from every aircraft "
                f"heard (positions of {len(positions)} aircraft)")
        for mistake, vlat, vlon in _variants(lat, lon):
            if all(distance_km(vlat, vlon, *p) <= self.max_range_km for p in positions):
                text += f"; it looks like {mistake}: --lat {vlat} --lon {vlon}"
                break
        return text + "; positions are decoded without it"

