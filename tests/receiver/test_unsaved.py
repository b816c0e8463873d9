"""The unsaved-rows file: its rows read back as they were written, and restored into a
store of either backend as they were written; anything else a one-line error naming
file:line (fuzzed), a last line cut off by a stop left out, and a file that keeps whole
lines when its disk fills."""

from __future__ import annotations

import errno
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from store_support import raw_execute, raw_rows

from adsbwatch.receiver.store import files as store_files
from adsbwatch.receiver.store.batch import RowBatch, minute_key
from adsbwatch.receiver.store.opening import open_watchlist_store, restore_unsaved
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    EVENT_KINDS,
    MINUTE_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    MinuteRow,
    PointRow,
    SessionRow,
    VisitRow,
    event_values,
    minute_values,
    point_values,
    session_values,
    visit_values,
)
from adsbwatch.receiver.store.unsaved import (
    SpillFile,
    UnsavedFileError,
    read_unsaved,
    unsaved_text,
)

ids = st.integers(1, 2**63 - 1)
times = st.floats(0, 4e11, allow_nan=False)
maybe_float = st.none() | st.floats(allow_nan=True, allow_infinity=True)
maybe_int = st.none() | st.integers(-2**62, 2**62)
texts = st.text(max_size=12)
counts = st.dictionaries(st.integers(-100, 100), st.integers(1, 10**6), max_size=4)

visits = st.builds(VisitRow, id=ids, icao=st.integers(0, 0xFFFFFF), first_seen=times,
                   last_seen=times, label=st.none() | texts, watched=st.booleans(),
                   callsigns=texts, squawks=texts, min_alt=maybe_int, max_alt=maybe_int,
                   closest_km=maybe_float, messages=st.integers(0, 10**9),
                   max_dbfs=maybe_float, emergency=st.none() | texts,
                   registration=st.none() | texts, type_code=st.none() | texts,
                   operator=st.none() | texts, country=st.none() | texts).map(visit_values)
points = st.tuples(ids, st.builds(PointRow, t=times, lat=st.floats(-90, 90),
                                  lon=st.floats(-180, 180), alt=maybe_int, gs=maybe_float,
                                  track=maybe_float, vrate=maybe_int,
                                  on_ground=st.booleans())).map(lambda a: point_values(*a))
events = st.builds(event_values, ids, times, st.sampled_from(EVENT_KINDS), texts)
sessions = st.builds(SessionRow, id=ids, started=times, last_seen=times, source=texts,
                     live=st.booleans(), rate=st.integers(0, 10**7),
                     samples=st.integers(0, 2**62), dropped=st.integers(0, 2**62),
                     frames=st.integers(0, 2**62), gain_db=maybe_float,
                     ended=st.none() | times, version=texts, lat=maybe_float,
                     lon=maybe_float).map(session_values)
minutes = st.builds(MinuteRow, minute=times, run_start=times, first_t=times, last_t=times,
                    session_id=st.none() | ids, seconds=st.floats(0, 60),
                    frames=st.integers(0, 10**9), messages=st.integers(0, 10**9),
                    frames_by_df=counts, levels=counts, max_dbfs=maybe_float,
                    noise_dbfs=maybe_float, site=st.none() | texts).map(minute_values)
