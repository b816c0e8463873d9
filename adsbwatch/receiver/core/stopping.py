"""The stop's budget. A service asked to stop (SIGTERM, Ctrl-C) must be gone within
10 s: systemd waits for it, then kills it, and what was not saved is lost. The station
notes when the stop was asked for; each consumer whose closing may wait (the store on a
locked database, alert commands, push messages to a slow service) takes what is left of
the budget instead of its own fixed wait, so that their waits never add up beyond it."""

from __future__ import annotations

import time
from collections.abc import Callable

# Of the 10 s: the rest is for what closes after (servers, the views), the closing lines
# and the interpreter's exit on a busy machine (a soak saw 9.9 s with 8.5 here).
STOP_BUDGET_S = 7.0


class StopClock:
    """When the stop was asked for, and what is left of its budget."""

    def __init__(self, budget_s: float = STOP_BUDGET_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.budget_s = budget_s
        self.clock = clock
        self.asked_at: float | None = None

    def start(self) -> None:
        """The stop is asked for now (a later call keeps the first time)."""
        if self.asked_at is None:
            self.asked_at = self.clock()

    def left(self, own_wait_s: float) -> float:
        """How long a closing consumer may wait: its own wait, cut to what is left of
        the budget once a stop was asked for (an input's end, as a replay's, is no
        stop: the own wait)."""
        if self.asked_at is None:
            return own_wait_s
        return max(0.0, min(own_wait_s, self.asked_at + self.budget_s - self.clock()))
