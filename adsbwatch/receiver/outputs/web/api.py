"""The web map's JSON API: watched visits and their tracks from the store, what is
watched, and the page's settings. Visit ids are sent as text: they are 63-bit, and
JavaScript's numbers round past 2**53.

A track comes a page at a time: an answer of /api/track holds at most TRACK_PAGE_POINTS
points over all its visits, read and encoded in the history reader's threads; a visit
whose points do not all fit says where the rest begins (`next_start`), to ask for with
?visit=ID&start=N. An aircraft parked for a day is 86,400 points: whole, one answer was
hundreds of MB built on the network loop."""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adsbwatch.decoder.messages.watchlist import parse_address
from adsbwatch.receiver.outputs.web.history import HistoryBusy
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.export import finite_or_none
from adsbwatch.receiver.store.info_fill import fill_info
from adsbwatch.receiver.when import parse_when

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.decoder.registry.info import InfoLookup
    from adsbwatch.receiver.outputs.web.history import HistoryReader
    from adsbwatch.receiver.store.protocols import History
    from adsbwatch.receiver.store.rows import TrackRow, VisitRow

NO_CACHE = {"Cache-Control": "no-cache"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TRACK_VISITS = 20
TRACK_PAGE_POINTS = 10_000  # about 0.6 MB of JSON
MAX_ID = 2**63 - 1  # visit ids are SQLite's 64-bit integers, and positive
BUSY_RETRY_S = 2


def encode(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def _json(data: Any, status: int = 200) -> web.Response:
    return _json_body(encode(data), status)


def _json_body(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, content_type="application/json", status=status,
                        headers=NO_CACHE)


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}),
                              content_type="application/json")


def visit_json(v: VisitRow, points: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(v.id), "icao": f"{v.icao:06x}", "label": v.label or "",
        "callsigns": v.callsigns.split(), "squawks": v.squawks.split(),
        "first_seen": v.first_seen, "last_seen": v.last_seen,
        "min_alt": v.min_alt, "max_alt": v.max_alt, "closest_km": finite_or_none(v.closest_km),
        "messages": v.messages, "max_dbfs": finite_or_none(v.max_dbfs), "emergency": v.emergency,
        "registration": v.registration, "type_code": v.type_code, "operator": v.operator,
        "country": v.country,
    }
    if points is not None:
        out["points"] = points
    return out


def point_json(p: TrackRow) -> list[Any]:
    """[t, lat, lon, alt_ft, gs_kt, track_deg]: compact, a long visit has thousands."""
    return [p.t, round(p.lat, 6), round(p.lon, 6), p.alt, finite_or_none(p.gs),
            finite_or_none(p.track)]


def _since(request: web.Request) -> float | None:
    text = request.query.get("since")
    if not text:
        return None
    try:
        since = float(text)  # UNIX seconds, as the API writes times
    except ValueError:
        pass
    else:
        if not math.isfinite(since):
            raise _bad_request(f"since: {text[:40]!r} is not a time")
        return since
    try:
        return parse_when(text, time.time())
    except ValueError as exc:
        raise _bad_request(f"since: {exc}") from None


def _count(request: web.Request, name: str, default: int, most: int, least: int = 1) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    shown = text if len(text) <= 40 else text[:40] + "..."
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        raise _bad_request(f"{name}: {shown!r} is not a whole number from {least} to {most}")
    value = int(text)
    if not least <= value <= most:
        raise _bad_request(f"{name}: {value} is not between {least} and {most}")
    return value


def _icao(text: str) -> int:
    try:
        lo, hi = parse_address(text.lstrip("~"))
    except ValueError as exc:
        raise _bad_request(str(exc)) from None
    if lo != hi:
        raise _bad_request(f"{text!r} is a block; give one 6-digit hex address")
    return lo


