"""The web map's routes on the HTTP server's aiohttp application: the page, its static
files (Leaflet from xstatic-leaflet, the Natural Earth outlines) and the history API
(/api/visits, /api/track/HEX, /api/watchlist, /api/config) read from the store.

Every URL the page uses is relative, so it also works behind a proxy's path prefix."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.decoder.registry.info import InfoLookup

STATIC_DIR = Path(__file__).resolve().parent / "static"
mimetypes.add_type("application/geo+json", ".geojson")  # else served as octet-stream


def add_web_routes(app: Any, *, db_path: str | None, receiver: tuple[float, float] | None,
                   tiles: str | None, watchlist: Watchlist | None = None,
                   info_of: InfoLookup | None = None) -> None:
    """Add the page, its files and the history API to `app` (an aiohttp Application).
    `db_path`: the store the history view reads (None: no history); `receiver`: where
    the range rings go; `tiles`: a base-map tile URL template, or None for outlines only;
    `watchlist`: the running receiver's, to mark watched aircraft (None: what the store
    records as watched); `info_of`: the aircraft database, for visits stored without it."""
    from aiohttp import web
    from xstatic.pkg import leaflet

    from adsbwatch.receiver.outputs.web.api import NO_CACHE, HistoryApi
    from adsbwatch.receiver.outputs.web.history import HistoryReader

    config = {"tiles": tiles, "history": db_path is not None,
              "receiver": None if receiver is None else {"lat": receiver[0],
                                                         "lon": receiver[1]}}
    reader = HistoryReader(db_path)
    api = HistoryApi(reader, watchlist, config, info_of)

    async def close_reader(app: web.Application) -> None:
        reader.close()

    app.on_cleanup.append(close_reader)

    async def index(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE)

    app.router.add_get("/", index)
    app.router.add_get("/index.html", index)
    # Leaflet first: routes match in the order they were added.
    app.router.add_static("/static/leaflet/", leaflet.BASE_DIR)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/api/config", api.settings)
    app.router.add_get("/api/visits", api.visits)
    app.router.add_get("/api/track/{hex}", api.track)
    app.router.add_get("/api/watchlist", api.watched)
