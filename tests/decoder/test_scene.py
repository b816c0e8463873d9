"""Simulated traffic: flight paths, the DO-260B schedule, the frames and the truth."""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict

import numpy as np
import pyModeS
import pytest
from pyModeS import position

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.messages.watchlist import parse_watchlist
from adsbwatch.decoder.sim import scene as sc
from adsbwatch.decoder.sim import simulate as sim
from adsbwatch.receiver.cli.simulate import write_recording

AIRPORT = sc.airport_scene()
POSITION_KINDS = {"position_even", "position_odd", "surface_even", "surface_odd"}


def duration_s(data: bytes) -> float:
    """Air time of a frame: an 8 us preamble, then 1 us a bit."""
    return (8 + 8 * len(data)) * 1e-6


@pytest.fixture(scope="module")
def minute() -> list[sc.Transmission]:
    return sc.transmissions(AIRPORT.aircraft, 60.0, np.random.default_rng(11), AIRPORT.receiver)


def test_a_minute_follows_the_do260b_rates(minute: list[sc.Transmission]) -> None:
    counts = Counter((tr.icao, tr.kind) for tr in minute)
    for ac in AIRPORT.aircraft:
        def n(kind: str, icao: int = ac.icao) -> int:
            return counts[(icao, kind)]
        prefix = "surface" if ac.on_ground else "position"
        even, odd = n(f"{prefix}_even"), n(f"{prefix}_odd")
        assert abs(even - odd) <= 1  # the formats alternate
        assert 100 <= even + odd <= 150  # every 0.4-0.6 s: 120 on average
        assert 11 <= n("ident") <= 13  # every 4.8-5.2 s
        assert 50 <= n("df11") <= 75  # every 0.8-1.2 s
        assert 12 <= n("df4") == n("df5") <= 13  # a radar sweep every ~4.8 s
        if ac.on_ground:
            assert n("velocity") == n("position_even") == n("target_state") == 0
            assert 11 <= n("op_status") <= 13  # every 4.8-5.2 s on the surface
        else:
            assert 100 <= n("velocity") <= 150
            assert n("surface_even") == 0
            assert 46 <= n("target_state") <= 50  # every 1.2-1.3 s (version 2)
            assert 23 <= n("op_status") <= 25  # every 2.4-2.6 s
        assert n("status") == 0  # no emergency squawk in the scene


def test_intervals_stay_inside_the_jitter_window(minute: list[sc.Transmission]) -> None:
    times: dict[tuple[int, str], list[float]] = defaultdict(list)
    for tr in minute:
        stream = "position" if tr.kind in POSITION_KINDS else tr.kind
        times[(tr.icao, stream)].append(tr.t)
    limits = {"position": (0.4, 0.6), "velocity": (0.4, 0.6), "ident": (4.8, 5.2),
              "df11": (0.8, 1.2), "target_state": (1.2, 1.3)}
    for (_, stream), ts in times.items():
        if stream in limits:
            gaps = np.diff(ts)
            lo, hi = limits[stream]
            assert gaps.min() >= lo - 1e-9 and gaps.max() <= hi + 1e-9, stream


def test_straight_flight_covers_speed_times_time() -> None:
    ac = sc.Aircraft(0x4CA2D1, "RYR4TK", "2354", 52.0, 4.5, 36000, gs_kt=450,
                     track_deg=63, vrate_fpm=-1500)
    s = sc.state_at(ac, 60.0)
    expected = 450 * 1852 / 3600 * 60.0  # knots in m/s: 13.9 km
    assert sc.distance_m(ac.lat, ac.lon, s.lat, s.lon) == pytest.approx(expected, rel=0.01)
    assert s.alt_ft == pytest.approx(34500)
    assert s.track_deg == pytest.approx(63)
    bearing = math.degrees(math.atan2(
        (s.lon - ac.lon) * math.cos(math.radians(ac.lat)), s.lat - ac.lat))
    assert bearing == pytest.approx(63, abs=0.5)


def test_a_turn_is_a_circle_arc() -> None:
    ac = sc.Aircraft(0x3C4B2A, "DLH2AB", "3347", 52.25, 4.74, 4000, gs_kt=200,
                     track_deg=180, turn_rate_dps=3.0)  # a rate-one turn
    s = sc.state_at(ac, 30.0)
    assert s.track_deg == pytest.approx(270)
    radius = 200 * 1852 / 3600 / math.radians(3.0)
    chord = 2 * radius * math.sin(math.radians(90) / 2)
    assert sc.distance_m(ac.lat, ac.lon, s.lat, s.lon) == pytest.approx(chord, rel=0.01)
    # Half a full circle brings it a diameter away, full circle back home.
    assert sc.distance_m(ac.lat, ac.lon, *_latlon(sc.state_at(ac, 60.0))) == pytest.approx(
        2 * radius, rel=0.01)
    assert sc.distance_m(ac.lat, ac.lon, *_latlon(sc.state_at(ac, 120.0))) < 1.0


def _latlon(s: sc.State) -> tuple[float, float]:
    return s.lat, s.lon