class HistoryApi:
    """The handlers, reading through `reader`; `watchlist` is the running receiver's
    (None for `adsbwatch serve`: then what the store knows is watched)."""

    def __init__(self, reader: HistoryReader, watchlist: Watchlist | None,
                 config: dict[str, Any], info_of: InfoLookup | None = None) -> None:
        """`info_of`: the aircraft database, for visits stored without it."""
        self.reader = reader
        self.watchlist = watchlist
        self.config = config
        self.info_of = info_of

    async def _read(self, query: Any, empty: Any) -> Any:
        return await self._answer(self.reader.read(query, empty))

    async def _answer(self, reading: Awaitable[Any]) -> Any:
        try:
            return await reading
        except HistoryBusy as exc:
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": f"the store is busy ({exc}); try again"}),
                content_type="application/json", headers={"Retry-After": str(BUSY_RETRY_S)},
            ) from None
        except StoreError as exc:
            # The page shows this line; the live map goes on without history.
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": str(exc)}), content_type="application/json"
            ) from None

    async def settings(self, request: web.Request) -> web.Response:
        return _json(self.config)

    async def visits(self, request: web.Request) -> web.Response:
        since = _since(request)
        limit = _count(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        found = await self._read(
            lambda history: history.visit_summaries(since=since, limit=limit), [])
        visits = [s.visit for s in found]
        if self.info_of is not None:
            visits = fill_info(visits, self.info_of)
        return _json([visit_json(v, s.points) for v, s in zip(visits, found, strict=True)])

    async def track(self, request: web.Request) -> web.Response:
        icao = _icao(request.match_info["hex"])
        if "visit" in request.query:
            visit_id: int | None = _count(request, "visit", 0, MAX_ID)
            count = 1
            start = _count(request, "start", 0, MAX_ID, least=0)
        else:
            visit_id, start = None, 0
            count = _count(request, "visits", 1, MAX_TRACK_VISITS)
        body = await self._read(
            lambda history: track_answer(history, icao, visit_id, count, start), None)
        if body is None:
            if visit_id is None:  # no store: no visits
                return _json({"icao": f"{icao:06x}", "visits": []})
            raise web.HTTPNotFound(text=json.dumps({"error": f"no visit {visit_id} of "
                                                   f"{icao:06x} in the store"}),
                                   content_type="application/json")
        return _json_body(body)

    async def watched(self, request: web.Request) -> web.Response:
        """[{icao, label}] (a block also has `to`, its last address), for the page to
        mark watched aircraft: dump1090-fa's aircraft.json has no key for it. Rules with
        other conditions (type:, squawk:...) name no addresses: the visits they made do."""
        if self.watchlist is not None:
            return _json([_entry_json(e.lo, e.hi, e.label) for e in self.watchlist.blocks])

        stored = await self._answer(self.reader.watch_entries())
        entries = {(e.lo, e.hi): e.label for e in stored if e.by_address}
        labels = await self._read(lambda history: history.watched_labels(), {})
        for icao, label in labels.items():
            entries.setdefault((icao, icao), label)
        return _json([_entry_json(lo, hi, label) for (lo, hi), label in sorted(entries.items())])


def track_answer(history: History, icao: int, visit_id: int | None, count: int,
                 start: int) -> bytes | None:
    """/api/track's answer, encoded (in a reader's thread): `visit_id`'s points from
    `start` on, or the `count` latest visits' from their first; None: no such visit."""
    if visit_id is None:
        visits = history.latest_visits(icao, count)
    else:
        visit = history.visit(visit_id)
        if visit is None or visit.icao != icao:
            return None
        visits = [visit]
    room = TRACK_PAGE_POINTS
    entries = []
    for visit in visits:
        # One more than there is room for says whether more are left.
        points = history.visit_points_page(visit.id, start, room + 1)
        entry = visit_json(visit)
        entry["track"] = [point_json(p) for p in points[:room]]
        if len(points) > room:
            entry["next_start"] = start + room
        room -= len(entry["track"])
        entries.append(entry)
    return encode({"icao": f"{icao:06x}", "visits": entries})


def _entry_json(lo: int, hi: int, label: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"icao": f"{lo:06x}", "label": label or ""}
    if hi != lo:
        entry["to"] = f"{hi:06x}"
    return entry
