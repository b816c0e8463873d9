"""The alerts of a station whose store other stations share (station/shared_sightings.py):
a sighting waits for the store's answer; announced here, the alerts get it; announced by
another site, one quiet line; no answer in time or a store that fails, the alert goes
out all the same."""

from __future__ import annotations

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.visits import Visit
from adsbwatch.receiver.core.events import Sighting, Tick
from adsbwatch.receiver.station.shared_sightings import SharedSightings
from adsbwatch.receiver.store.protocols import CrossSite, RecorderStatus


class FakeRecorder:
    """The store's answers as a test sets them."""

    def __init__(self) -> None:
        self.answers: dict[int, CrossSite] = {}
        self.problem: str | None = None
        self.closed = False

    def cross_site(self, visit_id: int) -> CrossSite | None:
        return self.answers.get(visit_id)

    @property
    def status(self) -> RecorderStatus:
        return RecorderStatus(problem=self.problem, waiting=0, spilled=0, lost=0, retries=0,
                              behind=self.problem is not None)


class Alerts:
    name = "alerts"

    def __init__(self) -> None:
        self.got: list[int] = []
        self.closed = False

    def on_sighting(self, sighting: Sighting) -> None:
        self.got.append(sighting.aircraft.icao)

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sighting(icao: int, later: bool = False) -> Sighting:
    return Sighting(Visit(icao, icao, "gov", True, 100.0, 100.0),
                    Aircraft(icao, 100.0, 100.0, callsign="NAF01"), label="gov",
                    later=later)


def gate() -> tuple[SharedSightings, FakeRecorder, Alerts, list[str], Clock]:
    recorder, alerts, said, clock = FakeRecorder(), Alerts(), [], Clock()
    shared = SharedSightings(recorder, [alerts], said.append, said.append,  # type: ignore[arg-type]
                             clock=clock, wait_s=5.0)
    return shared, recorder, alerts, said, clock


def tick(clock: Clock) -> Tick:
    return Tick(clock.now, clock.now, True, None)


def test_a_sighting_waits_for_the_store_and_goes_out_when_announced_here() -> None:
    shared, recorder, alerts, said, clock = gate()
    shared.on_sighting(sighting(0x484506))
    clock.now = 1.0
    shared.on_tick(tick(clock))
    assert alerts.got == []
    recorder.answers[0x484506] = CrossSite(True)
    shared.on_tick(tick(clock))
    assert alerts.got == [0x484506] and said == []


def test_one_another_site_announced_is_a_quiet_line() -> None:
    shared, recorder, alerts, said, clock = gate()
    shared.on_sighting(sighting(0x484506))
    recorder.answers[0x484506] = CrossSite(False, "north")
    shared.on_tick(tick(clock))
    assert alerts.got == []
    assert said == ["484506 gov: announced by site north, which heard it first"]


def test_no_answer_in_time_or_a_failing_store_alerts_all_the_same() -> None:
    shared, recorder, alerts, _, clock = gate()
    shared.on_sighting(sighting(1))
    clock.now = 4.9
    shared.on_tick(tick(clock))
    assert alerts.got == []
    clock.now = 5.0
    shared.on_tick(tick(clock))
    assert alerts.got == [1]
    recorder.problem = "connection refused"
    shared.on_sighting(sighting(2))
    assert alerts.got == [1, 2]


def test_closing_alerts_what_waits_once_the_recorder_is_closed() -> None:
    shared, recorder, alerts, said, _ = gate()
    shared.on_sighting(sighting(1))
    shared.on_sighting(sighting(2))
    recorder.answers[2] = CrossSite(False, "south")
    recorder.closed = True  # the store's consumer closed first: no answer is coming
    shared.close()
    assert alerts.got == [1] and alerts.closed
    assert said == ["000002 gov: announced by site south, which heard it first"]


def test_a_rule_that_matches_later_in_a_visit_another_site_announced_goes_out_at_once() -> None:
    shared, recorder, alerts, said, clock = gate()
    recorder.answers[0x484506] = CrossSite(False, "north")
    shared.on_sighting(sighting(0x484506))
    shared.on_tick(tick(clock))
    assert alerts.got == [] and len(said) == 1  # the visit: north announced it
    shared.on_sighting(sighting(0x484506, later=True))  # then it squawks 7700 here
    assert alerts.got == [0x484506] and len(said) == 1
