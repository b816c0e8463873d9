"""The rate limit of one --notify URL: at most LIMIT messages in any SPAN_S seconds, so a
flood of sightings (a formation, a watchlist of a whole air force) becomes a few messages
and a summary, not a ban from the service."""

from __future__ import annotations

from collections import deque

LIMIT = 5
SPAN_S = 60.0


class SendWindow:
    def __init__(self, limit: int = LIMIT, span_s: float = SPAN_S) -> None:
        self.limit = limit
        self.span_s = span_s
        self._sent: deque[float] = deque()  # when the messages of the last span went

    def free(self, now: float) -> int:
        """Messages that may go now."""
        while self._sent and now - self._sent[0] >= self.span_s:
            self._sent.popleft()
        return self.limit - len(self._sent)

    def wait_s(self, now: float) -> float:
        """How long until a message may go."""
        if self.free(now) > 0:
            return 0.0
        return self._sent[0] + self.span_s - now

    def note(self, now: float) -> None:
        self._sent.append(now)
