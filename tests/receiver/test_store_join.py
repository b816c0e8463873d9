"""One visit across sites (issue 18, item 2), on both backends: the stations that hear an
aircraft write one visit of it, each its own part; the same position heard by two sites
is stored once; the first site that watched it announces it, the others are told who did;
two stations opening the visit at the same moment end with one (a constraint, not luck)."""

from __future__ import annotations

import threading

import pytest
from store_support import T0, integrity, raw_execute, raw_rows, recorder, written

from adsbwatch.receiver.store.opening import open_history
from adsbwatch.receiver.store.protocols import CrossSite
from adsbwatch.receiver.store.rows import PointRow, VisitRow

ICAO = 0x484506
OTHER = 0x3C6DD4


@pytest.fixture
def db(store_location: str) -> str:
    return store_location


def _visit(visit_id: int, first: float, last: float, *, icao: int = ICAO, messages: int = 10,
           callsigns: str = "", watched: bool = True, **more: object) -> VisitRow:
    return VisitRow(id=visit_id, icao=icao, first_seen=first, last_seen=last,
                    messages=messages, callsigns=callsigns, watched=watched,
                    label="gov" if watched else None, **more)  # type: ignore[arg-type]


def test_two_sites_write_one_visit_with_their_own_parts(db: str) -> None:
    """North hears the aircraft first, south joins 30 s later with a visit of its own id:
    one visit, its counts the sum of the sites' (each saved twice: not counted twice),
    its callsigns both sites', its points both sites' under the one visit."""
    with recorder(db, site="north") as north, recorder(db, site="south") as south:
        north.save_visit(_visit(101, T0, T0 + 40, messages=50, callsigns="KLM1",
                                closest_km=30.0, max_alt=30000))
        north.add_point(101, PointRow(T0 + 10, 52.30, 4.70, 30000))
        written(north)
        south.save_visit(_visit(202, T0 + 30, T0 + 45, messages=5, callsigns="KLM1 KLM2",
                                closest_km=12.5, min_alt=20000))
        south.add_point(202, PointRow(T0 + 35, 52.40, 4.80, 29000))
        written(south)
        north.save_visit(_visit(101, T0, T0 + 60, messages=70, callsigns="KLM1",
                                closest_km=30.0, max_alt=31000))
        south.save_visit(_visit(202, T0 + 30, T0 + 50, messages=8, callsigns="KLM1 KLM2",
                                closest_km=12.5, min_alt=20000))
    assert raw_rows(db, "SELECT id, first_seen, last_seen, messages, callsigns, closest_km, "
                        "min_alt, max_alt, first_site, is_open FROM visits") == [
        (101, T0, T0 + 60, 78, "KLM1 KLM2", 12.5, 20000, 31000, "north", 1)]
    assert raw_rows(db, "SELECT id, site, visit_id, messages FROM site_visits ORDER BY id") == [
        (101, "north", 101, 70), (202, "south", 101, 8)]
    assert raw_rows(db, "SELECT visit_id, t, site FROM track_points ORDER BY t") == [
        (101, T0 + 10, "north"), (101, T0 + 35, "south")]
    assert integrity(db) == "ok"


def test_sightings_and_track_per_site(db: str) -> None:
    """The joined visit is in both sites' sightings; an aircraft only south heard is in
    south's only; each site's track is its own points."""
    with recorder(db, site="north") as north:
        north.save_visit(_visit(101, T0, T0 + 60))
        north.add_point(101, PointRow(T0 + 10, 52.30, 4.70))
    with recorder(db, site="south") as south:
        south.save_visit(_visit(202, T0 + 20, T0 + 70))
        south.add_point(202, PointRow(T0 + 40, 52.40, 4.80))
        south.save_visit(_visit(303, T0, T0 + 10, icao=OTHER))
    with open_history(db) as h:
        assert [v.id for v in h.sightings(site="north")] == [101]
        assert sorted(v.id for v in h.sightings(site="south")) == [101, 303]
        assert [(p.t, p.site) for p in h.track(ICAO, site="south")] == [(T0 + 40, "south")]
        assert [(p.t, p.site) for p in h.track(ICAO)] == [(T0 + 10, "north"),
                                                          (T0 + 40, "south")]


