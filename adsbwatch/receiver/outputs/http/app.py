"""The HTTP server: aiohttp on the run's network loop. dump1090-fa's JSON under /data/
(where tar1090 looks), /metrics, and the web map's routes.

`make_app` builds the application; service.py serves it on a NetworkThread (the
station's, or `adsbwatch serve`'s own). Handlers only read what the
station handed over (`Published.documents`, a dict replaced whole), never its state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from adsbwatch.receiver.outputs.http.documents import Published
from adsbwatch.receiver.outputs.web.routes import add_web_routes

if TYPE_CHECKING:
    from adsbwatch.decoder.messages.watchlist import Watchlist
    from adsbwatch.decoder.registry.info import InfoLookup
    from adsbwatch.receiver.outputs.http.metrics import RunMetrics

NO_CACHE = {"Cache-Control": "no-cache"}  # a map polling every second must see new data


def make_app(published: Published | None, metrics: RunMetrics | None, *,
             db_path: str | None, receiver: tuple[float, float] | None,
             tiles: str | None, watchlist: Watchlist | None = None,
             info_of: InfoLookup | None = None) -> web.Application:
    """The application: /data/*.json and /metrics when a receiver runs (`published`,
    `metrics`), and the web map (`watchlist`: the running receiver's, to mark watched
    aircraft; None: what the store records as watched; `info_of`: the aircraft database,
    for visits stored without it)."""
    app = web.Application()
    if published is not None:
        async def data(request: web.Request) -> web.Response:
            body = published.documents.get(request.match_info["name"])
            if body is None:
                raise web.HTTPNotFound(text="no such file (yet)\n")
            return web.Response(body=body, content_type="application/json",
                                headers=NO_CACHE)

        app.router.add_get("/data/{name}", data)
    if metrics is not None:
        async def scrape(request: web.Request) -> web.Response:
            return web.Response(body=metrics.text(),
                                headers={"Content-Type": "text/plain; version=0.0.4; "
                                                         "charset=utf-8"})

        app.router.add_get("/metrics", scrape)
    add_web_routes(app, db_path=db_path, receiver=receiver, tiles=tiles, watchlist=watchlist,
                   info_of=info_of)
    return app
