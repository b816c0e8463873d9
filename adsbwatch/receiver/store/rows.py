"""The store's rows: what a visit, a track point and an event hold, and the checked
conversion of each to the plain values SQLite and the unsaved-rows file take.

Values are converted when they are buffered, so a wrong type fails at the caller's line
(not a second later in a flush) and numpy scalars never reach sqlite3 or json.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

EVENT_KINDS = ("callsign", "squawk", "emergency")


@dataclass(kw_only=True)
class VisitRow:
    """One continuous stretch of reception of one aircraft (a row of `visits`)."""

    id: int
    icao: int
    first_seen: float
    last_seen: float
    label: str | None = None
    watched: bool = False
    callsigns: str = ""  # space-separated, in the order first heard
    squawks: str = ""  # likewise
    min_alt: int | None = None  # feet
    max_alt: int | None = None
    closest_km: float | None = None
    messages: int = 0
    max_dbfs: float | None = None
    emergency: str | None = None
    # What the aircraft database said of it when the visit began; None: not known (a
    # run without a database, or a row stored before schema v5).
    registration: str | None = None
    type_code: str | None = None  # ICAO type designator: "B737"
    operator: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 of its address block
    first_site: str | None = None  # the site that opened it; None: stored before sites


@dataclass(kw_only=True)
class SessionRow:
    """One run of the receiver (a row of `sessions`): ended stays None while it runs,
    and after a crash; last_seen then says how far it got."""

    id: int
    started: float
    last_seen: float
    source: str  # what it listened to: a file, stdin, rtlsdr:0, rtl_tcp HOST:PORT
    live: bool
    rate: int
    samples: int = 0
    dropped: int = 0
    frames: int = 0
    gain_db: float | None = None  # the tuner's gain at last_seen (live sources)
    ended: float | None = None
    version: str = ""
    lat: float | None = None  # the receiver's position (--lat/--lon or the recording's)
    lon: float | None = None
    site: str | None = None  # the station's --site; None: stored before sites


SESSION_COLUMNS = ("id", "started", "last_seen", "ended", "source", "live", "rate",
                   "gain_db", "samples", "dropped", "frames", "version", "lat", "lon",
                   "site")


def session_values(s: SessionRow) -> tuple:
    return (int(s.id), float(s.started), float(s.last_seen),
            None if s.ended is None else float(s.ended), storable_text(s.source), int(bool(s.live)),
            int(s.rate), _opt_float(s.gain_db), int(s.samples),
            int(s.dropped), int(s.frames), storable_text(s.version), _opt_float(s.lat),
            _opt_float(s.lon), _opt_str(s.site))


def session_from(row: Sequence) -> SessionRow:
    values = dict(zip(SESSION_COLUMNS, row, strict=True))
    values["live"] = bool(values["live"])
    return SessionRow(**values)


@dataclass(kw_only=True)
class MinuteRow:
    """What one run heard in one minute of the data clock (a row of `minutes`), all
    traffic, watched or not. Counts by downlink format and by 1-dB level bin are dicts
    (stored as JSON objects): a bin's key is its lower edge in dBFS."""

    minute: float  # the minute's start, UNIX seconds, a multiple of 60
    run_start: float  # the run's start on the data clock: see schema v3
    first_t: float  # the first and last moments of the minute the run heard
    last_t: float
    session_id: int | None = None
    seconds: float = 0.0  # how much of the minute the receiver listened to
    frames: int = 0  # with a valid CRC
    messages: int = 0  # of those, decoded (pyModeS had a decoder for them)
    frames_by_df: dict[int, int] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    max_dbfs: float | None = None
    noise_dbfs: float | None = None  # the mean of the blocks' noise floors
    # The station's --site (schema v8): two sites replaying recordings that began at the
    # same moment have a minute each. None: no site.
    site: str | None = None


MINUTE_COLUMNS = ("minute", "run_start", "session_id", "first_t", "last_t", "seconds",
                  "frames", "messages", "frames_by_df", "levels", "max_dbfs", "noise_dbfs",
                  "site")


def _counts_json(counts: dict[int, int]) -> str:
    return json.dumps({str(int(k)): int(v) for k, v in sorted(counts.items()) if v})


def minute_values(m: MinuteRow) -> tuple:
    return (_finite(m.minute, "minute"), _finite(m.run_start, "run_start"),
            _opt_int(m.session_id), _finite(m.first_t, "first_t"),
            _finite(m.last_t, "last_t"), _finite(m.seconds, "seconds"), int(m.frames),
            int(m.messages), _counts_json(m.frames_by_df), _counts_json(m.levels),
            _opt_float(m.max_dbfs), _opt_float(m.noise_dbfs), storable_text(m.site or ""))


def minute_from(row: Sequence) -> MinuteRow:
    values = dict(zip(MINUTE_COLUMNS, row, strict=True))
    for name in ("frames_by_df", "levels"):
        values[name] = {int(k): int(v) for k, v in json.loads(values[name]).items()}
    values["site"] = values["site"] or None  # stored as '': a key's column is never NULL
    return MinuteRow(**values)


class PointRow(NamedTuple):
    """One position of a visit's track (a NamedTuple: cheap to make, and a live receiver
    can make hundreds a second)."""

    t: float
    lat: float
    lon: float
    alt: int | None = None  # feet
    gs: float | None = None  # knots
    track: float | None = None  # degrees
    vrate: int | None = None  # feet per minute
    on_ground: bool = False


