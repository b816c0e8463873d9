"""The stop's budget (receiver/core/stopping.py): once a stop is asked for, the consumers
whose closing may wait (the store on a locked database, alert commands, push messages)
take what is left of one budget, so that a service stopped by systemd is gone before it
is killed, and what the store could not take is in the unsaved-rows file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from store_support import recorder

from adsbwatch.receiver.core.stopping import STOP_BUDGET_S, StopClock
from adsbwatch.receiver.station.recording import RecordingConsumer
from adsbwatch.receiver.station.stats import StationStats
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.rows import SessionRow, VisitRow


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_what_is_left_of_the_budget() -> None:
    clock = Clock(100.0)
    stop = StopClock(clock=clock)
    assert stop.left(5.0) == 5.0  # no stop asked for (a replay's end): the own wait
    stop.start()
    clock.now = 101.0
    stop.start()  # a second signal keeps the first time
    assert stop.left(5.0) == 5.0  # the own wait, when the budget has more left
    clock.now = 104.0
    assert stop.left(5.0) == pytest.approx(STOP_BUDGET_S - 4.0)
    clock.now = 120.0
    assert stop.left(5.0) == 0.0


class WaitNoted:
    """The real recorder, noting the wait its close() is given."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.waits: list[float | None] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.inner, name)

    def close(self, within_s: float | None = None) -> None:
        self.waits.append(within_s)
        self.inner.close(within_s)


@pytest.mark.parametrize(("since_stop", "wait"), [(1.0, 6.0), (5.0, 2.0), (30.0, 0.0)])
def test_a_locked_store_gets_what_is_left_and_its_rows_go_to_the_file(
        tmp_path: Path, since_stop: float, wait: float) -> None:
    db = tmp_path / "s.db"
    lines: list[str] = []
    store = WaitNoted(recorder(db, lines.append))
    clock = Clock(50.0)
    stop = StopClock(clock=clock)
    consumer = RecordingConsumer(
        store, StationStats(0.0), SessionRow(id=7, started=0.0, last_seen=0.0,
                                             source="rtl_tcp x:1234", live=True,
                                             rate=2_400_000),
        lambda: (0, 0, None), stop_clock=stop)
    store.save_visit(VisitRow(id=1, icao=0x484506, first_seen=1.0, last_seen=2.0,
                              messages=3, watched=True))
    lock = sqlite3.connect(db, isolation_level=None, timeout=10)
    lock.execute("BEGIN EXCLUSIVE")  # another program holds the database
    try:
        stop.start()
        clock.now += since_stop
        with pytest.raises(StoreError) as failed:
            consumer.close()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    # what is left of the 7 s: the store's writes and the save to the file within it
    assert store.waits == [pytest.approx(wait)]
    unsaved = list(tmp_path.glob("s.db.unsaved-*.jsonl"))
    assert len(unsaved) == 1 and str(unsaved[0]) in str(failed.value)
    rows = [json.loads(line) for line in unsaved[0].read_text().splitlines()]
    assert [(r["table"], r["row"].get("icao")) for r in rows] == [
        ("visits", 0x484506), ("sessions", None)]  # the visit and the run's closing row
