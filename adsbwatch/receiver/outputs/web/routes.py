"""The web map's routes on the HTTP server's aiohttp application: the page, its static
files (Leaflet from xstatic-leaflet, the Natural Earth outlines) and the history API
(/api/visits, /api/track/HEX) read from the store."""

from __future__ import annotations

from typing import Any


def add_web_routes(app: Any, *, db_path: str | None, receiver: tuple[float, float] | None,
                   tiles: str | None) -> None:
    """Add the page, its files and the history API to `app` (an aiohttp Application).
    `db_path`: the store the history view reads (None: no history); `receiver`: where
    the range rings go; `tiles`: a base-map tile URL template, or None for outlines only."""
