"""A warning that can repeat many times a second (a flood of refused connections, of
malformed requests), said at most once per interval with how often it happened since:
the journal stays readable and a flood cannot fill the disk through it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

EVERY_S = 30.0  # readsb says its "cannot accept" line at most every 30 s too


def warn_on_stderr(message: str) -> None:
    """The warnings' default place: one line on stderr."""
    print(f"adsbwatch: warning: {message}", file=sys.stderr, flush=True)


class RateLimitedLine:
    def __init__(self, say: Callable[[str], None], every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.say = say
        self.every_s = every_s
        self.clock = clock
        self.count = 0  # every time it happened, said or not
        self._unsaid = 0
        self._next = -float("inf")

    def __call__(self, text: str) -> None:
        """`text` now if the last line is `every_s` old, else only counted."""
        self.count += 1
        now = self.clock()
        if now < self._next:
            self._unsaid += 1
            return
        if self._unsaid:
            text += f" ({self._unsaid} more like this since the last such line)"
        self._unsaid = 0
        self._next = now + self.every_s
        self.say(text)
