"""The per-minute statistics: the station's StationStats minutes written by the store's
consumer (RecordingConsumer) to the `minutes` table of either backend, and SQLite's
schema version 3 (which adds it and the receiver's position) over a version 2 store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from store_support import raw_rows, recorder, written

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import Tracker
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.station.recording import RecordingConsumer
from adsbwatch.receiver.station.stats import KEPT_MINUTES, SourceCounts, StationStats
from adsbwatch.receiver.store.opening import open_history
from adsbwatch.receiver.store.protocols import Recorder
from adsbwatch.receiver.store.rows import MINUTE_COLUMNS, MinuteRow, SessionRow
from adsbwatch.receiver.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION

M = 1000 * 60.0  # a minute's start (UNIX seconds)


def batch(start_epoch: float, frames: list[tuple[float, int, float]], until_s: float,
          sample_power: float = 0.0, samples: int = 0) -> FrameBatch:
    """Frames as (UNIX time, downlink format, level in full-scale units)."""
    msg = np.zeros((len(frames), 14), np.uint8)
    msg[:, 0] = [df << 3 for _, df, _ in frames]
    ticks = np.array([round((t - start_epoch) * CLOCK_HZ) for t, _, _ in frames], np.int64)
    level = np.array([lv for _, _, lv in frames], np.float32)
    return FrameBatch(msg=msg, ticks=ticks, level=level, fixed=np.zeros(len(frames), np.uint8),
                      until_ticks=round(until_s * CLOCK_HZ), sample_power=sample_power,
                      samples=samples)


class Counted:
    """The station's statistics and the store's consumer, fed as the station feeds them:
    each batch's frames, then its decoded messages, then a tick."""

    def __init__(self, store: Recorder, start: float, session_id: int) -> None:
        self.stats = StationStats(start)
        self.tracker = Tracker()
        self.consumer = RecordingConsumer(
            store, self.stats, SessionRow(id=session_id, started=start, last_seen=start,
                                          source="x.cu8", live=False, rate=2_400_000),
            lambda: (0, 0, None), clock=self._wall)
        self._seconds = 0.0

    def _wall(self) -> float:
        """A second of wall time passes between looks: every tick commits."""
        self._seconds += 1.0
        return self._seconds

    def batch(self, b: FrameBatch, epoch0: float, messages: int, undecodable: int = 0) -> None:
        self.stats.on_frames(b, epoch0, SourceCounts())
        now = epoch0 + b.until_ticks / CLOCK_HZ
        self.stats.on_decoded(now, messages, undecodable, self.tracker, [])
        self.consumer.on_tick(Tick(now, now, live=False))

    def close(self) -> None:
        self.consumer.close()


def stored_minutes(db: Path | str) -> dict[float, dict]:
    rows = {values[0]: dict(zip(MINUTE_COLUMNS, values, strict=True)) for values in
            raw_rows(db, f"SELECT {', '.join(MINUTE_COLUMNS)} FROM minutes")}
    for row in rows.values():
        row["frames_by_df"] = json.loads(row["frames_by_df"])
        row["levels"] = json.loads(row["levels"])
    return rows


@pytest.fixture
def db(store_location: str) -> str:
    """A store not made yet, on each backend."""
    return store_location


