"""The times of a peer's frames on the wall clock, from its 12 MHz timestamps where they
can be trusted, else from when they arrived. Times are 12 MHz ticks from the source's
epoch, so a frame's spacing from the next is kept to the tick.

A peer's timestamps count from an epoch of its own (its sample counter, a GPS second of
the day, a free-running clock), so only their spacing is used: each read's newest frame
arrived some latency after it was received, never before, so of recent reads the
smallest `arrival - timestamp` is the truest offset (as station/clock.py does for a
dongle). A frame's time is its timestamp plus that offset, never after its arrival and
never more than MAX_LAG_S before it; a clock that jumped (the peer restarted, a GPS
day rolled over) is noticed that way and the offsets start again.

Times never go back: CPR decoding needs to know which of a pair came last. When the
offset improves (a read came quicker than any before, a peer that sends in bursts), the
first frames of a read would fall before those already timed with the older offset;
instead they are spread between the last frame's time and the first frame that does
not fall before it (the arrival, when none), in the proportions of their own timestamps:
frames of one read keep distinct, ordered times. Frames without a timestamp (AVR's
`*HEX;`, a 0 from a peer that sends none) take the read's arrival time: they share it.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

from adsbwatch.decoder.frames.formats import CLOCK_HZ

MAX_LAG_S = 2.0  # a frame older than this on arrival: its peer's clock has jumped
WINDOW_READS = 256  # reads whose offsets are remembered (the peer's clock drifts)
MAX_LAG_TICKS = round(MAX_LAG_S * CLOCK_HZ)


class PeerClock:
    def __init__(self) -> None:
        self._offsets: collections.deque[int] = collections.deque(maxlen=WINDOW_READS)
        self._last_stamp: int | None = None  # the peer's timestamp of the last frame timed
        self._last = -(1 << 62)  # the time given to it

    def ticks(self, arrival: int, stamps: Sequence[int | None]) -> list[int]:
        """The times (ticks) of the frames of one read that arrived at `arrival` (ticks
        on the same clock), in the order they came."""
        if not stamps:
            return []
        if not all(stamps):
            self._last_stamp = None
            self._last = max(self._last, arrival)
            return [self._last] * len(stamps)
        known: list[int] = list(stamps)  # type: ignore[arg-type]
        offset = self._offset(arrival, max(known))
        early = arrival - MAX_LAG_TICKS
        times = [min(arrival, max(early, stamp + offset)) for stamp in known]
        times = self._after_last(times, known, arrival)
        self._last, self._last_stamp = times[-1], known[-1]
        return times

    def _after_last(self, times: list[int], stamps: list[int], arrival: int) -> list[int]:
        """`times`, those that would come before the last frame's spread after it, up to
        the first that does not (or the arrival), as their timestamps are spaced."""
        last = self._last
        first_after = next((i for i, t in enumerate(times) if t > last), len(times))
        if first_after:
            if first_after < len(times):
                end_stamp, end = stamps[first_after], times[first_after]
            else:
                end_stamp, end = stamps[-1], max(arrival, last)
            start_stamp = self._last_stamp
            if start_stamp is None or start_stamp >= stamps[0]:
                start_stamp = stamps[0] - 1  # the clock jumped back: spread them evenly
            span = max(end_stamp - start_stamp, 1)
            for i in range(first_after):
                times[i] = last + (end - last) * (stamps[i] - start_stamp) // span
        out, floor = [], last
        for t in times:  # order, whatever the stamps (a peer's frames out of order)
            floor = max(floor, t)
            out.append(floor)
        return out

    def _offset(self, arrival: int, newest: int) -> int:
        self._offsets.append(arrival - newest)
        offset = min(self._offsets)
        if arrival - (newest + offset) > MAX_LAG_TICKS:  # the clock jumped: start again
            self._offsets.clear()
            self._offsets.append(arrival - newest)
            offset = arrival - newest
        return offset
