"""A Recorder over any backend: rows buffered on the station's thread (converted and
checked as they come, so a wrong value fails at the caller's line), handed to the
writer thread (writer.py) by commit(), written there.

Every row says which site wrote it (--site): the recorder's `site` goes into each point
and event, and into a session or visit that names none.

Points and events may come before their visit is saved (visit ids come from the caller:
see decoder/messages/visits.py); they wait until their visit has been written.

Whatever ends the program, rows are not dropped unsaid: close() waits a bounded time and
saves the rest to an unsaved-rows file; an interrupt during that wait, or a program that
never closes (atexit), saves them to the file at once and names it on stderr. kill -9
loses what was not committed yet: about the last second.
"""

from __future__ import annotations

import atexit
import dataclasses
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from adsbwatch.receiver.store.batch import RowBatch, minute_key
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import CrossSite, RecorderStatus, WriteTarget
from adsbwatch.receiver.store.rows import (
    MinuteRow,
    PointRow,
    SessionRow,
    VisitRow,
    event_values,
    minute_values,
    point_values,
    session_values,
    storable_text,
    visit_values,
)
from adsbwatch.receiver.store.writer import GRACE_S, Writer

BUSY_WAIT_S = 1.0  # a write waits this long for another program's lock before it fails
CLOSE_WAIT_S = 5.0  # how long close() lets the writer try: a service stops within 10 s
MIN_CLOSE_WAIT_S = 0.5  # the least try worth making, however little time is left


class BufferedRecorder:
    def __init__(self, target: WriteTarget, warn: Callable[[str], None], *,
                 site: str | None = None, close_wait_s: float = CLOSE_WAIT_S,
                 **writer_options: Any) -> None:
        self.location = target.location
        # add_tracked_point puts it in each point unchecked: made storable once here
        self.site = None if site is None else storable_text(site)
        self.close_wait_s = close_wait_s
        self._target = target
        self._batch = RowBatch()
        self._writer = Writer(target, warn, **writer_options)
        self._closed = False
        # The last net: an exception that skips close() would otherwise end the program
        # with rows held and no word said.
        atexit.register(self._save_at_exit)

    # -------------------------------------------------------------------- buffering

    def save_visit(self, v: VisitRow) -> None:
        if v.first_site is None and self.site is not None:
            v = dataclasses.replace(v, first_site=self.site)
        values = visit_values(v)
        self._batch.visits[values[0]] = values

    def add_point(self, visit_id: int, p: PointRow) -> None:
        self._batch.points.append(point_values(visit_id, p, self.site))

    def add_tracked_point(self, visit_id: int, t: float, lat: float, lon: float,
                          alt: int | None, gs: float | None, track: float | None,
                          vrate: int | None, on_ground: bool) -> None:
        # The tracker makes plain Python numbers, CPR keeps positions in range and visit
        # ids are 63-bit hashes: add_point's checks, as costly as the rest of a point at
        # hundreds a second, would find nothing.
        self._batch.points.append((visit_id, t, lat, lon, alt, gs, track, vrate,
                                   int(on_ground), self.site))

    def add_event(self, visit_id: int, t: float, kind: str, value: str) -> None:
        self._batch.events.append(event_values(visit_id, t, kind, value, self.site))

    def save_session(self, s: SessionRow) -> None:
        if s.site is None and self.site is not None:
            s = dataclasses.replace(s, site=self.site)
        values = session_values(s)
        self._batch.sessions[values[0]] = values

    def save_minute(self, m: MinuteRow) -> None:
        if m.site is None and self.site is not None:
            m = dataclasses.replace(m, site=self.site)
        values = minute_values(m)
        self._batch.minutes[minute_key(values)] = values

    def commit(self) -> None:
        if self._batch.rows and not self._closed:
            self._writer.hand_over(self._batch)
            self._batch = RowBatch()

    # -------------------------------------------------------------------- state

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def status(self) -> RecorderStatus:
        return self._writer.status(self._batch.rows)

    @property
    def shared(self) -> bool:
        return self._target.shared

    def cross_site(self, visit_id: int) -> CrossSite | None:
        return self._target.answers.get((visit_id, self.site or ""))

    # -------------------------------------------------------------------- closing

    def close(self, within_s: float | None = None) -> None:
        """Commit, let the writer finish (at most close_wait_s, and a few seconds to save
        the rest to a file; all of it within `within_s` when given), close the store.
        StoreError if rows went to a file. An interrupt while waiting saves them to the
        file at once, says where on stderr, and goes on."""
        if self._closed:
            return
        self.commit()
        self._closed = True
        atexit.unregister(self._save_at_exit)
        try:
            outcome = self._writer.close(self._wait_within(within_s))
        except BaseException as exc:
            outcome = self._writer.abandon(f"the save was interrupted ({type(exc).__name__})")
            if outcome:
                print(f"adsbwatch: error: {outcome}", file=sys.stderr, flush=True)
            raise
        finally:
            if self._writer.finished:  # else it is stuck in the store: leave it be
                self._target.close()
        if outcome:
            raise StoreError(outcome)

    def _wait_within(self, within_s: float | None) -> float:
        """How long the writer may try the store, when all must be done within
        `within_s` (a stop's budget), the save of what is left to a file included."""
        if within_s is None:
            return self.close_wait_s
        return max(MIN_CLOSE_WAIT_S, min(self.close_wait_s, within_s - GRACE_S))

    def _save_at_exit(self) -> None:
        """At the end of a program that never closed the recorder: no last try on the
        store (it may be what held the program up), the rows go to the file."""
        if self._closed:
            return
        self.commit()
        self._closed = True
        outcome = self._writer.abandon("the program ended before they were written")
        if outcome:
            print(f"adsbwatch: error: {outcome}", file=sys.stderr, flush=True)

    def __enter__(self) -> BufferedRecorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self.close()
            return
        try:  # the exception that ends the block goes on; the file is named all the same
            self.close()
        except StoreError as failure:
            print(f"adsbwatch: error: {failure}", file=sys.stderr, flush=True)
