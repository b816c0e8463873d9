"""Watch rules in the decoding stage, on frames from our encoder: each rule raises a
sighting for the aircraft it matches and none for the others in the same scene; a rule
that starts to match mid-visit (a squawk of 7700) raises its sighting then; a visit
recorded for a rule stays recorded when it stops matching."""

from __future__ import annotations

import pytest
from frames_support import frame_batch

from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import Watchlist, parse_watchlist
from adsbwatch.decoder.registry.info import INTERESTING, MILITARY, AircraftInfo
from adsbwatch.decoder.sim import encode
from adsbwatch.receiver.core.events import Sighting
from adsbwatch.receiver.station.pipeline import Pipeline

RU_IL62, RU_A320, NL_B737, DE_A359, IE_B738, UNKNOWN = (
    0x150001, 0x150002, 0x484506, 0x3F4D7A, 0x4CA123, 0xA00001)
INFO = {
    RU_IL62: AircraftInfo(registration="RA-86496", type_code="IL62",
                          operator="Russia - Air Force", country="RU", flags=MILITARY),
    RU_A320: AircraftInfo(registration="RA-73001", type_code="A320", operator="Aeroflot",
                          country="RU"),
    NL_B737: AircraftInfo(registration="PH-GOV", type_code="B737", country="NL",
                          flags=INTERESTING),
    DE_A359: AircraftInfo(registration="10+01", type_code="A359",
                          operator="German Air Force", country="DE", flags=MILITARY),
    IE_B738: AircraftInfo(registration="EI-ABC", type_code="B738", operator="Ryanair",
                          country="IE"),
}
SENDS = {  # callsign, squawk
    RU_IL62: ("RFF7001", "1234"), RU_A320: ("AFL123", "2345"), NL_B737: ("NAF01", "6401"),
    DE_A359: ("GAF01", "3456"), IE_B738: ("RYR12", "7700"), UNKNOWN: ("RFX1", "1200"),
}


def pipeline(watchlist: str, record_all: bool = False) -> Pipeline:
    return Pipeline(tracker_config=TrackerConfig(), record_all=record_all,
                    watchlist=Watchlist(parse_watchlist(watchlist, "rules.txt")),
                    visit_gap_s=600.0, sighting_wait_s=0.0, info_of=INFO.get)


def feed(pipe: Pipeline, frames: list[tuple[float, bytes]]) -> list[Sighting]:
    """Frames at their times (seconds) as one batch; the sightings it raised."""
    batch = frame_batch([(frame, round(t * CLOCK_HZ)) for t, frame in frames])
    pipe.decode(batch, 0.0)
    pipe.advance(pipe.now)
    return pipe.take_sightings()


def scene_frames(t0: float, squawks: dict[int, str] | None = None) -> list[tuple[float, bytes]]:
    """Each aircraft's identification then its squawk (DF5 identity reply)."""
    frames = []
    for k, (icao, (callsign, squawk)) in enumerate(SENDS.items()):
        squawk = (squawks or {}).get(icao, squawk)
        frames += [(t0 + 0.1 * k, encode.identification(icao, callsign)),
                   (t0 + 0.1 * k + 0.05, encode.identity_reply(icao, squawk))]
    return frames


@pytest.mark.parametrize(("rules", "expected"), [
    ("type:IL62", {RU_IL62}),
    ("country:RU", {RU_IL62, RU_A320}),
    ("country:RU military", {RU_IL62}),
    ("military", {RU_IL62, DE_A359}),
    ("callsign:RFF*", {RU_IL62}),
    ("callsign:R?X*", {UNKNOWN}),
    ("squawk:7500,7600,7700", {IE_B738}),
    ("reg:PH-GOV", {NL_B737}),
    ('operator:"air force"', {RU_IL62, DE_A359}),
    ("interesting", {NL_B737}),
    ("type:IL62\nsquawk:7700\n484506", {RU_IL62, IE_B738, NL_B737}),
])
def test_each_rule_raises_sightings_for_its_aircraft_and_none_for_the_others(
        rules: str, expected: set[int]) -> None:
    pipe = pipeline(rules)
    sightings = feed(pipe, scene_frames(0.0))
    assert sorted(s.aircraft.icao for s in sightings) == sorted(expected)  # once each
    assert pipe.totals.sightings == len(expected)
    # recorded are the watched aircraft only, each in one visit
    assert set(pipe.visits.open) == expected
    assert all(v.watched for v in pipe.visits.open.values())
    # heard again in the same visit: no sighting again
    assert feed(pipe, scene_frames(30.0)) == []


