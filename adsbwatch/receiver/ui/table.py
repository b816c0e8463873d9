"""The aircraft table `adsbwatch replay` and `live` show while they run (on a terminal)
and at the end."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.table import Table

from adsbwatch.receiver.ui.rows import AircraftRow, cell_texts, columns, info_columns


def aircraft_table(rows: Sequence[AircraftRow], title: str, with_place: bool,
                   width: int | None = None) -> Table:
    """`rows` in their order; distance and bearing columns `with_place` (a receiver
    position is known); the aircraft database's columns as far as `width` (the
    terminal's columns; None: all) has room for them."""
    info = info_columns(rows, with_place, width)
    # A light frame and tight columns.
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True)
    for name, justify, least in columns(with_place, info):
        table.add_column(name, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                         min_width=least, max_width=28 if name == "watched" else None,
                         overflow="ellipsis")
    for row in rows:
        table.add_row(*cell_texts(row, with_place, info),
                      style="bold yellow" if row.watched else None)
    return table
