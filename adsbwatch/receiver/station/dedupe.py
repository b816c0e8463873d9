"""One frame heard by two inputs (two peers, a peer and the dongle) is decoded once.

Two decoders near each other forward the same reply within a few milliseconds (their
network paths differ), so the same bytes from *another* source within WINDOW_S are a
copy. The same bytes again from the *same* source are not: a transponder repeats
identical replies (DF11 all-call replies, an unchanged velocity) several times a
second, and each is a reply. So each copy decoded remembers which sources have matched
it; a source's frame matches the oldest recent copy it has not matched yet.
"""

from __future__ import annotations

import collections

WINDOW_S = 1.0


class Dedupe:
    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        # frame -> the recent decoded copies: [time, sources that have matched it]
        self._copies: dict[bytes, collections.deque[tuple[float, set[int]]]] = {}
        self._order: collections.deque[tuple[float, bytes]] = collections.deque()

    def duplicate(self, frame: bytes, source: int, t: float) -> bool:
        """Whether `frame` from `source` at `t` (seconds, never decreasing) is a copy of
        one another source already delivered; if not, it is remembered as decoded."""
        self._forget(t - self.window_s)
        copies = self._copies.get(frame)
        if copies is not None:
            for _, matched in copies:
                if source not in matched:
                    matched.add(source)
                    return True
        else:
            copies = self._copies[frame] = collections.deque()
        copies.append((t, {source}))
        self._order.append((t, frame))
        return False

    def _forget(self, before: float) -> None:
        order = self._order
        while order and order[0][0] < before:
            _, frame = order.popleft()
            copies = self._copies[frame]
            copies.popleft()
            if not copies:
                del self._copies[frame]
