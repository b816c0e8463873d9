"""The interactive table's sorts (ui/interactive.py): every sortable heading is one the
table shows, and the database's columns sort like the others, unknown values last
whichever way."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from adsbwatch.receiver.ui.interactive import SORTS, sorted_rows  # noqa: E402
from adsbwatch.receiver.ui.rows import (  # noqa: E402
    COLUMNS,
    INFO_COLUMNS,
    PLACE_COLUMNS,
    TAIL_COLUMNS,
    AircraftRow,
)


def row(icao: str, reg: str | None, type_code: str | None, country: str | None) -> AircraftRow:
    return AircraftRow(icao, None, None, 30000, False, None, None, None, None, None, None,
                       10, -20.0, False, None, reg, type_code, country)


ROWS = [row("484506", "PH-GOV", "B737", "NL"), row("3C4B2A", None, "A320", "DE"),
        row("4CA8F1", "EI-DCL", None, "IE"), row("06A0F7", "A7-BAC", "B77W", None)]


def test_every_sort_names_a_heading_the_table_has() -> None:
    headings = {name for name, _, _ in (*COLUMNS, *INFO_COLUMNS, *PLACE_COLUMNS, *TAIL_COLUMNS)}
    assert set(SORTS) <= headings
    assert {"reg", "type", "ctry", "ICAO"} <= set(SORTS)


@pytest.mark.parametrize(("column", "ascending"), [
    ("registration", ["06A0F7", "4CA8F1", "484506", "3C4B2A"]),
    ("type", ["3C4B2A", "484506", "06A0F7", "4CA8F1"]),
    ("country", ["3C4B2A", "4CA8F1", "484506", "06A0F7"]),
    ("address", ["06A0F7", "3C4B2A", "484506", "4CA8F1"]),
])
def test_the_database_columns_sort_with_unknown_values_last(column: str,
                                                            ascending: list[str]) -> None:
    assert [r.icao for r in sorted_rows(ROWS, column, descending=False)] == ascending
    known = [i for i in ascending if i != ascending[-1]] if column != "address" else ascending
    descending = [r.icao for r in sorted_rows(ROWS, column, descending=True)]
    assert descending[:len(known)] == known[::-1]
    if column != "address":
        assert descending[-1] == ascending[-1]  # the unknown one stays last
