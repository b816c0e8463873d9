"""The store's writer thread: the station's commit never waits for the store; a locked,
full or read-only store is retried with backoff, said once when it starts and once when
it ends; rows held are bounded and go to the unsaved-rows file past the bound; closing
waits a bounded time. Most tests drive the writer step by step on a clock of their own
(no thread, no timing); the last ones run it for real, on both backends where they can
(another program's lock) and on SQLite where the fault is SQLite's (its size limit, a
full disk under its file); a PostgreSQL server's full disk is faked by a trigger that
fails as a full disk does."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from store_support import (
    T0,
    Lines,
    integrity,
    is_server,
    locked,
    raw_count,
    raw_execute,
    raw_rows,
    recorder,
    release,
    restore_hint,
    unsaved_files,
    wait_until,
    writer_connection,
)

from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.errors import StoreError, WriteFailed
from adsbwatch.receiver.store.opening import restore_unsaved
from adsbwatch.receiver.store.rows import PointRow, VisitRow, point_values, visit_values
from adsbwatch.receiver.store.unsaved import read_unsaved
from adsbwatch.receiver.store.writer import Writer

LOCKED = "the database is locked by another program"


class Clock:
    """A monotonic clock that moves when told (and by `tick` at every look)."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now = 0.0
        self.tick = tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


class FakeTarget:
    """A store that keeps what it is given, fails while `failing` says why, and notes
    when it was tried and from which thread."""

    location = "fake.db"
    spill_name = "fake.db"

    def __init__(self, folder: Path, clock: Clock) -> None:
        self.spill_folder: Path | None = folder
        self.clock = clock
        self.failing: str | None = None
        self.tries: list[float] = []
        self.threads: set[str] = set()
        self.stored = RowBatch()
        self.takes_s = 0.0  # how long a write takes, on the clock

    def write(self, batch: RowBatch) -> RowBatch:
        self.tries.append(self.clock.now)
        self.threads.add(threading.current_thread().name)
        self.clock.now += self.takes_s
        if self.failing:
            raise WriteFailed(self.failing)
        self.stored.merge(batch)
        return RowBatch()

    def close(self) -> None:
        pass


def batch(visit_id: int, points: int, t0: float = T0) -> RowBatch:
    """A visit's state and `points` new points of it."""
    visit = VisitRow(id=visit_id, icao=0x484506, first_seen=T0, last_seen=t0 + points)
    return RowBatch(visits={visit_id: visit_values(visit)},
                    points=[point_values(visit_id, PointRow(t0 + i, 52.0, 4.5))
                            for i in range(points)])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def target(tmp_path: Path, clock: Clock) -> FakeTarget:
    return FakeTarget(tmp_path, clock)


def stepped(target: FakeTarget, clock: Clock, lines: Lines, **options) -> Writer:
    return Writer(target, lines, clock=clock, start=False, **options)


# ------------------------------------------------------------------------------ retries

def test_a_failing_store_is_tried_with_backoff_and_said_once(
        target: FakeTarget, clock: Clock) -> None:
    lines = Lines()
    writer = stepped(target, clock, lines)
    target.failing = LOCKED
    writer.hand_over(batch(1, 3))
    writer.step(wait=False)
    assert lines == [f"database: cannot write to fake.db ({LOCKED}); 4 rows waiting, "
                     "reception goes on"]
    for second in range(1, 63):  # a commit a second, as the station makes them
        clock.now = second
        writer.hand_over(batch(1, 1, T0 + second))
        writer.step(wait=False)
    assert target.tries == [0, 1, 3, 7, 15, 23, 31, 39, 47, 55]  # 1, 2, 4, 8 s, then 8 s
    assert len(lines) == 1
    status = writer.status(buffered=0)
    assert (status.problem, status.waiting, status.retries, status.behind) == (
        LOCKED, 4 + 62, 10, True)
    target.failing = None
    clock.now = 63
    writer.step(wait=False)  # the retry due at 63
    assert lines[1:] == ["database: writing to fake.db again after 63 s; 66 rows written"]
    assert len(target.stored.points) == 65 and list(target.stored.visits) == [1]
    status = writer.status(buffered=0)
    assert (status.problem, status.waiting, status.behind) == (None, 0, False)
    assert writer.close(5.0) is None  # nothing went to a file


