"""Points in time as users type them: `--since 2h`, `--since 2026-11-24T10:00Z`."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_UNITS = {"m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([mhdw])", re.ASCII)
_ACCEPTED = ("use an ISO date or time (2026-11-24, 2026-11-24T10:00, 2026-11-24T10:00Z, "
             "2026-11-24T10:00+02:00), a span ago (30m, 2h, 3d, 1w), today or yesterday")


def _midnight_utc(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def iso_time(text: str) -> float | None:
    """UNIX time of an ISO 8601 date or time (naive: UTC); None if it is not one."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # naive times are UTC, like the store's
        return moment.timestamp()
    except (ValueError, OverflowError):  # not ISO, or beyond what a timestamp can hold
        return None


def parse_when(text: str, now: float) -> float:
    """UNIX time (UTC seconds) for `text`; spans and today/yesterday count back from `now`.

    ValueError with a one-line message saying what is accepted otherwise.
    """
    word = text.strip().lower()
    if word == "today":
        return _midnight_utc(now)
    if word == "yesterday":
        return _midnight_utc(now) - 86400.0
    span = _SPAN.fullmatch(word)
    if span:
        seconds = float(span.group(1)) * _UNITS[span.group(2)]
        if math.isfinite(seconds):
            return now - seconds
    moment = iso_time(text.strip())
    if moment is None:
        raise ValueError(f"{text!r} is not a time: {_ACCEPTED}")
    return moment
