"""`live --keep-points`: the store pruned once at the start and then once an hour, on
a thread of its own with a connection of its own, never on the station's thread nor
the writer's (whose rows would wait meanwhile). Each transaction is short (see
pruning.py); a failed prune is said and tried again an hour later. It takes the station's
ticks only to start with its run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.protocols import Pruner
from adsbwatch.receiver.store.pruning import keeping_rule, prune_summary

if TYPE_CHECKING:
    from adsbwatch.receiver.core.events import Tick

EVERY_S = 3600.0
CLOSE_WAIT_S = 5.0  # a prune stops between transactions: closing waits at most one


class ScheduledPruning:
    name = "store pruning"

    def __init__(self, pruner: Pruner, days: float, delete: bool,
                 say: Callable[[str], None], *, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.pruner = pruner
        self.days = days
        self.delete = delete
        self.say = say
        self.every_s = every_s
        self.clock = clock
        self.done = 0  # prunes finished (tests wait for them)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_tick(self, tick: Tick) -> None:
        """The station runs: start (a station that never ran leaves no thread behind)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="store pruning",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        since: float | None = None  # visits over before it were pruned by an earlier round
        try:
            while not self._stop.is_set():
                rule = keeping_rule(self.days, self.delete, self.clock())
                try:
                    result = self.pruner.prune(rule, since=since, stopping=self._stop.is_set)
                except StoreError as exc:
                    self.say(f"database: {exc}; pruning again in {self.every_s / 60:g} min")
                else:
                    if not result.stopped:
                        since = rule.before
                    if result.points or result.events:
                        self.say(f"database: {prune_summary(result, rule)}")
                self.done += 1
                self._stop.wait(self.every_s)
        except Exception as exc:  # noqa: BLE001 - a fault of ours: said, reception goes on
            self.say(f"database: pruning stopped ({type(exc).__name__}: {exc})")
        finally:
            self.pruner.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is None:
            self.pruner.close()
        else:
            self._thread.join(CLOSE_WAIT_S)  # a prune stuck on the disk is left, daemon