batches = st.builds(
    RowBatch,
    visits=st.lists(visits, max_size=4).map(lambda rows: {r[0]: r for r in rows}),
    points=st.lists(points, max_size=6), events=st.lists(events, max_size=4),
    sessions=st.lists(sessions, max_size=2).map(lambda rows: {r[0]: r for r in rows}),
    minutes=st.lists(minutes, max_size=3).map(lambda rows: {minute_key(r): r for r in rows}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(batch=batches)
def test_the_rows_written_are_the_rows_read(batch: RowBatch, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(unsaved_text(batch))
    saved = read_unsaved(path)
    assert saved.cut_off is None
    assert saved.batch == batch
    assert len(path.read_text().splitlines()) == batch.rows


@st.composite
def restorable(draw: st.DrawFn) -> RowBatch:
    """A batch whose points and events belong to its visits (once each, as the store's
    unique keys have them), its visits of different aircraft (visits of one aircraft
    within the visit gap would be joined into one, test_store_join's subject): all of it
    restores as it is."""
    batch = draw(batches)
    batch.visits = {v[0]: v for v in {v[1]: v for v in batch.visits.values()}.values()}
    ids = list(batch.visits)
    points = {(r[0], *r[1:4]): r for r in ((ids[k % len(ids)], *row[1:])
                                           for k, row in enumerate(batch.points))} if ids else {}
    events = {r[:4]: r for r in ((ids[k % len(ids)], *row[1:])
                                 for k, row in enumerate(batch.events))} if ids else {}
    return RowBatch(batch.visits, list(points.values()), list(events.values()),
                    batch.sessions, batch.minutes)


TABLES = (("visits", VISIT_COLUMNS), ("track_points", POINT_COLUMNS),
          ("events", EVENT_COLUMNS), ("sessions", SESSION_COLUMNS),
          ("minutes", MINUTE_COLUMNS))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(batch=restorable())
# A site named with a NUL: PostgreSQL refused the minute's row (its text took no U+FFFD).
@example(batch=RowBatch({}, [], [], {}, {
    minute_key(row): row for row in [minute_values(MinuteRow(
        minute=0.0, run_start=0.0, session_id=None, first_t=0.0, last_t=0.0, seconds=0.0,
        frames=0, messages=0, frames_by_df={}, levels={}, max_dbfs=None, noise_dbfs=None,
        site="\x00"))]}))
def test_a_restore_writes_the_files_rows_into_either_backend(
        batch: RowBatch, store_location: str, tmp_path: Path) -> None:
    db = store_location
    open_watchlist_store(db).close()  # the store, made once, emptied for each example
    raw_execute(db, *(f"DELETE FROM {table}" for table in (
        "track_points", "events", "site_visits", "visits", "sessions", "minutes")))
    path = tmp_path / "rows.jsonl"
    path.write_text(unsaved_text(batch))
    done = restore_unsaved(db, path)
    assert (done.rows, done.left_out, done.cut_off) == (batch.rows, 0, None)
    stored = [set(raw_rows(db, f"SELECT {', '.join(columns)} FROM {table}"))
              for table, columns in TABLES]
    assert stored == [set(batch.visits.values()), set(batch.points), set(batch.events),
                      set(batch.sessions.values()), set(batch.minutes.values())]


def _one_line_error(path: Path, error: UnsavedFileError) -> None:
    message = str(error)
    assert "\n" not in message and error.exit_status == 2
    assert message.startswith(f"{path}:"), message


awkward = st.sampled_from([float("inf"), float("-inf"), float("nan"), 2**64, -1, 0, 1e308,
                           "", "7000", True])
json_values = st.recursive(
    awkward | st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=10)


def _mangled(line: dict, column: str, value: object) -> bytes:
    row = dict(line["row"])
    row[column] = value
    return json.dumps({"table": line["table"], "row": row}).encode()


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """Lines of saved rows, some of them changed: a value replaced, cut short, bytes
    thrown in, or a whole line of anything."""
    lines = [json.loads(line) for line in unsaved_text(draw(batches)).splitlines()]
    out = []
    for line in lines:
        kind = draw(st.sampled_from(["keep", "value", "cut", "bytes"]))
        raw = json.dumps(line).encode()
        if kind == "value":
            column = draw(st.sampled_from([*line["row"], "table", "row"]))
            raw = _mangled(line, column, draw(json_values))
        elif kind == "cut":
            raw = raw[:draw(st.integers(0, len(raw)))]
        elif kind == "bytes":
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.binary(max_size=6)) + raw[at:]
        out.append(raw)
    out.extend(draw(st.lists(st.binary(max_size=40) | st.text(string.printable).map(
        str.encode), max_size=2)))
    text = b"\n".join(out)
    return text + (b"\n" if draw(st.booleans()) else b"")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=files())
def test_any_file_reads_as_rows_or_a_one_line_error(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "any.jsonl"
    path.write_bytes(data)
    try:
        saved = read_unsaved(path)
    except UnsavedFileError as exc:
        _one_line_error(path, exc)
        return
    lines = data.split(b"\n")
    if saved.cut_off is not None:  # only ever the last line, one with no newline
        assert saved.cut_off == len(lines) and lines[-1].strip()
    # what was read writes out as the same rows again
    again = tmp_path / "again.jsonl"
    again.write_text(unsaved_text(saved.batch))
    assert read_unsaved(again).batch == saved.batch


def test_a_last_line_cut_off_by_a_stop_is_left_out_and_named(tmp_path: Path) -> None:
    batch = RowBatch(visits={5: visit_values(VisitRow(id=5, icao=1, first_seen=1.0,
                                                      last_seen=2.0))},
                     points=[point_values(5, PointRow(1.0, 2.0, 3.0)),
                             point_values(5, PointRow(1.5, 2.0, 3.0))])
    text = unsaved_text(batch)
    path = tmp_path / "cut.jsonl"
    path.write_text(text[:-9])  # the program stopped while appending the last line
    saved = read_unsaved(path)
    assert saved.cut_off == 3
    assert (list(saved.batch.visits), saved.batch.points) == ([5], batch.points[:1])
    path.write_text(text[:-9] + "\n")  # with its newline it is a bad line, not a cut one
    with pytest.raises(UnsavedFileError, match=r"cut.jsonl:3: not a line of saved rows"):
        read_unsaved(path)


def test_an_absurd_number_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    line = json.loads(unsaved_text(RowBatch(visits={5: visit_values(VisitRow(
        id=5, icao=1, first_seen=1.0, last_seen=2.0))})))
    path = tmp_path / "big.jsonl"
    for column, value in (("min_alt", "Infinity"), ("messages", "1e999"),
                          ("id", "[" * 5000 + "]" * 5000)):
        path.write_bytes(_mangled(line, column, 0).replace(
            f'"{column}": 0'.encode(), f'"{column}": {value}'.encode()) + b"\n")
        with pytest.raises(UnsavedFileError) as info:
            read_unsaved(path)
        _one_line_error(path, info.value)


# ------------------------------------------------------------------------------ appending

def test_a_spill_file_appends_whole_lines_and_moves_on_when_its_disk_fills(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    spill = SpillFile(home, "a.db", clock=lambda: 1_800_000_000)
    first = RowBatch(points=[point_values(5, PointRow(1.0, 2.0, 3.0))])
    second = RowBatch(points=[point_values(5, PointRow(2.0, 2.0, 3.0))])
    assert spill.append(unsaved_text(first), 1) and spill.append(unsaved_text(second), 1)
    assert spill.files == [home / "a.db.unsaved-1800000000.jsonl"]
    real = store_files.write_all

    def disk_fills_half_way(fd: int, data: bytes) -> None:
        real(fd, data[:len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("adsbwatch.receiver.store.unsaved.write_all", disk_fills_half_way)
    third = RowBatch(points=[point_values(5, PointRow(3.0, 2.0, 3.0))])
    assert spill.append(unsaved_text(third), 1)
    assert spill.files == [home / "a.db.unsaved-1800000000.jsonl",
                           cwd / "a.db.unsaved-1800000000.jsonl"]
    assert spill.problems == [f"{home}: No space left on device"]
    assert spill.rows == 3
    kept = read_unsaved(spill.files[0])  # cut back to its whole lines
    assert kept.cut_off is None and kept.batch.points == first.points + second.points
    assert read_unsaved(spill.files[1]).batch.points == third.points
