"""Values through the store and back, on both backends: what a recorder is given is what a
History reads, and both backends hold the same. Text neither can hold as it is (NUL, which
PostgreSQL's text refuses; a lone surrogate, which neither driver can encode) is stored
with U+FFFD in its place, on both, and the writer goes on without a word."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import T0, raw_execute, raw_rows, recorder

from adsbwatch.decoder.messages.watchlist import WatchEntry
from adsbwatch.receiver.store.opening import open_history, open_watchlist_store
from adsbwatch.receiver.store.rows import (
    EVENT_KINDS,
    EventRow,
    PointRow,
    SessionRow,
    TrackRow,
    VisitRow,
)

REPLACEMENT = "\ufffd"
UNDECODABLE = "caf\udce9.cu8"  # a recording's name in Latin-1, as os.fsdecode gives it

_IDS = itertools.count(1)


def stored(text: str | None) -> str | None:
    """The text as the store must hold it, worked out here apart from the product's."""
    if text is None:
        return None
    return "".join(REPLACEMENT if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c
                   for c in text)


# Text of any kind, the awkward characters often: NUL, lone surrogates, a BOM, an emoji.
awkward = st.sampled_from(["\x00", "\udce9", "\ud800", "\ufeff", "é", "\U0001f6e9", "'", "\\"])
texts = st.lists(st.text(max_size=3) | awkward, max_size=5).map("".join)
maybe_texts = st.none() | texts
finite = st.floats(-1e12, 1e12, allow_nan=False)
maybe_finite = st.none() | finite
big_ints = st.integers(-2**62, 2**62)

visits = st.builds(
    VisitRow, id=st.just(0), icao=st.integers(0, 0xFFFFFF), first_seen=finite,
    last_seen=finite, label=maybe_texts, watched=st.booleans(), callsigns=texts,
    squawks=texts, min_alt=st.none() | big_ints, max_alt=st.none() | big_ints,
    closest_km=maybe_finite, messages=st.integers(0, 2**62), max_dbfs=maybe_finite,
    emergency=maybe_texts, registration=maybe_texts, type_code=maybe_texts,
    operator=maybe_texts, country=maybe_texts, first_site=maybe_texts)
points = st.builds(PointRow, t=finite, lat=st.floats(-90, 90), lon=st.floats(-180, 180),
                   alt=st.none() | big_ints, gs=maybe_finite, track=maybe_finite,
                   vrate=st.none() | big_ints, on_ground=st.booleans())
events = st.tuples(finite, st.sampled_from(EVENT_KINDS), texts)
sessions = st.builds(
    SessionRow, id=st.just(0), started=finite, last_seen=finite, source=texts,
    live=st.booleans(), rate=st.integers(0, 10**7), samples=st.integers(0, 2**62),
    dropped=st.integers(0, 2**62), frames=st.integers(0, 2**62), gain_db=maybe_finite,
    ended=maybe_finite, version=texts, lat=maybe_finite, lon=maybe_finite,
    site=maybe_texts)


def _emptied(db: str) -> None:
    """The store made, then emptied: one database serves every example."""
    recorder(db).close()
    raw_execute(db, *(f"DELETE FROM {table}" for table in (
        "track_points", "events", "site_visits", "visits", "sessions", "minutes",
        "watchlist")))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(visit=visits, track=st.lists(points, max_size=4, unique_by=lambda p: p.t),
       changes=st.lists(events, max_size=4, unique_by=lambda e: e[:2]),
       session=sessions, site=maybe_texts)
def test_what_is_recorded_is_what_is_read_on_either_backend(
        store_location: str, visit: VisitRow, track: list[PointRow],
        changes: list[tuple[float, str, str]], session: SessionRow, site: str | None) -> None:
    db = store_location
    _emptied(db)
    visit.id, session.id = next(_IDS), next(_IDS)
    with recorder(db, site=site) as rec:
        rec.save_visit(visit)
        for point in track:
            rec.add_point(visit.id, point)
        for t, kind, value in changes:
            rec.add_event(visit.id, t, kind, value)
        rec.save_session(session)
    texts_of_visit = {f.name: stored(getattr(visit, f.name)) for f in dataclasses.fields(visit)
                      if isinstance(getattr(visit, f.name), str)}
    expected_visit = dataclasses.replace(visit, **texts_of_visit)
    if visit.first_site is None:
        expected_visit.first_site = stored(site)
    with open_history(db) as history:
        assert history.sightings() == [expected_visit]
        assert history.track(visit.icao) == [
            TrackRow(visit.id, *p[:-1], on_ground=p.on_ground, site=stored(site))
            for p in sorted(track, key=lambda p: p.t)]
        assert history.events(visit.id) == [
            EventRow(visit.id, t, kind, stored(value), stored(site))
            for t, kind, value in sorted(changes)]
        assert history.sessions() == [dataclasses.replace(
            session, source=stored(session.source), version=stored(session.version),
            site=stored(session.site if session.site is not None else site))]


def test_a_nul_in_a_callsign_is_stored_as_the_replacement_on_either_backend(
        store_location: str) -> None:
    """A callsign decoded from garbage: written at once, no line said (a failing write
    would be retried and said), the same value on both backends."""
    v = VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + 1,
                 callsigns="KLM\x00\x001", label="a\x00b")
    with recorder(store_location) as rec:
        rec.save_visit(v)
        rec.add_event(7, T0, "callsign", "KLM\x00\x001")
    assert raw_rows(store_location, "SELECT callsigns, label FROM visits") == [
        ("KLM\ufffd\ufffd1", "a\ufffdb")]
    assert raw_rows(store_location, "SELECT value FROM events") == [("KLM\ufffd\ufffd1",)]


def test_a_recording_with_an_undecodable_name_is_stored(store_location: str) -> None:
    """Its session's source is the name with U+FFFD for the byte UTF-8 cannot decode;
    before, the writer failed on the whole batch and every row went to a file."""
    session = SessionRow(id=3, started=T0, last_seen=T0, source=UNDECODABLE, live=False,
                         rate=2_400_000)
    with recorder(store_location) as rec:
        rec.save_session(session)
    assert raw_rows(store_location, "SELECT source FROM sessions") == [("caf\ufffd.cu8",)]


def test_a_watchlist_label_that_utf8_cannot_encode_is_stored(store_location: str) -> None:
    """`watchlist add 484506 --label $'caf\\xe9'`: argv's undecodable byte is a surrogate
    (WatchEntry refuses a NUL itself); before, a traceback."""
    with open_watchlist_store(store_location) as store:
        assert store.add_watch([WatchEntry(0x484506, 0x484506, "caf\udce9")]) == 1
        assert store.watch_entries() == [WatchEntry(0x484506, 0x484506, "caf\ufffd")]