def test_a_batch_across_a_minute_boundary_is_split_by_frame_times(db: Path) -> None:
    with recorder(db) as store:
        counted = Counted(store, M - 0.5, session_id=7)
        # 4 frames, one without a decoder; the samples' mean power 1e-4 (-40 dBFS)
        counted.batch(batch(M - 0.5, [(M - 0.4, 17, 0.3), (M - 0.1, 11, 0.05),
                                      (M + 0.1, 4, 1e-5), (M + 0.4, 17, 3.0)],
                            until_s=1.0, sample_power=1e-4, samples=2_400_000), M - 0.5,
                      messages=3, undecodable=1)
        counted.close()
        written(store)
    rows = stored_minutes(db)
    assert set(rows) == {M - 60, M}
    before, after = rows[M - 60], rows[M]
    # Frames go to the minute of their own time; messages (decoded after the batch) to
    # the minute the batch ended in, where the old sink split them by frame times too.
    assert (before["frames"], before["messages"], after["frames"], after["messages"]) == \
        (2, 0, 2, 3)
    assert before["frames_by_df"] == {"17": 1, "11": 1}
    assert after["frames_by_df"] == {"4": 1, "17": 1}
    # 0.3 is -10.5 dBFS, 0.05 is -26.0; 1e-5 (-100) and 3.0 (+9.5) go to the end bins
    assert before["levels"] == {"-11": 1, "-27": 1}
    assert after["levels"] == {"-60": 1, "5": 1}
    assert before["max_dbfs"] == pytest.approx(-10.46, abs=0.01)
    assert after["max_dbfs"] == pytest.approx(9.54, abs=0.01)
    assert (before["seconds"], after["seconds"]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert (before["first_t"], before["last_t"]) == (M - 0.5, M)
    assert (after["first_t"], after["last_t"]) == (M, M + 0.5)
    assert after["noise_dbfs"] == pytest.approx(-40.0)  # the block's end is in minute M
    assert before["noise_dbfs"] is None
    assert {r["session_id"] for r in rows.values()} == {7}
    assert {r["run_start"] for r in rows.values()} == {M - 0.5}


def test_later_batches_add_to_the_minute_and_rewrite_its_row(db: Path) -> None:
    with recorder(db) as store:
        counted = Counted(store, M, session_id=1)
        for k in range(5):
            counted.batch(batch(M, [(M + k + 0.2, 17, 0.5), (M + k + 0.7, 20, 0.25)],
                                until_s=k + 1.0, sample_power=0.02 ** 2, samples=RATE),
                          M, messages=2)
            written(store)
        counted.batch(batch(M, [], until_s=6.0), M, messages=0)  # time passes, no frames
        written(store)
        rows = stored_minutes(db)
        counted.close()
    assert list(rows) == [M]
    row = rows[M]
    assert (row["frames"], row["messages"], row["seconds"]) == (10, 10, 6.0)
    assert row["frames_by_df"] == {"17": 5, "20": 5}
    assert row["levels"] == {"-7": 5, "-13": 5}  # -6.02 and -12.04 dBFS
    # The noise: the samples' mean power, 0.02^2 of full scale (-33.98 dBFS).
    assert row["noise_dbfs"] == pytest.approx(-33.98, abs=0.01)
    assert (row["first_t"], row["last_t"]) == (M, M + 6.0)


RATE = 2_400_000


def test_frames_for_a_minute_long_gone_are_counted_in_the_total(db: Path) -> None:
    """A network peer's frame stamped with an old time, beside current ones: its minute
    was given up, its row stays as saved; it counts in the run's total (and the closing
    lines say so), not in any row."""
    with recorder(db) as store:
        counted = Counted(store, M, session_id=1)
        late = M + 60 * (KEPT_MINUTES + 2)
        counted.batch(batch(M, [(late, 17, 0.5)], until_s=late - M + 1), M, messages=1)
        counted.batch(batch(M, [(M + 1, 17, 0.5), (late + 1, 11, 0.5)], until_s=late - M + 2), M,
                      messages=2)
        counted.close()
        written(store)
    rows = stored_minutes(db)
    assert list(rows) == [late]
    assert (rows[late]["frames"], rows[late]["messages"]) == (2, 3)
    assert counted.stats.total.frames == 3 and counted.stats.total.late_frames == 1


def test_a_version_2_store_gains_minutes_and_the_receiver_position(tmp_path: Path) -> None:
    """Version 2's tables as the sessions change made them, with a session in them."""
    db = tmp_path / "v2.db"
    conn = sqlite3.connect(db)
    MIGRATIONS[0](conn)
    MIGRATIONS[1](conn)
    conn.execute("INSERT INTO sessions (id, started, last_seen, source, live, rate, samples, "
                 "dropped, frames, version) VALUES (5, 100.0, 160.0, 'x.cu8', 0, 2400000, "
                 "144000000, 0, 9000, '0.1.0')")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with recorder(db) as store, open_history(str(db)) as history:
        [old] = history.sessions()
        assert (old.id, old.source, old.frames, old.lat, old.lon) == (5, "x.cu8", 9000, None,
                                                                      None)
        store.save_session(SessionRow(id=6, started=200.0, last_seen=201.0, source="y.cu8",
                                      live=False, rate=2_400_000, lat=52.3, lon=4.76))
        store.save_minute(MinuteRow(minute=180.0, run_start=200.0, session_id=6,
                                    first_t=200.0, last_t=201.0, seconds=1.0, frames=3,
                                    messages=3, frames_by_df={17: 3}, levels={-12: 3}))
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT id, lat, lon FROM sessions ORDER BY id").fetchall() == [
        (5, None, None), (6, 52.3, 4.76)]
    assert conn.execute("SELECT minute, frames, frames_by_df, levels FROM minutes").fetchall() \
        == [(180.0, 3, '{"17": 3}', '{"-12": 3}')]
