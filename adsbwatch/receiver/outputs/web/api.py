"""The web map's JSON API: watched visits and their tracks from the store, what is
watched, and the page's settings. Visit ids are sent as text: they are 63-bit, and
JavaScript's numbers round past 2**53."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adsbwatch.decoder.messages.watchlist import parse_address
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.export import finite_or_none
from adsbwatch.receiver.when import parse_when

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.receiver.outputs.web.history import HistoryReader
    from adsbwatch.receiver.store.protocols import History
    from adsbwatch.receiver.store.rows import TrackRow, VisitRow

NO_CACHE = {"Cache-Control": "no-cache"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TRACK_VISITS = 20


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, separators=(",", ":"), allow_nan=False),
                        content_type="application/json", status=status, headers=NO_CACHE)


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
        return float(text)  # UNIX seconds, as the API writes times
    except ValueError:
        pass
    try:
        return parse_when(text, time.time())
    except ValueError as exc:
        raise _bad_request(f"since: {exc}") from None


def _count(request: web.Request, name: str, default: int, most: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _bad_request(f"{name}: {text!r} is not a whole number") from None
    if not 1 <= value <= most:
        raise _bad_request(f"{name}: {value} is not between 1 and {most}")
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
                 config: dict[str, Any]) -> None:
        self.reader = reader
        self.watchlist = watchlist
        self.config = config

    async def _read(self, query: Any, empty: Any) -> Any:
        return await self._answer(self.reader.read(query, empty))

    async def _answer(self, reading: Awaitable[Any]) -> Any:
        try:
            return await reading
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
        return _json([visit_json(s.visit, s.points) for s in found])

    async def track(self, request: web.Request) -> web.Response:
        icao = _icao(request.match_info["hex"])
        visit_text = request.query.get("visit")
        if visit_text is not None:
            try:
                visit_id = int(visit_text)
            except ValueError:
                raise _bad_request(f"visit: {visit_text!r} is not a visit id") from None
            count = 1
        else:
            visit_id = None
            count = _count(request, "visits", 1, MAX_TRACK_VISITS)

        def query(history: History) -> list[dict[str, Any]]:
            if visit_id is None:
                visits = history.latest_visits(icao, count)
            else:
                visit = history.visit(visit_id)
                visits = [visit] if visit is not None and visit.icao == icao else []
            out = []
            for visit in visits:
                entry = visit_json(visit)
                entry["track"] = [point_json(p) for p in history.visit_points([visit.id])]
                out.append(entry)
            return out

        visits = await self._read(query, [])
        if visit_id is not None and not visits:
            raise web.HTTPNotFound(text=json.dumps({"error": f"no visit {visit_id} of "
                                                   f"{icao:06x} in the store"}),
                                   content_type="application/json")
        return _json({"icao": f"{icao:06x}", "visits": visits})

    async def watched(self, request: web.Request) -> web.Response:
        """[{icao, label}] (a block also has `to`, its last address), for the page to
        mark watched aircraft: dump1090-fa's aircraft.json has no key for it."""
        if self.watchlist is not None:
            return _json([_entry_json(e.lo, e.hi, e.label) for e in self.watchlist.entries])

        stored = await self._answer(self.reader.watch_entries())
        entries = {(e.lo, e.hi): e.label for e in stored}
        labels = await self._read(lambda history: history.watched_labels(), {})
        for icao, label in labels.items():
            entries.setdefault((icao, icao), label)
        return _json([_entry_json(lo, hi, label) for (lo, hi), label in sorted(entries.items())])


def _entry_json(lo: int, hi: int, label: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"icao": f"{lo:06x}", "label": label or ""}
    if hi != lo:
        entry["to"] = f"{hi:06x}"
    return entry
