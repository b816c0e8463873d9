"""The aircraft table `adsbwatch replay` shows while it runs (on a terminal) and at the end."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from ..decoder.tracker import Aircraft
from ..decoder.watchlist import Watchlist


def _opt(value: object, fmt: str = "{}") -> str:
    return "" if value is None else fmt.format(value)


def aircraft_table(aircraft: Iterable[Aircraft], watchlist: Watchlist, title: str) -> Table:
    """Watched aircraft first, then by messages heard."""
    rows = sorted(aircraft, key=lambda a: (watchlist.match(a.icao) is None, -a.messages))
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, justify in (("ICAO", "left"), ("callsign", "left"), ("squawk", "left"),
                          ("alt ft", "right"), ("speed kt", "right"), ("track", "right"),
                          ("position", "left"), ("msgs", "right"), ("dBFS", "right"),
                          ("watched", "left")):
        table.add_column(name, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                         max_width=30 if name == "watched" else None, overflow="ellipsis")
    for a in rows:
        entry = watchlist.match(a.icao)
        altitude = "ground" if a.on_ground else _opt(a.altitude)
        position = "" if a.lat is None else f"{a.lat:8.4f} {a.lon:9.4f}"
        watched = (entry.label or "yes") if entry is not None else ""
        table.add_row(
            a.hex.upper(), a.callsign or "", a.squawk or "", altitude,
            _opt(a.groundspeed, "{:.0f}"), _opt(a.track, "{:.0f}"), position,
            str(a.messages), f"{a.level_dbfs:.1f}", watched,
            style="bold yellow" if entry is not None else None)
    return table