def test_the_sighting_names_its_rule_and_label() -> None:
    pipe = pipeline("country:RU military Russian military\ntype:A320\n")
    by_icao = {s.aircraft.icao: s for s in feed(pipe, scene_frames(0.0))}
    assert set(by_icao) == {RU_IL62, RU_A320}
    il62, a320 = by_icao[RU_IL62], by_icao[RU_A320]
    assert (il62.rules, il62.label, il62.visit.label) == (
        ("country:RU military",), "Russian military", "Russian military")
    assert (a320.rules, a320.label) == (("type:A320",), "type:A320")  # no label: its text
    assert a320.as_dict()["rules"] == ["type:A320"]
    assert a320.as_dict()["label"] == "type:A320"
    assert a320.aircraft.callsign == "AFL123"  # the alert can name the flight


def test_a_squawk_of_7700_mid_visit_raises_the_sighting_then() -> None:
    pipe = pipeline("squawk:7500,7600,7700 emergency\n")
    calm = {IE_B738: "2211"}
    assert feed(pipe, scene_frames(0.0, calm)) == []
    assert feed(pipe, scene_frames(10.0, calm)) == []
    assert pipe.visits.open == {}  # nothing recorded before the rule matched
    sightings = feed(pipe, scene_frames(20.0))  # IE_B738 now squawks 7700
    assert [(s.aircraft.icao, s.rules, s.label) for s in sightings] == [
        (IE_B738, ("squawk:7500,7600,7700",), "emergency")]
    assert sightings[0].time == pytest.approx(20.0 + 0.1 * 4 + 0.05)  # its 7700 reply
    assert sightings[0].aircraft.squawk == "7700"
    # back to a normal code: the visit stays recorded to its end, no new sighting
    assert feed(pipe, scene_frames(30.0, calm)) == []
    visit = pipe.visits.open[IE_B738]
    assert visit.squawks == ["7700", "2211"]
    assert visit.last_seen == pytest.approx(30.0 + 0.1 * 4 + 0.05)


def test_a_second_rule_matching_later_in_the_visit_raises_a_second_sighting() -> None:
    """Watched for its type, it starts squawking 7700: a spotter wants that news too."""
    pipe = pipeline("type:B738 Ryanair 737\nsquawk:7700 emergency\n")
    first = feed(pipe, scene_frames(0.0, {IE_B738: "2211"}))
    assert [(s.aircraft.icao, s.rules, s.label) for s in first] == [
        (IE_B738, ("type:B738",), "Ryanair 737")]
    assert feed(pipe, scene_frames(10.0, {IE_B738: "2211"})) == []
    second = feed(pipe, scene_frames(20.0))
    assert [(s.aircraft.icao, s.rules, s.label) for s in second] == [
        (IE_B738, ("squawk:7700",), "emergency")]
    assert second[0].visit is first[0].visit  # the same visit, named by its first rule
    # the visit's first sighting, then a later one (not shared across sites)
    assert (first[0].later, second[0].later) == (False, True)
    assert second[0].visit.label == "Ryanair 737"
    assert pipe.totals.sightings == 2


def test_with_record_all_a_visit_becomes_watched_when_its_rule_matches() -> None:
    pipe = pipeline("squawk:7700\n", record_all=True)
    assert feed(pipe, scene_frames(0.0, {IE_B738: "2211"})) == []
    visit = pipe.visits.open[IE_B738]
    assert (visit.watched, visit.label) == (False, None)
    sightings = feed(pipe, scene_frames(20.0))
    assert [s.visit for s in sightings] == [visit]  # the visit that began at 0
    assert (visit.watched, visit.label, visit.first_seen) == (True, "squawk:7700", 0.4)
    assert sightings[0].time > visit.first_seen
    assert not sightings[0].later  # the visit's first sighting, though recorded before
    assert not any(v.watched for icao, v in pipe.visits.open.items() if icao != IE_B738)


def test_a_callsign_rule_matches_when_the_callsign_comes() -> None:
    """Heard first by its squawk alone, the aircraft is watched once it identifies."""
    pipe = pipeline("callsign:RFF*\n")
    assert feed(pipe, [(0.0, encode.all_call_reply(RU_IL62)),
                       (0.1, encode.identity_reply(RU_IL62, "1234"))]) == []
    sightings = feed(pipe, [(5.0, encode.identification(RU_IL62, "RFF7001"))])
    assert [(s.aircraft.icao, s.time) for s in sightings] == [(RU_IL62, 5.0)]


def test_an_aircraft_that_left_the_table_keeps_its_visit_recorded() -> None:
    """Watched for its squawk, silent past the table's expiry but not the visit gap, it
    comes back squawking a normal code: the same visit goes on, no new sighting."""
    pipe = pipeline("squawk:7700\n")
    assert len(feed(pipe, scene_frames(0.0))) == 1
    pipe.advance(100.0)  # past the 60 s expiry: the aircraft left the table
    assert IE_B738 not in pipe.tracker.aircraft
    assert feed(pipe, scene_frames(200.0, {IE_B738: "2211"})) == []
    visit = pipe.visits.open[IE_B738]
    # it began with the 7700 reply (its identification just before was not watched)
    assert visit.squawks == ["7700", "2211"] and visit.first_seen == pytest.approx(0.45)
