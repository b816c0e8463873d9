"""The writer: a thread of its own between a recorder and its store, so that a slow,
locked, full or read-only store never holds up reception.

- A hand-over (the recorder's commit, about once a second) appends the batch to a queue
  and wakes the thread: nothing else happens on the station's thread.
- The thread takes everything handed over and writes it in one transaction, at once.
- A write that fails keeps its rows and is tried again after 1, 2, 4, 8, 8 ... s. One line
  says so at once ("database: cannot write to DB (why); N rows waiting, reception goes
  on"), one when writing works again; never a line per try.
- The rows held are bounded (`max_rows`, about 30 s of a busy receiver recording every
  aircraft): past it, the thread appends them to the unsaved-rows file at once (and says
  so the first time in a failure), memory stays flat and nothing is lost.
- Closing: one more write right away, tries again until a deadline (a few seconds), then
  the rest goes to the file; the line naming it is the closing outcome.
- A thread stuck inside one write (a disk that hangs) cannot take the queue: past twice
  the bound, its oldest points and events are dropped, counted as lost and said once,
  so that memory stays bounded even then.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from adsbwatch.receiver.store.batch import RowBatch
from adsbwatch.receiver.store.errors import WriteFailed
from adsbwatch.receiver.store.protocols import RecorderStatus, WriteTarget
from adsbwatch.receiver.store.unsaved import SpillFile, announcement, restore_hint, unsaved_text

MAX_WAITING_ROWS = 60_000  # ~30 s of 2,000 points/s; ~20 MB of row tuples
RETRY_FIRST_S = 1.0
RETRY_LONGEST_S = 8.0  # a retry is cheap on a lock, a failed write of all rows on a full disk
CLOSING_RETRY_S = 0.2  # between tries while closing, until the deadline
GRACE_S = 3.0  # for the thread to save what is left to the file, after the deadline
SLOW_S = 5.0  # rows held this long: the writer falls behind
_KNOWN_VISITS = 10_000  # latest visit rows kept to make an unsaved-rows file whole


class Writer:
    """Takes batches from one thread (hand_over) and writes them in its own. `clock` is
    the monotonic clock its retries and deadlines follow (a test's, with `start=False`,
    drives it by calling step())."""

    def __init__(self, target: WriteTarget, warn: Callable[[str], None], *,
                 max_rows: int = MAX_WAITING_ROWS, retry_first_s: float = RETRY_FIRST_S,
                 clock: Callable[[], float] = time.monotonic, start: bool = True) -> None:
        self.target = target
        self.warn = warn
        self.max_rows = max_rows
        self.retry_first_s = retry_first_s
        self.clock = clock
        self._cond = threading.Condition()
        # Shared with the handing thread, under _cond:
        self._queue: list[tuple[float, RowBatch]] = []  # (handed over at, batch)
        self._queued = 0  # rows in the queue
        self._work = RowBatch()  # taken from the queue, not written yet
        self._deadline: float | None = None  # closing: the last moment to try writing
        self._give_up: str | None = None  # why to save everything to the file now
        self._abandoned = False  # the closing thread saved the rows itself
        self.problem: str | None = None  # why the latest write failed; None after one worked
        self.lost = 0
        # The thread's own:
        self._since: float | None = None  # when the oldest row held was handed over
        self._fresh = False  # rows taken since the latest try
        self._retry_at = 0.0
        self._pause = retry_first_s
        self._failing_since = 0.0
        self._known: OrderedDict[int, tuple] = OrderedDict()
        self.spill = SpillFile(target.spill_folder, target.spill_name)
        self._spill_reason = ""
        self._said = {"spill": False, "slow": False, "lost": False}
        self.retries = 0
        self.outcome: str | None = None  # the closing line when rows went to a file
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._run, name="store writer",
                                            daemon=True)
            self._thread.start()

    # -------------------------------------------------------------- the handing thread

    def hand_over(self, batch: RowBatch) -> None:
        """Queue a batch for the thread and return (never waits for the store)."""
        dropped = 0
        with self._cond:
            self._queue.append((self.clock(), batch))
            self._queued += batch.rows
            while self._queued > 2 * self.max_rows and len(self._queue) > 1:
                dropped += self._drop_oldest()
            self._cond.notify()
        if dropped and not self._said["lost"]:
            self._said["lost"] = True
            self._say(f"database: writing to {self.target.location} is stuck; dropped "
                      f"{dropped} rows to keep memory bounded, reception goes on")

    def _drop_oldest(self) -> int:
        """Drop the oldest batch's points and events; its states go to the next batch,
        unless that has newer ones."""
        _, oldest = self._queue.pop(0)
        following = self._queue[0][1]
        before = following.rows
        for mine, theirs in ((oldest.visits, following.visits),
                             (oldest.sessions, following.sessions),
                             (oldest.minutes, following.minutes)):
            for key, values in mine.items():
                theirs.setdefault(key, values)  # type: ignore[arg-type]
        self._queued += following.rows - before - oldest.rows
        dropped = len(oldest.points) + len(oldest.events)
        self.lost += dropped
        return dropped

    def status(self, buffered: int) -> RecorderStatus:
        """`buffered`: rows the recorder holds, not handed over yet."""
        with self._cond:
            waiting = buffered + self._queued + self._work.rows
            oldest = self._queue[0][0] if self._queue else None
            since = self._since if self._since is not None else oldest
        behind = self.problem is not None or (since is not None
                                              and self.clock() - since > SLOW_S)
        return RecorderStatus(problem=self.problem, waiting=waiting, spilled=self.spill.rows,
                              lost=self.lost, retries=self.retries, behind=behind,
                              spill_files=tuple(self.spill.files))

    def close(self, wait_s: float) -> str | None:
        """Write what is left, trying until `wait_s` from now, then save the rest to the
        file; the line saying what went to a file (None: everything was written)."""
        with self._cond:
            self._deadline = self.clock() + wait_s
            self._retry_at = self.clock()  # the next try at once, whatever the backoff
            self._cond.notify()
        self._join(wait_s + GRACE_S, patient=False)
        return self._rescue("the store did not answer")

    def abandon(self, reason: str) -> str | None:
        """Save everything to the file now (an interrupt, the program's end)."""
        with self._cond:
            self._give_up = reason
            self._cond.notify()
        self._join(GRACE_S, patient=True)
        return self._rescue(reason)

    @property
    def finished(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def _join(self, seconds: float, patient: bool) -> None:
        if self._thread is None:  # driven by a test: run it here
            while self.step(wait=False):
                pass
            return
        if not patient:
            self._thread.join(seconds)  # an interrupt here goes to the caller
            return
        end = time.monotonic() + seconds
        while self._thread.is_alive() and time.monotonic() < end:
            try:
                self._thread.join(0.1)
            except BaseException:  # noqa: BLE001 - a later Ctrl-C must not cut the save
                continue

    def _rescue(self, reason: str) -> str | None:
        """The outcome, once the thread is done. Rows it never took (it ended on a fault
        of its own) or still holds (it is stuck in the store) are saved from here; a
        stuck thread, once back, ends without touching them."""
        stuck = not self.finished
        with self._cond:
            self._abandoned = stuck
            rest = RowBatch()
            for batch in (self._work, *(b for _, b in self._queue)):
                rest.merge(batch)
            self._work, self._queue, self._queued = RowBatch(), [], 0
        if not rest.rows:
            return self.outcome
        # A stuck thread may still be appending to its file: these rows get another.
        spill = (SpillFile(self.target.spill_folder, self.target.spill_name) if stuck
                 else self.spill)
        failed = 0 if spill.append(unsaved_text(rest), rest.rows) else rest.rows
        self.lost += failed
        return announcement(spill.rows + failed, self.target.location,
                            reason if stuck else self.problem or reason, spill, self._home)

    def _say(self, line: str) -> None:
        """A line for the user; one that cannot be said (stderr gone) must not stop the
        writing."""
        with contextlib.suppress(Exception):  # nowhere left to say it
            self.warn(line)

    # -------------------------------------------------------------- the writing thread

    def _run(self) -> None:
        try:
            while self.step(wait=True):
                pass
        except BaseException as exc:  # noqa: BLE001 - a fault of ours: keep the rows
            self.problem = f"the writer failed ({type(exc).__name__}: {exc})"
            self._finish(self.problem)
            self._say(f"database: {self.outcome or self.problem}")

    def step(self, wait: bool = True) -> bool:
        """One round: take what was handed over, write when there is something new, a
        retry is due or it is closing, save to the file past the bound. False once done."""
        with self._cond:
            if wait:
                self._wait()
            self._take()
            give_up, deadline = self._give_up, self._deadline
        if give_up is not None:
            self._finish(give_up)
            return False
        if self._work.rows and (self._fresh if self.problem is None
                                else self.clock() >= self._retry_at):
            self._try()
        if self._abandoned:
            return False
        if deadline is not None and (self.problem is None or not self._work.rows
                                     or self.clock() >= deadline):
            self._finish(self.problem or "their visit was never saved")
            return False
        if self._work.rows > self.max_rows:
            self._spill_tracks()
        return True

    def _wait(self) -> None:
        """Until something is handed over, a retry is due, or it is time to give up."""
        while not self._queue and self._give_up is None:
            if self._deadline is not None and self.problem is None:
                return  # closing, and the last write worked: nothing left to wait for
            due = [t for t in (self._retry_at if self._work.rows and self.problem else None,
                               self._deadline) if t is not None]
            timeout = min(due) - self.clock() if due else None
            if timeout is not None and timeout <= 0:
                return
            self._cond.wait(timeout)

    def _take(self) -> None:
        for handed, batch in self._queue:
            self._work.merge(batch)
            self._since = handed if self._since is None else self._since
            self._fresh = True
            for visit_id, values in batch.visits.items():
                self._known[visit_id] = values
                self._known.move_to_end(visit_id)
        while len(self._known) > _KNOWN_VISITS:
            self._known.popitem(last=False)
        self._queue.clear()
        self._queued = 0

    def _try(self) -> None:
        started = self.clock()
        try:
            left = self.target.write(self._work)
        except WriteFailed as exc:
            if not self._abandoned:
                self._failed(exc.reason)
            return
        if self._abandoned:
            return
        took = self.clock() - started
        with self._cond:
            written = self._work.rows - left.rows
            self._work = left  # only points and events whose visit is not stored yet
        self._fresh = False
        self._since = None
        if self.problem is not None:
            self._recovered(written)
        if took > SLOW_S and not self._said["slow"]:
            self._said["slow"] = True
            self._say(f"database: writing to {self.target.location} is slow (one write "
                      f"took {took:.0f} s); rows wait in memory, reception goes on")

    def _failed(self, reason: str) -> None:
        self.retries += 1
        now = self.clock()
        if self.problem is None:
            self._failing_since = now
            self._say(f"database: cannot write to {self.target.location} ({reason}); "
                      f"{self._work.rows} rows waiting, reception goes on")
        self.problem = reason
        self._retry_at = now + (CLOSING_RETRY_S if self._deadline is not None
                                else self._pause)
        self._pause = min(self._pause * 2, RETRY_LONGEST_S)

    def _recovered(self, written: int) -> None:
        where = self.target.location
        line = (f"database: writing to {where} again after "
                f"{self.clock() - self._failing_since:.0f} s; {written} rows written")
        if self._said["spill"]:
            line += (f"; the {self.spill.rows} rows saved to a file meanwhile are not in "
                     f"it: {restore_hint(self.spill.files, where)}")
        self._say(line)
        self.problem = None
        self._pause = self.retry_first_s
        self._said["spill"] = False

    def _with_visits(self, batch: RowBatch) -> RowBatch:
        """The batch and the known visit of each of its points and events: the file then
        restores into a database that never saw those visits."""
        for row in (*batch.points, *batch.events):
            if row[0] not in batch.visits and row[0] in self._known:
                batch.visits[row[0]] = self._known[row[0]]
        return batch

    def _spill_tracks(self) -> None:
        with self._cond:
            taken = self._with_visits(self._work.take_tracks())
            self._since = None if not self._work.rows else self._since
        if not taken.rows:  # only sessions and minutes: a few a minute, they stay
            return
        reason = self.problem or "writing falls behind"
        self._spill_reason = reason
        if not self.spill.append(unsaved_text(taken), taken.rows):
            self.lost += taken.rows
            if not self._said["lost"]:
                self._said["lost"] = True
                self._say(f"database: cannot write to {self.target.location} ({reason}) "
                          f"nor save {taken.rows} rows to a file "
                          f"({'; '.join(self.spill.problems)}); they are lost, "
                          "reception goes on")
            return
        if not self._said["spill"]:
            self._said["spill"] = True
            self._say(f"database: {taken.rows} rows saved to {self.spill.files[-1]} to keep "
                      f"memory bounded while {self.target.location} cannot be written "
                      f"({reason}); {restore_hint([self.spill.files[-1]], self.target.location)}")

    def _finish(self, reason: str) -> None:
        """Save whatever is held to the file; the outcome says where (None: nothing
        ever went to a file)."""
        with self._cond:
            self._take()
            rest = self._with_visits(self._work)
            self._work = RowBatch()
        failed = 0
        if rest.rows:
            self._spill_reason = reason
            if not self.spill.append(unsaved_text(rest), rest.rows):
                failed = rest.rows
                self.lost += failed
        if self.spill.rows or failed:
            self.outcome = announcement(self.spill.rows + failed, self.target.location,
                                        self._spill_reason, self.spill, self._home)

    @property
    def _home(self) -> Path | None:
        return self.target.spill_folder