def test_every_transmission_decodes_to_its_truth() -> None:
    trs = sc.transmissions(AIRPORT.aircraft, 12.0, np.random.default_rng(5), AIRPORT.receiver)
    by_icao = {ac.icao: ac for ac in AIRPORT.aircraft}
    kinds = Counter()
    for tr in trs:
        ac, s = by_icao[tr.icao], tr.state
        msg = pyModeS.decode(tr.data.hex())
        assert msg["icao"] == ac.icao_hex
        kinds[tr.kind] += 1
        if tr.kind == "ident":
            assert msg["callsign"] == ac.callsign
        elif tr.kind.startswith("position"):
            assert msg["altitude"] == 25 * round(s.alt_ft / 25)
            got = position.airborne_position_with_ref(msg["cpr_format"], msg["cpr_lat"],
                                                      msg["cpr_lon"], *AIRPORT.receiver)
            assert sc.distance_m(s.lat, s.lon, *got) < 10.0
            assert msg["cpr_format"] == (tr.kind == "position_odd")
        elif tr.kind.startswith("surface"):
            got = position.surface_position_with_ref(msg["cpr_format"], msg["cpr_lat"],
                                                     msg["cpr_lon"], *AIRPORT.receiver)
            assert sc.distance_m(s.lat, s.lon, *got) < 5.0
            assert abs(msg["groundspeed"] - s.gs_kt) <= 1.0
        elif tr.kind == "velocity":
            assert abs(msg["groundspeed"] - s.gs_kt) <= 1.71  # see test_encode
            assert abs((msg["track"] - s.track_deg + 180) % 360 - 180) <= 1.0
            assert abs(msg["vertical_rate"] - s.vrate_fpm) <= 64
        elif tr.kind == "df4":
            assert msg["altitude"] == 25 * round(s.alt_ft / 25)
            assert msg["flight_status"] == int(s.on_ground)
        elif tr.kind == "df5":
            assert msg["squawk"] == ac.squawk
        elif tr.kind == "df11":
            assert msg["df"] == 11
        elif tr.kind == "target_state":
            assert (msg["typecode"], msg["subtype"]) == (29, 1)
            assert msg["selected_altitude"] == 32 * round(ac.selected_altitude_ft / 32)
            assert abs((msg["selected_heading"] - s.track_deg + 180) % 360 - 180) <= 1.0
            assert msg["autopilot"] and msg["lnav_mode"] and msg["tcas_operational"]
            assert msg["vnav_mode"] == (s.vrate_fpm != 0) != msg["altitude_hold_mode"]
        elif tr.kind == "op_status":
            assert (msg["typecode"], msg["subtype"], msg["version"]) == (
                31, int(s.on_ground), 2)
        assert 6.0 <= tr.snr_db <= 45.0
    assert set(kinds) == {"ident", "position_even", "position_odd", "surface_even",
                          "surface_odd", "velocity", "df11", "df4", "df5", "target_state",
                          "op_status"}  # all but status


def test_snr_falls_with_distance() -> None:
    model = sc.SignalModel(jitter_db=0.0)
    rng = np.random.default_rng(0)
    assert model.snr_db(20.0, rng) == pytest.approx(27.0)
    assert model.snr_db(200.0, rng) == pytest.approx(12.0)
    assert model.snr_db(1000.0, rng) == 6.0  # clamped
    assert model.snr_db(0.1, rng) == 27.0  # just under full scale


def test_emergency_squawk_sends_status_messages() -> None:
    ac = sc.Aircraft(0x484506, "NAF01", "7700", 52.2, 4.6, 8000, 250, 35)
    trs = sc.transmissions([ac], 10.0, np.random.default_rng(2))
    status = [tr for tr in trs if tr.kind == "status"]
    assert 8 <= len(status) <= 12
    msg = pyModeS.decode(status[0].data.hex())
    assert (msg["squawk"], msg["emergency_state"]) == ("7700", 1)


def test_an_airport_scene_demodulates_bit_exact() -> None:
    rate = 2_400_000
    rng = np.random.default_rng(21)
    trs = sc.transmissions(AIRPORT.aircraft, 0.3, rng, AIRPORT.receiver, ident_phase=0.25,
                           position_phase=0.25, signal=AIRPORT.signal)
    frames = sc.to_sim_frames(trs, rng)
    iq = sim.simulate_iq(frames, rate, int(0.3 * rate), rng)
    mag = magnitude(np.frombuffer(sim.quantize(iq, "cu8"), np.uint8), "cu8")
    demod = Demodulator(rate)
    batch = demod.process(np.concatenate([mag, np.zeros(demod.lookahead, np.float32)]),
                          0, mag.size)
    got = [batch.msg[i, : batch.nbytes[i]].tobytes() for i in range(len(batch))]
    sent = [tr.data for tr in trs]
    assert len(sent) >= 15
    assert set(got) <= set(sent)  # nothing invented
    found = sum(1 for data in sent if data in got)
    assert found >= 0.9 * len(sent)
    assert {tr.icao for tr in trs if tr.data in got} == {ac.icao for ac in AIRPORT.aircraft}