def test_new_rows_are_written_at_once_when_writing_works(target: FakeTarget,
                                                         clock: Clock) -> None:
    writer = stepped(target, clock, Lines())
    for second in range(3):
        clock.now = second
        writer.hand_over(batch(1, 2, T0 + 10 * second))
        writer.step(wait=False)
        assert writer.status(buffered=0).waiting == 0
    assert target.tries == [0, 1, 2]


def test_a_slow_store_is_said_once(target: FakeTarget, clock: Clock) -> None:
    lines = Lines()
    writer = stepped(target, clock, lines)
    target.takes_s = 7.0
    for _ in range(3):
        writer.hand_over(batch(1, 1))
        writer.step(wait=False)
    assert lines == ["database: writing to fake.db is slow (one write took 7 s); rows wait "
                     "in memory, reception goes on"]


# ------------------------------------------------------------------------------ the bound

def test_rows_past_the_bound_go_to_the_file_at_once(target: FakeTarget, clock: Clock,
                                                    tmp_path: Path) -> None:
    lines = Lines()
    writer = stepped(target, clock, lines, max_rows=10)
    target.failing = LOCKED
    for second in range(3):  # 5 rows a second: past 10 at the third
        clock.now = second
        writer.hand_over(batch(1, 4, T0 + 10 * second))
        writer.step(wait=False)
    (spill,) = tmp_path.glob("fake.db.unsaved-*.jsonl")
    assert lines[1:] == [f"database: 13 rows saved to {spill} to keep memory bounded while "
                         f"fake.db cannot be written ({LOCKED}); restore them with "
                         f"`adsbwatch store restore {spill} --db fake.db`"]
    saved = read_unsaved(spill).batch
    assert list(saved.visits) == [1] and len(saved.points) == 12
    status = writer.status(buffered=0)
    assert (status.waiting, status.spilled, status.spill_files) == (0, 13, (spill,))
    for second in range(3, 6):  # on: appended to the same file, not said again
        clock.now = second
        writer.hand_over(batch(1, 4, T0 + 10 * second))
        writer.step(wait=False)
    assert len(lines) == 2 and list(tmp_path.glob("fake.db.unsaved-*")) == [spill]
    saved = read_unsaved(spill).batch
    assert len(saved.points) == 24
    assert writer.status(buffered=0).spilled == 26
    target.failing = None
    clock.now = 7  # the retry due at 7 (1 + 2 + 4) writes the next commit
    writer.hand_over(batch(1, 1, T0 + 70))
    writer.step(wait=False)
    assert lines[2] == ("database: writing to fake.db again after 7 s; 2 rows written; "
                        "the 26 rows saved to a file meanwhile are not in it: "
                        f"{restore_hint(spill, Path('fake.db'))}")
    assert writer.close(5.0) == (f"could not write 26 rows to fake.db: {LOCKED}; saved them "
                                 f"to {spill}; {restore_hint(spill, Path('fake.db'))}")
    # every point is in the store or in the file, once
    stored = {row[1] for row in target.stored.points}
    filed = {row[1] for row in read_unsaved(spill).batch.points}
    assert stored.isdisjoint(filed) and len(stored | filed) == 25


