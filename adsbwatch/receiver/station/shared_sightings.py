"""Alerts of a station whose store other stations share: one alert per visit across the
sites.

Every site that watches an aircraft raises a sighting when its own visit begins, but the
store holds one visit of the aircraft for all of them (store/sql/joining.py), and the
first site whose part of it was written as watched is the one to announce it
(Recorder.cross_site). So the alerts (console line, command, push) wait for the store's
answer, a commit away (about a second), and a sighting another site announced is only
said in one quiet line. No answer within WAIT_S (the store is down or far behind): the
alert goes out; two alerts are better than none.

Only a visit's first sighting is shared so: a rule that begins to match later in the
visit (the aircraft squawks 7700) is news of this site's own, which the site that
announced the visit may never hear. It goes out at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from adsbwatch.receiver.core.consumer import Consumer
from adsbwatch.receiver.core.events import Sighting, Tick
from adsbwatch.receiver.station.consumers import Consumers
from adsbwatch.receiver.store.protocols import Recorder

WAIT_S = 5.0  # for the store's answer: commits come every second
POLL_S = 0.05  # while closing: how often to look for the last answers


class SharedSightings:
    """Holds the sightings for `alerts` (the consumers that alert) until the store says
    whether this station announces them."""

    name = "alerts"

    def __init__(self, recorder: Recorder, alerts: list[Consumer],
                 say: Callable[[str], None], warn: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic, wait_s: float = WAIT_S) -> None:
        self.recorder = recorder
        self.say = say
        self.clock = clock
        self.wait_s = wait_s
        self.alerts = Consumers(warn)
        for consumer in alerts:
            self.alerts.add(consumer)
        self._held: list[tuple[Sighting, float]] = []  # (sighting, wait until)
        self.announced_elsewhere = 0

    def on_sighting(self, sighting: Sighting) -> None:
        if sighting.later:
            self.alerts.deliver("on_sighting", sighting)
            return
        self._held.append((sighting, self.clock() + self.wait_s))
        self._release()

    def on_tick(self, tick: Tick) -> None:
        self._release()
        self.alerts.deliver("on_tick", tick)

    def _release(self, last: bool = False) -> None:
        """Deliver or drop the sightings whose answer came (all of them when `last`)."""
        if not self._held:  # the usual tick: nothing to ask the store
            return
        now = self.clock()
        failing = self.recorder.status.problem is not None
        kept = []
        for sighting, until in self._held:
            answer = self.recorder.cross_site(sighting.visit.visit_id)
            if answer is None and not (last or failing or now >= until):
                kept.append((sighting, until))
            elif answer is None or answer.announce:
                self.alerts.deliver("on_sighting", sighting)
            else:
                self.announced_elsewhere += 1
                self.say(f"{sighting.aircraft.icao:06X} {sighting.name}: announced by site "
                         f"{answer.by_site or '(unnamed)'}, which heard it first")
        self._held = kept

    def close(self) -> None:
        """The store's recorder closes first (it is added before): the answers of the
        last writes are in; wait a little for any still coming, then alert."""
        end = self.clock() + self.wait_s
        while self._held and self.clock() < end and not self.recorder.closed:
            self._release()
            time.sleep(POLL_S)
        self._release(last=True)
        self.alerts.close()
        if self.alerts.unreported:  # an alert that failed and was not said yet
            raise RuntimeError("; ".join(self.alerts.unreported))
