"""The aircraft table `adsbwatch replay` shows while it runs (on a terminal) and at the end."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.table import Table

from adsbwatch.decoder.messages.tracker import Aircraft
from adsbwatch.decoder.messages.watchlist import Watchlist


def _opt(value: object, fmt: str = "{}") -> str:
    return "" if value is None else fmt.format(value)


def aircraft_table(aircraft: Iterable[Aircraft], watchlist: Watchlist, title: str) -> Table:
    """Watched aircraft first, then by messages heard."""
    rows = sorted(aircraft, key=lambda a: (watchlist.match(a.icao) is None, -a.messages))
    # A light frame and tight columns: the whole row fits 80 columns but for the label.
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True)
    for name, justify, width in (("ICAO", "left", 6), ("callsign", "left", 8),
                                 ("sqwk", "left", 4), ("alt ft", "right", 6),
                                 ("kt", "right", 3), ("trk", "right", 3),
                                 ("position", "left", 13), ("msgs", "right", 4),
                                 ("dBFS", "right", 5), ("watched", "left", 7)):
        table.add_column(name, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                         min_width=width, max_width=28 if name == "watched" else None,
                         overflow="ellipsis")
    for a in rows:
        entry = watchlist.match(a.icao)
        altitude = "ground" if a.on_ground else _opt(a.altitude)
        position = "" if a.lat is None else f"{a.lat:.3f},{a.lon:.3f}"
        watched = (entry.label or "yes") if entry is not None else ""
        table.add_row(
            a.hex.upper(), a.callsign or "", a.squawk or "", altitude,
            _opt(a.groundspeed, "{:.0f}"), _opt(a.track, "{:.0f}"), position,
            str(a.messages), f"{a.level_dbfs:.1f}", watched,
            style="bold yellow" if entry is not None else None)
    return table
