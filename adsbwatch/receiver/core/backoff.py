"""How long to wait before trying again something that went away (a dongle, an rtl_tcp
server, a peer, a push target): FIRST_RETRY_S, doubling after each failure up to
LAST_RETRY_S, as readsb's connectors do."""

from __future__ import annotations

FIRST_RETRY_S = 0.5
LAST_RETRY_S = 30.0


def next_retry(delay: float) -> float:
    return min(2 * delay, LAST_RETRY_S)
