"""How long to wait before trying again something that went away (a dongle, an rtl_tcp
server, a peer, a push target): FIRST_RETRY_S, doubling after each failure up to
LAST_RETRY_S, as readsb's connectors do."""

from __future__ import annotations

import time
from collections.abc import Callable

FIRST_RETRY_S = 0.5
LAST_RETRY_S = 30.0
STABLE_S = 10.0  # a connection that held this long was working: its loss starts afresh


def next_retry(delay: float) -> float:
    return min(2 * delay, LAST_RETRY_S)


class Retry:
    """The waits between tries at one connection, and the lines that say it went. A
    failed try doubles the wait; a connection made and lost starts again from the first
    wait only if it held STABLE_S: one that ends sooner (a server that accepts and closes
    at once, again and again) doubles it too, so such a server is tried less and less
    often, not twice a second, and is one warning, not two lines a try."""

    def __init__(self, first_s: float = FIRST_RETRY_S, stable_s: float = STABLE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.first_s = first_s
        self.stable_s = stable_s
        self.clock = clock
        self.wait_s = first_s  # before the next try
        self.flapping = False  # connections end soon after they are made: no news each
        self._since: float | None = None  # when the connection now up was made

    def failed(self) -> float:
        """A try failed: how long to wait before the next."""
        wait, self.wait_s = self.wait_s, next_retry(self.wait_s)
        return wait

    def connected(self) -> None:
        self._since = self.clock()

    @property
    def lasted_s(self) -> float:
        """How long the connection made last has been (or was) up."""
        return 0.0 if self._since is None else self.clock() - self._since

    @property
    def held(self) -> bool:
        """The connection made last has held long enough to count as working."""
        return self._since is not None and self.lasted_s >= self.stable_s

    def holds_again(self) -> bool:
        """A connection made while flapping has now held: news, once."""
        if self.flapping and self.held:
            self.flapping = False
            return True
        return False

    def loss_line(self, name: str, reason: str) -> str | None:
        """What to say of the connection that went (before `lost`): one line for an
        outage, none for each of a flapping server's short connections."""
        if self.held:
            return f"{name}: connection lost ({reason}); reconnecting"
        if self.flapping:
            return None
        self.flapping = True
        return (f"{name}: connection lost ({reason}) {self.lasted_s:.1f} s after it was "
                f"made; reconnecting, the wait doubling up to {LAST_RETRY_S:g} s until a "
                "connection holds")

    def lost(self) -> float:
        """The connection went: how long to wait before trying again."""
        if self.held:
            self.wait_s = self.first_s
        self._since = None
        return self.failed()
