"""The per-minute statistics: MinuteStatsSink's counts written to the store's `minutes`
table, and schema version 3 (which adds it and the receiver's position) over a version 2
store."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from store_support import recorder, written

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.station.minutes import KEPT_MINUTES, MinuteStatsSink
from adsbwatch.receiver.store.opening import open_history
from adsbwatch.receiver.store.protocols import Recorder
from adsbwatch.receiver.store.rows import MinuteRow, SessionRow
from adsbwatch.receiver.store.sqlite.schema import MIGRATIONS, SCHEMA_VERSION

M = 1000 * 60.0  # a minute's start (UNIX seconds)


@dataclass
class Totals:
    messages: int = 0


@dataclass
class DecodedSoFar:
    """What the sink reads of the pipeline: its start time and decoded-message total."""

    start_epoch: float
    totals: Totals = field(default_factory=Totals)


def batch(start_epoch: float, frames: list[tuple[float, int, float]], until_s: float,
          noise: float = 0.0) -> FrameBatch:
    """Frames as (UNIX time, downlink format, level in full-scale units)."""
    msg = np.zeros((len(frames), 14), np.uint8)
    msg[:, 0] = [df << 3 for _, df, _ in frames]
    ticks = np.array([round((t - start_epoch) * CLOCK_HZ) for t, _, _ in frames], np.int64)
    level = np.array([lv for _, _, lv in frames], np.float32)
    return FrameBatch(msg=msg, ticks=ticks, level=level, fixed=np.zeros(len(frames), np.uint8),
                      until_ticks=round(until_s * CLOCK_HZ), noise=noise)


def stored_minutes(db: Path) -> dict[float, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = {r["minute"]: dict(r) for r in conn.execute("SELECT * FROM minutes")}
    conn.close()
    for row in rows.values():
        row["frames_by_df"] = json.loads(row["frames_by_df"])
        row["levels"] = json.loads(row["levels"])
    return rows


@pytest.fixture
def store(tmp_path: Path) -> Recorder:
    with recorder(tmp_path / "s.db") as s:
        yield s


def test_a_batch_across_a_minute_boundary_is_split_by_frame_times(store: Recorder) -> None:
    pipeline = DecodedSoFar(start_epoch=M - 0.5)
    warnings: list[str] = []
    sink = MinuteStatsSink(store, pipeline, session_id=7, warn=warnings.append)  # type: ignore[arg-type]
    pipeline.totals.messages = 3  # 4 frames, one pyModeS had no decoder for
    sink.on_batch(batch(M - 0.5, [(M - 0.4, 17, 0.3), (M - 0.1, 11, 0.05),
                                  (M + 0.1, 4, 1e-5), (M + 0.4, 17, 3.0)],
                        until_s=1.0, noise=0.01))
    sink.close()
    written(store)
    rows = stored_minutes(Path(store.location))
    assert set(rows) == {M - 60, M}
    before, after = rows[M - 60], rows[M]
    assert (before["frames"], before["messages"], after["frames"], after["messages"]) == \
        (2, 2, 2, 1)  # the undecodable one taken from the batch's last minute
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
    assert warnings == []


def test_later_batches_add_to_the_minute_and_rewrite_its_row(store: Recorder) -> None:
    pipeline = DecodedSoFar(start_epoch=M)
    sink = MinuteStatsSink(store, pipeline, session_id=1, warn=print)  # type: ignore[arg-type]
    for k in range(5):
        pipeline.totals.messages += 2
        sink.on_batch(batch(M, [(M + k + 0.2, 17, 0.5), (M + k + 0.7, 20, 0.25)],
                            until_s=k + 1.0, noise=0.02))
        written(store)
    sink.on_batch(batch(M, [], until_s=6.0))  # time passes without frames
    written(store)
    rows = stored_minutes(Path(store.location))
    assert list(rows) == [M]
    row = rows[M]
    assert (row["frames"], row["messages"], row["seconds"]) == (10, 10, 6.0)
    assert row["frames_by_df"] == {"17": 5, "20": 5}
    assert row["levels"] == {"-7": 5, "-13": 5}  # -6.02 and -12.04 dBFS
    assert row["noise_dbfs"] == pytest.approx(-33.98, abs=0.01)
    assert (row["first_t"], row["last_t"]) == (M, M + 6.0)


def test_frames_for_a_minute_long_gone_are_counted_and_said(store: Recorder) -> None:
    pipeline = DecodedSoFar(start_epoch=M)
    warnings: list[str] = []
    sink = MinuteStatsSink(store, pipeline, session_id=1, warn=warnings.append)  # type: ignore[arg-type]
    late = M + 60 * (KEPT_MINUTES + 2)
    pipeline.totals.messages = 1
    sink.on_batch(batch(M, [(late, 17, 0.5)], until_s=0.0))
    pipeline.totals.messages = 3
    # a network peer's frame stamped with an old time, beside a current one
    sink.on_batch(batch(M, [(M + 1, 17, 0.5), (late + 1, 11, 0.5)], until_s=0.0))
    sink.close()
    written(store)
    rows = stored_minutes(Path(store.location))
    assert list(rows) == [late]
    assert (rows[late]["frames"], rows[late]["messages"]) == (2, 3)
    assert sink.late_frames == 1
    assert warnings == [f"minute statistics: 1 frames came more than {KEPT_MINUTES} minutes "
                        "after their time; left out of the counts"]


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
    assert SCHEMA_VERSION == 4
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    assert conn.execute("SELECT id, lat, lon FROM sessions ORDER BY id").fetchall() == [
        (5, None, None), (6, 52.3, 4.76)]
    assert conn.execute("SELECT minute, frames, frames_by_df, levels FROM minutes").fetchall() \
        == [(180.0, 3, '{"17": 3}', '{"-12": 3}')]
