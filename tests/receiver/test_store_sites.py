"""Sites (issue 18, item 2): every row a station writes names its site (--site), on both
backends; rows stored before sites name none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_support import raw_rows, recorder

from adsbwatch.receiver.store.opening import open_history
from adsbwatch.receiver.store.rows import PointRow, SessionRow, VisitRow
from adsbwatch.receiver.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION

T0 = 1_795_000_000.0
ICAO = 0x484506


@pytest.fixture
def db(store_location: str) -> str:
    """A store not made yet, on each backend (conftest's store_location)."""
    return store_location


def _session(session_id: int, source: str) -> SessionRow:
    return SessionRow(id=session_id, started=T0, last_seen=T0 + 60, source=source,
                      live=True, rate=2_400_000)


def _write(db: str, site: str, session_id: int, last_seen: float, point_t: float) -> None:
    """What a station at `site` writes of visit 7: its session, the visit's state, one
    point and one event."""
    with recorder(db, site=site) as rec:
        rec.save_session(_session(session_id, f"rtl_tcp {site}:1234"))
        rec.save_visit(VisitRow(id=7, icao=ICAO, first_seen=T0, last_seen=last_seen,
                                messages=int(last_seen - T0), watched=True))
        rec.add_point(7, PointRow(point_t, 52.3, 4.7, 3000))
        rec.add_event(7, point_t, "squawk", site)


def test_every_row_a_station_writes_names_its_site(db: str) -> None:
    """Two stations save the same visit (as they will once they share visits): the visit
    keeps the site that wrote it first, however much later another saves it; each point,
    event and session names its own."""
    _write(db, "north", 1, T0 + 10, T0 + 1)
    _write(db, "south", 2, T0 + 20, T0 + 4)
    assert raw_rows(db, "SELECT id, last_seen, first_site FROM visits") == [
        (7, T0 + 20, "north")]
    assert raw_rows(db, "SELECT t, site FROM track_points ORDER BY t") == [
        (T0 + 1, "north"), (T0 + 4, "south")]
    assert raw_rows(db, "SELECT value, site FROM events ORDER BY t") == [
        ("north", "north"), ("south", "south")]
    assert raw_rows(db, "SELECT id, site FROM sessions ORDER BY id") == [
        (1, "north"), (2, "south")]
    with open_history(db) as h:
        assert [v.first_site for v in h.sightings()] == ["north"]
        assert [(p.site, p.alt) for p in h.track(ICAO)] == [("north", 3000), ("south", 3000)]
        assert [e.site for e in h.events(7)] == ["north", "south"]
        assert [s.site for s in h.sessions()] == ["north", "south"]


def test_a_station_without_a_site_writes_none(db: str) -> None:
    with recorder(db) as rec:
        rec.save_visit(VisitRow(id=7, icao=ICAO, first_seen=T0, last_seen=T0 + 1))
        rec.add_point(7, PointRow(T0, 52.3, 4.7))
    assert raw_rows(db, "SELECT first_site FROM visits") == [(None,)]
    assert raw_rows(db, "SELECT site FROM track_points") == [(None,)]


def test_rows_of_a_version_6_store_name_no_site(tmp_path: Path) -> None:
    """Schema v7 adds the sites: points stored before keep NULL, not a guess."""
    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:6]:
        step(conn)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO visits (id, icao, watched, first_seen, last_seen, messages) "
                 f"VALUES (7, {ICAO}, 1, {T0}, {T0 + 60}, 12)")
    conn.execute(f"INSERT INTO track_points (visit_id, t, lat, lon) VALUES (7, {T0}, 52, 4)")
    conn.commit()
    conn.close()
    _write(str(path), "north", 1, T0 + 90, T0 + 80)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] \
        == SCHEMA_VERSION == 8
    # a visit stored before names the first site known to have heard it
    assert raw_rows(path, "SELECT last_seen, first_site FROM visits") == [(T0 + 90, "north")]
    assert raw_rows(path, "SELECT t, site FROM track_points ORDER BY t") == [
        (T0, None), (T0 + 80, "north")]
