"""A station's PostgreSQL server going away during a run (stopped, then started again):
reception goes on, the rows wait in memory (or, past the bound, in the unsaved-rows
file) and reach the database once it is back; no row is lost, the visit ends in its
latest state. Each test stops a server of its own, not the session's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from postgres_support import PgServer
from store_support import T0, Lines, raw_count, raw_rows, recorder, wait_until, written

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.opening import restore_unsaved
from adsbwatch.receiver.store.rows import PointRow, VisitRow

PASSWORD = "hunter2"  # trust authentication takes any: it must never be printed


@pytest.fixture
def own_server(own_pg_server: PgServer) -> PgServer:
    return own_pg_server


def _url(server: PgServer) -> str:
    return server.url(server.new_database(), password=PASSWORD)


def _points(rec, v: VisitRow, first: int, count: int) -> None:  # noqa: ANN001
    for i in range(first, first + count):
        rec.add_point(v.id, PointRow(T0 + i, 52.0 + i / 1000, 4.5, 3000 + i))


def test_rows_wait_while_the_server_is_down_and_are_written_after(own_server: PgServer,
                                                                  ) -> None:
    url = _url(own_server)
    shown = url.replace(f":{PASSWORD}@", "@")
    lines = Lines()
    rec = recorder(url, lines, retry_first_s=0.2)
    v = VisitRow(id=77, icao=0x484506, first_seen=T0, last_seen=T0 + 9, watched=True,
                 messages=10)
    rec.save_visit(v)
    _points(rec, v, 0, 10)
    written(rec)
    assert raw_count(url, "track_points") == 10

    own_server.stop()
    _points(rec, v, 10, 20)  # heard while the server is away
    v.last_seen, v.messages = T0 + 29, 30
    rec.save_visit(v)
    rec.commit()
    (down,) = lines.wait_for(1)
    assert down.startswith(f"database: cannot write to {shown} (the database server is "
                           "unreachable (")
    assert down.endswith("); 21 rows waiting, reception goes on")
    assert rec.status.problem is not None and rec.status.waiting == 21

    own_server.start()
    _, up = lines.wait_for(2)
    assert up.startswith(f"database: writing to {shown} again after ")
    assert up.endswith(" s; 21 rows written")
    rec.close()
    assert raw_rows(url, "SELECT count(*), min(t), max(t) FROM track_points") == [
        (30, T0, T0 + 29)]
    assert raw_rows(url, "SELECT last_seen, messages FROM visits") == [(T0 + 29, 30)]
    assert all(PASSWORD not in line for line in lines)


def test_past_the_bound_the_rows_go_to_the_file_and_restore_after(
        own_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a server's store has no folder: the file goes here
    url = _url(own_server)
    lines = Lines()
    rec = recorder(url, lines, retry_first_s=60.0, max_rows=5, close_wait_s=0.5)
    v = VisitRow(id=78, icao=0x484506, first_seen=T0, last_seen=T0 + 1, watched=True)
    rec.save_visit(v)
    written(rec)
    own_server.stop()
    _points(rec, v, 0, 8)
    rec.commit()
    wait_until(lambda: rec.status.spilled > 0)
    with pytest.raises(StoreError) as info:
        rec.close()
    files = sorted(tmp_path.glob("adsbwatch-127.0.0.1-*-store-*.unsaved-*.jsonl"))
    assert files, list(tmp_path.iterdir())
    saved = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert sorted(r["row"]["t"] for r in saved if r["table"] == "track_points") == [
        T0 + i for i in range(8)]
    assert PASSWORD not in str(info.value) and all(PASSWORD not in line for line in lines)
    assert f"--db {url.replace(f':{PASSWORD}@', '@')}" in str(info.value)  # how to restore

    own_server.start()
    for f in files:
        restore_unsaved(url, f)
    assert raw_rows(url, "SELECT count(*) FROM track_points") == [(8,)]


def test_a_command_waits_for_a_lock_a_bounded_time(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                   ) -> None:
    """`watchlist add` while another connection holds the watchlist locked: a one-line
    "locked" error after the wait, not a command that hangs."""
    import psycopg
    from support import cli

    from adsbwatch.receiver.store.postgres import connection

    assert cli("watchlist", "add", "484506", "--db", pg_url)[0] == 0
    monkeypatch.setattr(connection, "LOCK_WAIT_S", 0.5)
    with psycopg.connect(pg_url) as holder, holder.transaction():
        holder.execute("LOCK TABLE watchlist IN ACCESS EXCLUSIVE MODE")
        status, _, err = cli("watchlist", "add", "3C6DD4", "--db", pg_url)
    assert status != 0
    assert err.strip().endswith("the database is locked by another program")
    assert len(err.strip().splitlines()) == 1
    assert cli("watchlist", "add", "3C6DD4", "--db", pg_url)[0] == 0  # once let go
