"""Points in time as users type them (`--since 2h`, `--since 2026-11-24T10:00Z`) and as
adsbwatch writes them: ISO UTC with milliseconds (exports, JSON) and a plain
`YYYY-MM-DD HH:MM:SS` for tables. Any finite time can be written, even one past
datetime's year 9999 (a replay started at 9999-12-31T23:59:59Z runs into year 10000)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

# The Gregorian calendar repeats every 400 years (146097 days): a time beyond datetime's
# years 1-9999 is written as its date so many cycles earlier or later, with the year
# counted back.
_CYCLE_S = 146097 * 86400
_UNITS = {"m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([mhdw])", re.ASCII)
_ACCEPTED = ("use an ISO date or time (2026-11-24, 2026-11-24T10:00, 2026-11-24T10:00Z, "
             "2026-11-24T10:00+02:00), a span ago (30m, 2h, 3d, 1w), today or yesterday")


def _midnight_utc(now: float) -> float:
    day = datetime.fromtimestamp(now, UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _utc(t: float) -> tuple[datetime, int]:
    """`t` as a UTC datetime, and the 400-year cycles to add to its year."""
    try:
        return datetime.fromtimestamp(t, UTC), 0
    except (OverflowError, ValueError, OSError):  # beyond the years datetime holds
        pass
    shifted = math.fmod(t, _CYCLE_S)  # exact; within 1570-2370
    return datetime.fromtimestamp(shifted, UTC), round((t - shifted) / _CYCLE_S)


def _with_year(moment: datetime, cycles: int, text: str) -> str:
    """`text` (which starts with the 4-digit year of `moment`) with the true year."""
    return text if not cycles else f"{moment.year + 400 * cycles:04d}{text[4:]}"


def iso_utc(t: float) -> str:
    """`2026-11-24T10:00:00.250Z`: exports and JSON."""
    moment, cycles = _utc(t)
    text = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return _with_year(moment, cycles, text)


def table_time(t: float) -> str:
    """`2026-11-24 10:00:00` (UTC, whole seconds): tables and console lines."""
    moment, cycles = _utc(t)
    return _with_year(moment, cycles, moment.isoformat(sep=" ", timespec="seconds")[:19])


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