def test_a_writer_stuck_in_the_store_drops_the_oldest_points_said_once(
        target: FakeTarget, clock: Clock) -> None:
    """The thread inside one write for long (a disk that hangs) takes nothing: the queue
    keeps to twice the bound, its oldest points dropped and counted; visits stay."""
    lines = Lines()
    writer = stepped(target, clock, lines, max_rows=10)
    for visit_id in range(1, 8):  # never stepped: the thread is stuck
        writer.hand_over(batch(visit_id, 4))
    # 35 rows against 20: the first two batches' 8 points go at the fifth hand-over,
    # one batch's 4 at each of the next two
    assert lines == ["database: writing to fake.db is stuck; dropped 8 rows to keep memory "
                     "bounded, reception goes on"]
    status = writer.status(buffered=0)
    assert (status.lost, status.waiting) == (16, 7 + 3 * 4)
    writer.step(wait=False)
    assert sorted(target.stored.visits) == [1, 2, 3, 4, 5, 6, 7]
    assert len(target.stored.points) == 12


# ------------------------------------------------------------------------------ closing

def test_closing_tries_until_the_deadline_then_saves_the_rest(
        target: FakeTarget, tmp_path: Path) -> None:
    clock = Clock(tick=0.01)  # time passes as the closing writer runs
    target.clock = clock
    lines = Lines()
    writer = stepped(target, clock, lines)
    target.failing = "the disk is full (or the database reached its size limit)"
    writer.hand_over(batch(1, 2))
    writer.step(wait=False)
    clock.now = 0.5  # a retry due at 1 s, but closing tries at once
    outcome = writer.close(1.0)
    (spill,) = tmp_path.glob("fake.db.unsaved-*.jsonl")
    assert outcome == (f"could not write 3 rows to fake.db: the disk is full (or the database "
                       f"reached its size limit); saved them to {spill}; "
                       f"{restore_hint(spill, Path('fake.db'))}")
    closing = [t for t in target.tries if t >= 0.5]
    assert closing[0] == pytest.approx(0.5, abs=0.05) and len(closing) == 5  # each 0.2 s
    assert closing[-1] <= 1.5
    assert len(read_unsaved(spill).batch.points) == 2
    assert len(lines) == 1  # the first failure's line; the outcome is the caller's to say


def test_closing_writes_what_came_last(target: FakeTarget, clock: Clock) -> None:
    writer = stepped(target, clock, Lines())
    writer.hand_over(batch(1, 2))
    assert writer.close(5.0) is None
    assert len(target.stored.points) == 2


def test_abandoning_saves_everything_now(target: FakeTarget, clock: Clock,
                                         tmp_path: Path) -> None:
    writer = stepped(target, clock, Lines())
    writer.hand_over(batch(1, 2))
    outcome = writer.abandon("the save was interrupted (KeyboardInterrupt)")
    (spill,) = tmp_path.glob("fake.db.unsaved-*.jsonl")
    assert outcome is not None and outcome.startswith(
        "could not write 3 rows to fake.db: the save was interrupted (KeyboardInterrupt); "
        f"saved them to {spill}")
    assert target.tries == []


# ------------------------------------------------------------------------------ its thread

def test_a_fault_of_the_writer_keeps_the_rows_and_says_so(target: FakeTarget,
                                                          tmp_path: Path) -> None:
    def broken(batch: RowBatch) -> RowBatch:
        raise RuntimeError("boom")

    target.write = broken  # type: ignore[method-assign]
    lines = Lines()
    writer = Writer(target, lines)
    writer.hand_over(batch(1, 2))
    (line,) = lines.wait_for(1)
    (spill,) = tmp_path.glob("fake.db.unsaved-*.jsonl")
    assert line == ("database: could not write 3 rows to fake.db: the writer failed "
                    f"(RuntimeError: boom); saved them to {spill}; "
                    f"{restore_hint(spill, Path('fake.db'))}")
    assert writer.status(buffered=0).problem == "the writer failed (RuntimeError: boom)"
    writer.hand_over(batch(1, 4, T0 + 10))  # after its end: the closing saves these too
    outcome = writer.close(5.0)
    assert outcome == ("could not write 8 rows to fake.db: the writer failed (RuntimeError: "
                       f"boom); saved them to {spill}; {restore_hint(spill, Path('fake.db'))}")
    assert len(read_unsaved(spill).batch.points) == 6