@dataclass(frozen=True)
class TrackRow:
    """A stored track point with the visit it belongs to."""

    visit_id: int
    t: float
    lat: float
    lon: float
    alt: int | None
    gs: float | None
    track: float | None
    vrate: int | None
    on_ground: bool
    site: str | None = None  # the site that heard it; None: stored before sites


@dataclass(frozen=True)
class EventRow:
    visit_id: int
    t: float
    kind: str  # one of EVENT_KINDS
    value: str
    site: str | None = None


# What the aircraft database says of a visit's aircraft (schema v5): an unsaved-rows file
# written before may lack them.
VISIT_INFO_COLUMNS = ("registration", "type_code", "operator", "country")
VISIT_COLUMNS = ("id", "icao", "label", "watched", "first_seen", "last_seen", "callsigns",
                 "squawks", "min_alt", "max_alt", "closest_km", "messages", "max_dbfs",
                 "emergency", *VISIT_INFO_COLUMNS, "first_site")
# Points and events end with the site that heard them (schema v7): a station's recorder
# adds it to each (see recorder.py).
POINT_COLUMNS = ("visit_id", "t", "lat", "lon", "alt", "gs", "track", "vrate", "on_ground",
                 "site")
EVENT_COLUMNS = ("visit_id", "t", "kind", "value", "site")
# What one site heard of a visit (schema v8): the site's own visit row (`id` the station's
# visit id, `site` its --site or '') and the visit it joined (see sql/joining.py).
PART_COLUMNS = ("id", "site", "visit_id", *VISIT_COLUMNS[1:-1])


def _finite(x: Any, name: str) -> float:
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {x!r}")
    return value


def _opt_float(x: Any) -> float | None:
    """None for a missing or non-finite value: SQLite turns NaN into NULL anyway, and
    JSON (the unsaved-rows file, exports) has no NaN or infinity."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _opt_int(x: Any) -> int | None:
    return None if x is None else int(x)


# Text neither store can hold as it is: PostgreSQL's text has no NUL (SQLite's has), and
# neither driver can encode a lone surrogate (the undecodable bytes of a file's name).
# Both stores, and the unsaved-rows file, get U+FFFD in their place: the same value.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(x: Any) -> str:
    text = str(x)
    if text.isascii() and "\x00" not in text:  # nearly always: no search needed
        return text
    return _UNSTORABLE.sub("\ufffd", text)


def _opt_str(x: Any) -> str | None:
    return None if x is None else storable_text(x)


def checked_visit_id(x: Any) -> int:
    value = int(x)
    if not 0 < value < 2**63:
        raise ValueError(f"visit id must be a positive 63-bit integer, not {x!r}")
    return value


def visit_values(v: VisitRow) -> tuple:
    return (checked_visit_id(v.id), int(v.icao), _opt_str(v.label), int(bool(v.watched)),
            _finite(v.first_seen, "first_seen"), _finite(v.last_seen, "last_seen"),
            storable_text(v.callsigns), storable_text(v.squawks), _opt_int(v.min_alt),
            _opt_int(v.max_alt), _opt_float(v.closest_km), int(v.messages), _opt_float(v.max_dbfs),
            _opt_str(v.emergency), _opt_str(v.registration), _opt_str(v.type_code),
            _opt_str(v.operator), _opt_str(v.country), _opt_str(v.first_site))


def point_values(visit_id: int, p: PointRow, site: str | None = None) -> tuple:
    """Checked: for points from outside the decoding pipeline (callers of
    Recorder.add_point, an unsaved-rows file); the pipeline's own skip it (see
    Recorder.add_tracked_point)."""
    return (checked_visit_id(visit_id), _finite(p.t, "t"), _finite(p.lat, "lat"),
            _finite(p.lon, "lon"), _opt_int(p.alt), _opt_float(p.gs), _opt_float(p.track),
            _opt_int(p.vrate), int(bool(p.on_ground)), _opt_str(site))


def event_values(visit_id: int, t: float, kind: str, value: str,
                 site: str | None = None) -> tuple:
    if kind not in EVENT_KINDS:
        raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}, "
                         f"not {kind!r}")
    return (checked_visit_id(visit_id), _finite(t, "t"), kind, storable_text(value),
            _opt_str(site))


def visit_from(row: Sequence) -> VisitRow:
    values = dict(zip(VISIT_COLUMNS, row, strict=True))
    values["watched"] = bool(values["watched"])
    return VisitRow(**values)


def track_from(row: Sequence) -> TrackRow:
    *head, on_ground, site = row
    return TrackRow(*head, on_ground=bool(on_ground), site=site)


@dataclass(frozen=True)
class VisitSummary:
    """A visit with how many track points are stored for it (the web map's list)."""

    visit: VisitRow
    points: int


@dataclass(frozen=True)
class ReceiverPosition:
    """Where a run's receiver was (the report's coverage plot measures from it)."""

    lat: float
    lon: float
    session_started: float  # wall time of the run that recorded it
    source: str  # what that run listened to
    site: str | None = None  # the run's --site; None: stored before sites


@dataclass(frozen=True)
class SitePart:
    """What one site heard of a visit (a row of `site_visits`)."""

    visit_id: int
    site: str | None  # None: stored before sites, or by a station without one
    first_seen: float
    last_seen: float
    messages: int