def test_one_transmission_heard_by_two_sites_is_stored_once(db: str) -> None:
    """A position (and a change) that another site stored within 2 s is the same frame
    heard twice: stored once. The same site's, or another site's 2 s later, are kept."""
    with recorder(db, site="north") as north, recorder(db, site="south") as south:
        north.save_visit(_visit(101, T0, T0 + 60))
        north.add_point(101, PointRow(T0 + 10.0, 52.30, 4.70, 30000))
        north.add_point(101, PointRow(T0 + 11.0, 52.30, 4.70, 30000))  # north's own again
        north.add_event(101, T0 + 10.0, "squawk", "7000")
        written(north)
        south.save_visit(_visit(202, T0 + 5, T0 + 60))
        south.add_point(202, PointRow(T0 + 10.4, 52.30, 4.70, 30000))  # the same frame
        south.add_point(202, PointRow(T0 + 13.5, 52.30, 4.70, 30000))  # 2.5 s later
        south.add_point(202, PointRow(T0 + 10.4, 52.31, 4.70, 30000))  # elsewhere
        south.add_event(202, T0 + 10.2, "squawk", "7000")
        written(south)
    assert raw_rows(db, "SELECT t, lat, site FROM track_points ORDER BY t, lat") == [
        (T0 + 10.0, 52.30, "north"), (T0 + 10.4, 52.31, "south"),
        (T0 + 11.0, 52.30, "north"), (T0 + 13.5, 52.30, "south")]
    assert raw_rows(db, "SELECT t, site FROM events") == [(T0 + 10.0, "north")]


def test_the_first_site_that_watched_it_announces_it(db: str) -> None:
    """North records it unwatched (--record-all), south watches it: south announces;
    then north's rule matches too: north is told south did."""
    with recorder(db, site="north") as north, recorder(db, site="south") as south:
        north.save_visit(_visit(101, T0, T0 + 30, watched=False))
        written(north)
        assert north.cross_site(101) is None  # not watched: nothing to announce
        south.save_visit(_visit(202, T0 + 10, T0 + 30))
        written(south)
        assert south.cross_site(202) == CrossSite(True)
        north.save_visit(_visit(101, T0, T0 + 40))
        written(north)
        assert north.cross_site(101) == CrossSite(False, "south")
        south.save_visit(_visit(202, T0 + 10, T0 + 50))
        written(south)
        assert south.cross_site(202) == CrossSite(True)  # the first answer stands
    assert not north.shared if not db.startswith("postgresql") else north.shared


def test_after_the_gap_a_new_visit_opens_and_the_old_one_closes(db: str) -> None:
    with recorder(db, site="north", visit_gap_s=600) as north:
        north.save_visit(_visit(101, T0, T0 + 60))
        written(north)
    with recorder(db, site="south", visit_gap_s=600) as south:
        south.save_visit(_visit(202, T0 + 700, T0 + 760))
    assert raw_rows(db, "SELECT id, is_open FROM visits ORDER BY id") == [(101, 0), (202, 1)]


def test_an_older_recording_replayed_later_is_a_closed_visit_of_its_own(db: str) -> None:
    with recorder(db, site="north") as north:
        north.save_visit(_visit(101, T0 + 5000, T0 + 5060))
    with recorder(db, site="north") as again:
        again.save_visit(_visit(202, T0, T0 + 60))
    assert raw_rows(db, "SELECT id, is_open FROM visits ORDER BY id") == [(101, 1), (202, 0)]


def test_the_store_refuses_a_second_open_visit_of_an_aircraft(db: str) -> None:
    """The constraint itself: whatever a writer does, two open visits of one address
    cannot be stored."""
    with recorder(db, site="north") as north:
        north.save_visit(_visit(101, T0, T0 + 60))
    with pytest.raises(Exception, match="(?i)unique"):
        raw_execute(db, "INSERT INTO visits (id, icao, watched, first_seen, last_seen, "
                        f"messages, is_open) VALUES (5, {ICAO}, 1, {T0 + 1}, {T0 + 2}, 1, 1)")


def test_two_stations_opening_one_visit_at_once_end_with_one(pg_url: str) -> None:
    """PostgreSQL, two connections: south's transaction opens the visit and holds it
    uncommitted while north's tries to open its own; north's waits on the constraint,
    then joins south's. One visit, two parts."""
    from adsbwatch.receiver.store.batch import RowBatch
    from adsbwatch.receiver.store.postgres.connection import PgStore
    from adsbwatch.receiver.store.rows import visit_values
    from adsbwatch.receiver.store.sql.writing import write_rows

    PgStore(pg_url).close()  # the schema
    south, north = PgStore(pg_url), PgStore(pg_url)
    south_visit = visit_values(_visit(202, T0 + 1, T0 + 9, first_site="south"))
    north_visit = visit_values(_visit(101, T0, T0 + 10, first_site="north"))
    north_done = threading.Event()
    joined: list[int] = []

    def north_writes() -> None:
        with north.writing() as conn:
            write_rows(conn, RowBatch(visits={101: north_visit}), lock_visits=True)
        joined.extend(r[0] for r in north.conn.execute(
            "SELECT visit_id FROM site_visits WHERE site = 'north'"))
        north_done.set()

    with south.writing() as conn:
        write_rows(conn, RowBatch(visits={202: south_visit}), lock_visits=True)
        other = threading.Thread(target=north_writes)
        other.start()
        assert not north_done.wait(1.0)  # north waits for south's transaction
    other.join(30)
    assert joined == [202]
    assert raw_rows(pg_url, "SELECT id, first_seen, last_seen, first_site FROM visits") == [
        (202, T0, T0 + 10, "south")]
    south.close()
    north.close()