def test_a_line_that_cannot_be_said_does_not_stop_the_writing(target: FakeTarget,
                                                             clock: Clock) -> None:
    def stderr_gone(line: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    writer = Writer(target, stderr_gone, clock=clock, start=False)
    target.failing = LOCKED
    writer.hand_over(batch(1, 2))
    writer.step(wait=False)  # says it cannot write: nowhere
    target.failing = None
    clock.now = 1
    writer.step(wait=False)  # says it writes again: nowhere
    assert len(target.stored.points) == 2


def test_commit_returns_at_once_while_another_program_holds_the_lock(store_location: str,
                                                                    ) -> None:
    """The lock held from another connection: commits return, rows wait (the writer says
    so once, from its own thread), and are all written once the lock goes. PostgreSQL's
    writer, too, gives up on a lock after busy_wait_s (else it waited as long as the
    lock was held, saying nothing)."""
    db = store_location
    lines = Lines()
    said_from: list[str] = []

    def warn(line: str) -> None:
        said_from.append(threading.current_thread().name)
        lines(line)

    rec = recorder(db, warn, busy_wait_s=0.05)
    blocker = locked(db)
    order = []
    visit = VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + 60)
    try:
        rec.save_visit(visit)
        for second in range(30):  # what 30 s of a station would commit
            rec.add_tracked_point(7, T0 + second, 52.0, 4.5, 9000, None, None, None, False)
            rec.commit()
            order.append("committed")
            if second == 0:
                lines.wait_for(1)
                order.append("warned")
        status = rec.status
        assert (status.problem, status.waiting, status.behind) == (LOCKED, 31, True)
        assert blocker.execute("SELECT count(*) FROM track_points").fetchone() == (0,)
    finally:
        release(blocker)
        order.append("released")
    assert order == ["committed", "warned", *["committed"] * 29, "released"]
    rec.close()
    assert lines[0] == (f"database: cannot write to {db} ({LOCKED}); 2 rows waiting, "
                        "reception goes on")
    assert lines[1].startswith(f"database: writing to {db} again after ")
    assert lines[1].endswith("; 31 rows written")
    assert said_from == ["store writer"] * 2
    assert raw_rows(db, "SELECT t FROM track_points ORDER BY t") == [
        (T0 + s,) for s in range(30)]
    assert integrity(db) == "ok"


SQLITE_FULL = "the disk is full (or the database reached its size limit)"
PG_FULL = ("the database server is out of resources (could not extend file: No space left "
           "on device)")


