"""Two live stations writing to one store as one site: two Raspberry Pis left with their
host name, `raspberrypi`, as --site. The store keeps their visits apart, but takes their
points for one site's (a point the other stored within 2 s is not recognised as the same
transmission) and `sightings --site` mixes them. Said once, as a live station starts."""

from __future__ import annotations

from collections.abc import Iterable

from adsbwatch.receiver.store.rows import SessionRow

# A live session saves itself about every second: one heard from this recently runs.
RUNNING_S = 120.0


def running_as(sessions: Iterable[SessionRow], site: str, now: float) -> SessionRow | None:
    """A live session of `site` that has not ended and was heard from within RUNNING_S."""
    for session in sessions:
        if (session.live and session.ended is None and session.site == site
                and 0 <= now - session.last_seen <= RUNNING_S):
            return session
    return None


def site_taken_warning(session: SessionRow, site: str, now: float) -> str:
    return (f"another live station writes to this store as site {site!r} ({session.source}, "
            f"heard {now - session.last_seen:.0f} s ago; or a run of this one that was "
            f"killed): give each station its own --site, or their points are taken for "
            f"one site's")
