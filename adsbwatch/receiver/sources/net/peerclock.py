"""The wall-clock time of a peer's frames, from its 12 MHz timestamps where they can be
trusted, else from when they arrived.

A peer's timestamps count from an epoch of its own (its sample counter, a GPS second of
the day, a free-running clock), so only their spacing is used: each read's newest frame
arrived some latency after it was received, never before, so of recent reads the
smallest `arrival - timestamp` is the truest offset (as station/clock.py does for a
dongle). A frame's time is its timestamp plus that offset, never after its arrival and
never more than MAX_LAG_S before it; a clock that jumped (the peer restarted, a GPS
day rolled over) is noticed that way and the offsets start again. Frames without a
timestamp (AVR's `*HEX;`, a 0 from a peer that sends none) take the read's arrival
time: frames of one read then share a time.
"""

from __future__ import annotations

import collections

from adsbwatch.decoder.frames.formats import CLOCK_HZ

MAX_LAG_S = 2.0  # a frame older than this on arrival: its peer's clock has jumped
WINDOW_READS = 256  # reads whose offsets are remembered (the peer's clock drifts)


class PeerClock:
    def __init__(self) -> None:
        self._offsets: collections.deque[float] = collections.deque(maxlen=WINDOW_READS)

    def times(self, arrival: float, stamps: list[int | None]) -> list[float]:
        """UNIX times of the frames of one read that arrived at `arrival`, in order."""
        if not stamps or any(not s for s in stamps):
            return [arrival] * len(stamps)
        newest = max(stamps) / CLOCK_HZ  # type: ignore[type-var]
        self._offsets.append(arrival - newest)
        offset = min(self._offsets)
        if arrival - (newest + offset) > MAX_LAG_S:  # the clock jumped: start again
            self._offsets.clear()
            self._offsets.append(arrival - newest)
            offset = arrival - newest
        early = arrival - MAX_LAG_S
        return [min(arrival, max(early, s / CLOCK_HZ + offset)) for s in stamps]  # type: ignore[operator]