def fill_up(db: str, rec) -> str:  # noqa: ANN001 - a Recorder
    """No room for one more row; what the writer says is wrong. SQLite: the file may not
    grow (on the writer's connection); PostgreSQL: a trigger fails each new point as a
    server whose disk is full does (SQLSTATE 53100)."""
    if not is_server(db):
        conn = writer_connection(rec)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}").fetchone()
        return SQLITE_FULL
    raw_execute(db, "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                    "USING ERRCODE = 'disk_full'; END $$",
                "CREATE TRIGGER disk_full BEFORE INSERT ON track_points "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()")
    return PG_FULL


def make_room(db: str) -> None:
    """SQLite's limit went with the writer's connection; the server's trigger goes now."""
    if is_server(db):
        raw_execute(db, "DROP TRIGGER disk_full ON track_points")


def test_a_full_database_warns_at_once_and_spills_restorable_rows(store_location: str) -> None:
    db = store_location
    lines = Lines()
    rec = recorder(db, lines, max_rows=100, close_wait_s=0.2)
    visit = VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + 60)
    rec.save_visit(visit)
    rec.commit()
    wait_until(lambda: rec.status.waiting == 0)
    full = fill_up(db, rec)
    for i in range(300):
        rec.add_point(7, PointRow(T0 + i, 45.0 + i / 1e4, 7.0, 10000 + i))
    rec.commit()
    lines.wait_for(2)
    (spill,) = unsaved_files(db)
    assert lines == [
        f"database: cannot write to {db} ({full}); 300 rows waiting, reception goes on",
        f"database: 301 rows saved to {spill} to keep memory bounded while {db} cannot be "
        f"written ({full}); {restore_hint(spill, db)}"]
    assert rec.status.waiting == 0 and rec.status.spilled == 301
    with pytest.raises(StoreError) as info:
        rec.close()
    assert str(info.value) == (f"could not write 301 rows to {db}: {full}; saved them to "
                               f"{spill}; {restore_hint(spill, db)}")
    assert raw_count(db, "track_points") == 0  # all or nothing
    make_room(db)
    assert restore_unsaved(db, spill).rows == 301
    assert raw_rows(db, "SELECT alt FROM track_points ORDER BY t") == [
        (10000 + i,) for i in range(300)]
    assert integrity(db) == "ok"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Path:
    """A 1 MB filesystem of its own (tmpfs; needs root)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_spills_to_the_next_folder(tiny_disk: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The database's disk fills up: the writer says so, the rows go to the working
    folder (the database's has no room either), and all restore."""
    db = tiny_disk / "a.db"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    lines = Lines()
    rec = recorder(db, lines, max_rows=5_000, close_wait_s=0.2)
    rec.save_visit(VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + 60))
    second = 0
    while not lines:  # 2,000 points a second until the disk is full
        rec.save_visit(VisitRow(id=7, icao=0x484506, first_seen=T0, last_seen=T0 + second))
        for i in range(2_000):
            rec.add_tracked_point(7, T0 + second + i / 2000, 52.0, 4.5, i, 400.5, 90.0,
                                  -64, False)
        rec.commit()
        wait_until(lambda: rec.status.waiting < 2_000 or rec.status.problem is not None)
        second += 1
        assert second < 200, "the 1 MB disk never filled"
    assert lines[0].startswith(f"database: cannot write to {db} (the disk is full")
    for _ in range(3):  # more than the bound while the disk stays full
        for i in range(2_000):
            rec.add_tracked_point(7, T0 + second + i / 2000, 52.0, 4.5, i, 400.5, 90.0,
                                  -64, False)
        rec.commit()
        second += 1
    lines.wait_for(2)
    (spill,) = cwd.glob("a.db.unsaved-*.jsonl")
    assert lines[1].startswith("database: ") and f"saved to {spill} " in lines[1]
    with pytest.raises(StoreError) as info:
        rec.close()
    assert f"saved them to {spill} (the database's folder could not take them: " \
        f"{tiny_disk}: No space left on device)" in str(info.value)
    stored = raw_count(db, "track_points")
    copy = tmp_path / "copy.db"
    shutil.copyfile(db, copy)
    for suffix in ("-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", f"{copy}{suffix}")
    assert restore_unsaved(str(copy), spill).left_out == 0
    assert raw_count(copy, "track_points") == stored + len(
        read_unsaved(spill).batch.points) == second * 2_000
    assert integrity(copy) == "ok"


def test_the_unsaved_file_is_json_lines_of_whole_rows(tmp_path: Path) -> None:
    """What `adsbwatch store restore` and a person reading the file both see."""
    target = FakeTarget(tmp_path, Clock())
    target.failing = LOCKED
    writer = Writer(target, Lines(), clock=target.clock, start=False, max_rows=1)
    writer.hand_over(batch(1, 2))
    writer.step(wait=False)
    (spill,) = tmp_path.glob("fake.db.unsaved-*.jsonl")
    text = spill.read_text()
    assert text.endswith("\n")
    assert [json.loads(line)["table"] for line in text.splitlines()] == [
        "visits", "track_points", "track_points"]