def test_frames_end_inside_the_window() -> None:
    trs = sc.transmissions(AIRPORT.aircraft, 2.0, np.random.default_rng(3))
    assert trs == sorted(trs, key=lambda tr: tr.t)
    assert all(tr.t > 0 and tr.t + duration_s(tr.data) < 2.0 for tr in trs)


def test_benchmark_scene_is_spread_and_distinct() -> None:
    scene = sc.benchmark_scene(150, np.random.default_rng(4))
    assert len({ac.icao for ac in scene.aircraft}) == 150
    assert len({ac.squawk for ac in scene.aircraft}) == 150
    ranges = [sc.distance_m(*scene.receiver, ac.lat, ac.lon) for ac in scene.aircraft]
    assert max(ranges) <= 250_000 and max(ranges) > 150_000
    assert 1 <= sum(ac.on_ground for ac in scene.aircraft) <= 10
    airborne = [ac.alt_ft for ac in scene.aircraft if not ac.on_ground]
    assert min(airborne) >= 2000 and max(airborne) <= 41000


def test_truth_round_trips_and_interpolates() -> None:
    trs = sc.transmissions(AIRPORT.aircraft, 3.0, np.random.default_rng(8), AIRPORT.receiver)
    meta = {"rate": 2_400_000, "start_time": AIRPORT.start_time, "receiver": AIRPORT.receiver}
    truth = sc.parse_truth(sc.truth_json(AIRPORT.aircraft, trs, meta))
    assert truth["receiver"] == {"lat": 52.3086, "lon": 4.7639}
    assert truth["frames"] == len(trs)
    assert [a["icao"] for a in truth["aircraft"] if a["watched"]] == ["484506"]
    assert len(truth["positions"]) == sum(tr.kind in POSITION_KINDS for tr in trs)
    vip = [tr for tr in trs if tr.icao == 0x484506 and tr.kind in POSITION_KINDS]
    a, b = vip[1], vip[2]
    mid = sc.truth_position(truth, "484506", (a.t + b.t) / 2)
    assert mid is not None
    exact = sc.state_at(AIRPORT.aircraft[-1], (a.t + b.t) / 2)
    assert sc.distance_m(mid[0], mid[1], exact.lat, exact.lon) < 1.0
    assert mid[2] == pytest.approx(exact.alt_ft, abs=0.2)
    # Before the first position, the first one holds (to the truth's 7 decimals).
    held = sc.truth_position(truth, 0x484506, -5.0)
    assert held[0] == pytest.approx(vip[0].state.lat, abs=1e-7)
    assert held[1] == pytest.approx(vip[0].state.lon, abs=1e-7)
    assert sc.truth_position(truth, "ABCDEF", 1.0) is None
    with pytest.raises(ValueError, match="positions"):
        sc.parse_truth('{"rate": 1, "start_time": "", "receiver": {}, "aircraft": [], '
                       '"frames": 0}')


def test_watchlist_text_names_the_watched_aircraft() -> None:
    entries = parse_watchlist(sc.watchlist_text(AIRPORT), "w.txt")
    assert entries[0].label.startswith("Dutch government")
    singles = {e.lo for e in entries if e.lo == e.hi}
    assert 0x484506 in singles
    assert any(e.lo == 0x100000 and e.hi == 0x1FFFFF for e in entries)
    assert len(singles - {ac.icao for ac in AIRPORT.aircraft}) >= 2  # not in the scene


def test_chunked_recording_equals_one_piece() -> None:
    """Frames across chunk boundaries come out whole: the signal (recording minus the
    same seed's noise alone) is the same in 0.5-ms chunks as in one piece."""
    rate, n = 2_000_000, 60_000
    rng = np.random.default_rng(9)
    trs = sc.transmissions(AIRPORT.aircraft, n / rate, rng, AIRPORT.receiver,
                           ident_phase=0.02, position_phase=0.02, radar=False)
    frames = [sim.SimFrame(f.data, f.start_s, 20.0, f.freq_offset_hz, f.carrier_phase)
              for f in sc.to_sim_frames(trs, rng)]  # 20 dB: no clipping to muddle the sum

    def signal(chunk_s: float) -> np.ndarray:
        out = []
        for fr in (frames, []):
            buf = io.BytesIO()
            write_recording(buf, fr, rate, n, "cf32", np.random.default_rng(1), 0.04, chunk_s)
            out.append(np.frombuffer(buf.getvalue(), np.complex64))
        return out[0] - out[1]

    chunk = 1000  # samples: 0.5 ms
    spanning = [f for f in frames if (f.start_s * rate) // chunk
                != ((f.start_s + duration_s(f.data)) * rate) // chunk]
    assert len(spanning) >= 2
    one, chunked = signal(1.0), signal(chunk / rate)
    assert np.abs(one).max() > 0.3
    # The noise differs between the two (it is drawn per chunk), so compare the signal.
    assert np.allclose(one, chunked, atol=1e-5)
