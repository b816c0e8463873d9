"""The rtl_tcp client against a real rtl_tcp server on loopback (tests/rtltcp_server.py):
the frames of a replay, the commands on the wire, a wrong server, a server that restarts,
one that is not there."""

from __future__ import annotations

import io
import re
import socket
import struct
import threading
import time
from collections.abc import Callable

import pytest
from frames_support import Collector, Demodulated, demodulate_file, run_source, station_of
from rtltcp_server import RtlTcpServer, Serving

from adsbwatch.receiver.assembly.running import demod_summary
from adsbwatch.receiver.core import backoff
from adsbwatch.receiver.core.backoff import next_retry as real_next_retry
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.outputs.http.stats_json import stats_json
from adsbwatch.receiver.sources import rtltcp
from adsbwatch.receiver.sources.rtltcp import RtlTcpSource
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.tuner import TunerSettings
from adsbwatch.receiver.ui.footer import Footer
from adsbwatch.receiver.ui.statsline import StatsLine

RATE = 2_400_000
TICKS_PER_SAMPLE = 5  # 12 MHz ticks at 2.4 MS/s
E4000 = 1


def run_client(source: RtlTcpSource, found: Demodulated | None = None) -> Demodulated:
    """The source's frames through the station until it ends (its failure raised)."""
    return run_source(source, found=found)


def run_beside(station: Station, server: RtlTcpServer, meanwhile: Callable[[], None]) -> None:
    """Run the station while `meanwhile` (which ends by closing the source) runs in a
    thread; the station closed and the server stopped after."""
    helper = threading.Thread(target=meanwhile)
    helper.start()
    try:
        station.run()
        station.close()
    finally:
        helper.join()
        server.stop()


def close_once_received(source: RtlTcpSource, size: int) -> None:
    """Close the source (what Ctrl-C does: the stream ends with what arrived) once `size`
    bytes came."""
    deadline = time.monotonic() + 30
    while source.bytes_received < size and time.monotonic() < deadline:
        time.sleep(0.01)
    source.close()


def run_in_thread(source: RtlTcpSource) -> tuple[Demodulated, Station, threading.Thread]:
    """The station over `source` running in a thread: the frames as they come, the
    station (to stop), the thread (to join)."""
    found = Demodulated([], [])
    station = station_of(source, Collector(found))
    runner = threading.Thread(target=station.run, daemon=True)
    runner.start()
    return found, station, runner


def stop_and_close(station: Station, runner: threading.Thread) -> None:
    """What Ctrl-C does: ask the station to stop, wait for its run to end, close it."""
    station.request_stop()
    runner.join(30)
    assert not runner.is_alive()
    station.close()


def assert_lost_once(warnings: list[str], port: int) -> None:
    """One line: the connection to the test server was lost (after a while too short to
    count as working: core/backoff.py), and the source reconnects."""
    assert len(warnings) == 1, warnings
    assert re.fullmatch(rf"rtl_tcp 127\.0\.0\.1:{port}: connection lost \(the server closed "
                        r"it\) [0-9.]+ s after it was made; reconnecting, the wait doubling "
                        r"up to 30 s until a connection holds", warnings[0]), warnings


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text
    return text


def test_frames_and_their_times_are_those_of_a_replay(make_recording) -> None:
    path, truth = make_recording(n_frames=300)
    with RtlTcpServer(Serving(path.read_bytes(), loops=1)) as server:
        warnings: list[str] = []
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(), warnings.append,
                              reconnect=False)
        found = Demodulated([], [])
        with pytest.raises(RuntimeFailure) as failure:
            run_client(source, found)
    # The server closing is the end of the stream, a failure without --reopen: after
    # every sample that came was demodulated.
    assert one_line(failure.value).startswith(f"rtl_tcp 127.0.0.1:{server.port}: connection "
                                              "lost (the server closed it)")
    reference = demodulate_file(path)
    assert len(reference.timed) >= 290
    assert found.timed == reference.timed
    assert source.totals.samples == path.stat().st_size // 2
    assert source.totals.dropped_samples == 0
    assert warnings == []


def command(cmd: int, value: int) -> bytes:
    return struct.pack(">BI", cmd, value)


def test_the_server_is_tuned_with_the_settings_asked_for(make_recording) -> None:
    path, _ = make_recording(n_frames=20)
    settings = TunerSettings(freq_hz=1_090_000_000, gain="42.1", ppm=-3, bias_tee=True)
    with RtlTcpServer(Serving(path.read_bytes())) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, settings, print, reconnect=False)
        with pytest.raises(RuntimeFailure):
            run_client(source)
    wire = b"".join(command(c, v) for c, v in server.commands)
    assert wire == (b"\x02\x00\x24\x9f\x00"  # sample rate 2400000
                    b"\x01\x40\xf8\x14\x80"  # frequency 1090000000
                    b"\x05\xff\xff\xff\xfd"  # ppm -3, two's complement
                    b"\x03\x00\x00\x00\x01"  # manual gain
                    b"\x04\x00\x00\x01\xa5"  # 421 tenths of dB
                    b"\x0e\x00\x00\x00\x01")  # bias tee on
    assert source.gain_db == 42.1


@pytest.mark.parametrize(("tuner", "gain", "tenths"), [
    (5, "max", 496),  # R820T's top step, 49.6 dB
    (5, "auto", 496),  # adaptive starts from the top
    (E4000, "max", 420),
])
def test_max_and_auto_start_at_the_tuners_highest_step(make_recording, tuner: int, gain: str,
                                                        tenths: int) -> None:
    path, _ = make_recording(n_frames=5)
    serving = Serving(path.read_bytes(), tuner=tuner, gain_count=14 if tuner == E4000 else 29)
    with RtlTcpServer(serving) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(gain=gain), print,
                              reconnect=False)
        with pytest.raises(RuntimeFailure):
            run_client(source)
    # No ppm command for a correction of 0 (librtlsdr refuses to set the value it has).
    assert server.commands == [(0x02, RATE), (0x01, 1_090_000_000), (0x03, 1), (0x04, tenths)]


def test_a_gain_the_tuner_lacks_is_refused_listing_its_steps(make_recording) -> None:
    path, _ = make_recording(n_frames=5)
    with RtlTcpServer(Serving(path.read_bytes())) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(gain="40"), print,
                              reconnect=False)
        with pytest.raises(UserError) as refused:
            source.open()
        source.close()
    text = one_line(refused.value)
    assert "--gain 40: the R820T tuner" in text
    assert text.endswith("0 0.9 1.4 2.7 3.7 7.7 8.7 12.5 14.4 15.7 16.6 19.7 20.7 22.9 25.4 "
                         "28 29.7 32.8 33.8 36.4 37.2 38.6 40.2 42.1 43.4 43.9 44.5 48 49.6")


@pytest.mark.parametrize("sent", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"RTL", b""])
def test_a_server_that_is_not_rtl_tcp_is_a_one_line_error(sent: bytes) -> None:
    # An rtl_tcp-like server that sends the wrong header, or too little, then closes.
    with RtlTcpServer(Serving(header=sent)) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(), print)
        with pytest.raises(UserError) as wrong:
            source.open()
        source.close()
    text = one_line(wrong.value)
    assert text.startswith(f"rtl_tcp 127.0.0.1:{server.port} is not an rtl_tcp server (it ")
    if sent.startswith(b"HTTP"):
        assert "48 54 54 50 2f 31 2e 31 20 34 30 30 ('HTTP/1.1 400')" in text
    elif sent:
        assert "sent 52 54 4c ('RTL')" in text
    else:
        assert "sent nothing" in text


def free_port() -> int:
    with RtlTcpServer(Serving()) as probe:
        return probe.port  # closed again on leaving: nothing listens there


def test_a_refused_connection_without_reconnect_is_a_one_line_failure() -> None:
    port = free_port()
    source = RtlTcpSource("127.0.0.1", port, RATE, TunerSettings(), print, reconnect=False)
    with pytest.raises(RuntimeFailure) as refused:
        run_client(source)
    assert one_line(refused.value) == (
        f"rtl_tcp 127.0.0.1:{port}: connection refused (is rtl_tcp running there, listening "
        "beyond its own host: rtl_tcp -a 0.0.0.0?)")


def test_a_server_that_restarts_is_reconnected_and_the_gap_counted(make_recording) -> None:
    first, _ = make_recording(n_frames=200, seed=1)
    second, _ = make_recording(n_frames=200, seed=2)
    first_bytes, second_bytes = first.read_bytes(), second.read_bytes()
    warnings: list[str] = []
    server = RtlTcpServer(Serving(first_bytes, once=True)).start()
    source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(gain="max"),
                          warnings.append, reconnect=True)

    def restart_then_close() -> None:
        server.finished.wait(30)
        deadline = time.monotonic() + 30
        while server.listening and time.monotonic() < deadline:  # the first connection
            time.sleep(0.01)  # closes it as it ends
        time.sleep(0.7)  # the client's first try (after 0.5 s) is refused: it backs off
        server.start(Serving(second_bytes, linger=True))
        close_once_received(source, len(first_bytes) + len(second_bytes))

    found = Demodulated([], [])
    station = station_of(source, Collector(found))
    stats_line = StatsLine(station, every_s=3600, out=io.StringIO())  # said below
    station.add(stats_line)
    run_beside(station, server, restart_then_close)
    totals = source.totals
    assert_lost_once(warnings, server.port)
    assert server.connections == 2
    # Tuned again after the reconnection, the same way.
    tuning = [(0x02, RATE), (0x01, 1_090_000_000), (0x03, 1), (0x04, 496)]
    assert server.commands == tuning * 2
    gap = totals.away_samples  # time away, not samples lost while connected
    assert gap >= 0.5 * RATE  # away for more than the 0.5 + 1 s of backoff
    assert totals.dropped_samples == 0 and totals.reconnects == 1
    first_samples = len(first_bytes) // 2
    assert totals.samples == first_samples + len(second_bytes) // 2
    after = (first_samples + gap) * TICKS_PER_SAMPLE  # where the second stream begins
    before = demodulate_file(first).timed
    expected = before + [(h, t + after) for h, t in demodulate_file(second).timed]
    assert len(expected) >= 390
    assert found.hexes == [h for h, _ in expected]
    assert found.timed[:len(before)] == before
    # After the gap the demodulator carries its noise floor from before, where a replay of
    # the second file starts afresh: a near tie of sub-sample phases may go the other way
    # (one tick, 83 ns). Anything more would be a gap counted wrong.
    drift = [t - want for t, (_, want) in zip(found.ticks, expected, strict=True)]
    assert set(drift) <= {-1, 0, 1}, drift
    # The views say the time away and the reconnection, and nothing dropped (issue 14,
    # fault 7: time away read as dropped samples, as if the machine could not keep up).
    away = f"away {gap / RATE:.0f} s, reconnected"
    tick = Tick(station.now, time.time(), live=True)
    assert f"dropped 0 (0 total), {away}, demod CPU" in stats_line.line(time.monotonic(), tick)
    footer = Footer(station)
    footer.update(tick)
    assert footer.text().endswith(f"| dropped 0 samples | {away}")
    assert demod_summary(station, real_time=True).endswith(f"s, dropped 0 samples, {away}")
    total = stats_json(station.stats, None)["total"]["local"]
    assert (total["samples_processed"], total["samples_dropped"]) == (totals.samples, 0)


def test_auto_gain_steps_down_when_the_adc_clips() -> None:
    # Every sample at the ADC's limits, paced for 1.5 s: the adaptive controller judges
    # a second at a time, finds it clipping and steps the R820T down from 49.6 to 48.0.
    clipped = bytes([0, 255]) * (RATE * 3 // 4)
    with RtlTcpServer(Serving(clipped, loops=2, pace_rate=RATE)) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(gain="auto"),
                              print, reconnect=False)
        with pytest.raises(RuntimeFailure):
            run_client(source)
    assert server.commands == [(0x02, RATE), (0x01, 1_090_000_000), (0x03, 1), (0x04, 496),
                               (0x04, 480)]
    assert source.gain_db == 48.0
    served = 2 * len(clipped) // 2  # two loops, two bytes a sample
    assert source.totals.strong_samples == source.totals.samples == served


def test_a_server_not_up_yet_is_waited_for(make_recording) -> None:
    # A service started before its rtl_tcp server: one line, then the samples once it is
    # up, with nothing counted lost (there was no stream yet).
    path, _ = make_recording(n_frames=100)
    data = path.read_bytes()
    port = free_port()
    warnings: list[str] = []
    source = RtlTcpSource("127.0.0.1", port, RATE, TunerSettings(), warnings.append)
    server = RtlTcpServer(Serving(data, linger=True), port=port)

    def start_later_then_close() -> None:
        time.sleep(0.2)
        server.start()
        close_once_received(source, len(data))

    found = Demodulated([], [])
    station = station_of(source, Collector(found))
    run_beside(station, server, start_later_then_close)
    totals = source.totals
    assert warnings == [f"rtl_tcp 127.0.0.1:{port}: connection refused (is rtl_tcp running "
                        "there, listening beyond its own host: rtl_tcp -a 0.0.0.0?); retrying"]
    assert (totals.dropped_samples, totals.away_samples, totals.reconnects) == (0, 0, 0)
    assert found.timed == demodulate_file(path).timed


def test_what_came_before_the_server_went_is_demodulated_while_it_is_away(
        make_recording) -> None:
    # Less than one block (0.15 s of signal): all of it is the stretch the connection
    # ended, demodulated as soon as the connection is lost, not once it is back.
    path, _ = make_recording(n_frames=300)
    reference = demodulate_file(path).timed
    warnings: list[str] = []
    server = RtlTcpServer(Serving(path.read_bytes(), once=True)).start()
    source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(), warnings.append,
                          reconnect=True)
    found, station, runner = run_in_thread(source)
    deadline = time.monotonic() + 30  # a bound for a stuck run, not a timing
    while len(found.frames) < len(reference) and time.monotonic() < deadline:
        time.sleep(0.02)
    while_away = list(found.timed), server.listening
    stop_and_close(station, runner)
    server.stop()
    assert while_away == (reference, False)  # every frame, the server still gone
    assert_lost_once(warnings, server.port)
    assert found.timed == reference
    assert (source.totals.samples, source.totals.dropped_samples) == (
        path.stat().st_size // 2, 0)


def test_a_stop_demodulates_every_sample_already_received(make_recording,
                                                          tmp_path) -> None:
    # One second of signal served at the dongle's pace; the stop comes in the middle
    # of the second block: every sample the source took by then, the partial block
    # too, is demodulated (issue 15, L8), as a replay of those samples finds them.
    path, _ = make_recording(n_frames=2000)
    data = path.read_bytes()
    with RtlTcpServer(Serving(data, pace_rate=RATE, linger=True)) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(), print,
                              reconnect=False)
        found, station, runner = run_in_thread(source)
        deadline = time.monotonic() + 30
        while source.bytes_received < 1.3 * (1 << 21) and time.monotonic() < deadline:
            time.sleep(0.01)
        stop_and_close(station, runner)
    assert station.run_state.ended == "stopped"
    received = source.bytes_received - source.bytes_received % 2
    assert (1 << 21) < received < len(data)
    assert source.totals.samples == received // 2
    head = tmp_path / "received.cu8"
    head.write_bytes(data[:received])
    expected = demodulate_file(head).timed
    assert found.timed == expected
    # Among them the frames of the second, partial block.
    assert expected[-1][1] > (1 << 20) * TICKS_PER_SAMPLE


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """A bound for a stuck run, not a timing."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


BUSY = "no rtl_tcp header in 0.5 s: busy (rtl_tcp serves one client at a time) or not rtl_tcp"


def test_a_busy_server_at_start_is_waited_for(make_recording,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # rtl_tcp serves one client at a time: while another holds it, a connection waits in
    # its listen queue and gets no header. That is no reason to give up (issue 15, H2).
    monkeypatch.setattr(rtltcp, "HEADER_TIMEOUT_S", 0.5)
    path, _ = make_recording(n_frames=100)
    data = path.read_bytes()
    with RtlTcpServer(Serving(b"")) as server:
        other = socket.create_connection(("127.0.0.1", server.port))  # another program
        wait_until(lambda: server.connections == 1, "the other client served")
        warnings: list[str] = []
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(),
                              warnings.append)
        found, station, runner = run_in_thread(source)
        wait_until(lambda: len(warnings) == 1, "the busy server said")
        server.serving = Serving(data, linger=True)  # for the next client it serves
        other.close()
        wait_until(lambda: source.bytes_received == len(data), "the samples received")
        stop_and_close(station, runner)
    assert warnings == [f"rtl_tcp 127.0.0.1:{server.port}: {BUSY}; retrying"]
    assert found.timed == demodulate_file(path).timed


def test_a_busy_server_at_reconnect_is_waited_for(make_recording,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtltcp, "HEADER_TIMEOUT_S", 0.5)
    first, _ = make_recording(n_frames=100, seed=1)
    second, _ = make_recording(n_frames=100, seed=2)
    warnings: list[str] = []
    with RtlTcpServer(Serving(first.read_bytes())) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(),
                              warnings.append)
        found, station, runner = run_in_thread(source)
        wait_until(lambda: server.connections == 1, "the first connection")
        # Another program connects meanwhile: the server takes it when ours closes.
        server.serving = Serving(b"")
        other = socket.create_connection(("127.0.0.1", server.port))
        wait_until(lambda: len(warnings) == 2, "the busy server said")
        server.serving = Serving(second.read_bytes(), linger=True)
        other.close()
        wait_until(lambda: source.totals.reconnects == 1
                   and source.bytes_received == first.stat().st_size + second.stat().st_size,
                   "the second stream received")
        stop_and_close(station, runner)
    where = f"rtl_tcp 127.0.0.1:{server.port}"
    assert_lost_once(warnings[:1], server.port)
    assert warnings[1:] == [f"{where}: {BUSY}; retrying"]
    expected = demodulate_file(first).hexes + demodulate_file(second).hexes
    assert found.hexes == expected and len(expected) > 150


def test_a_busy_server_without_reopen_is_a_one_line_runtime_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtltcp, "HEADER_TIMEOUT_S", 0.5)
    with RtlTcpServer(Serving(b"")) as server:
        other = socket.create_connection(("127.0.0.1", server.port))
        wait_until(lambda: server.connections == 1, "the other client served")
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(), print,
                              reconnect=False)
        with pytest.raises(RuntimeFailure) as busy:
            source.open()
        source.close()
        other.close()
    assert one_line(busy.value) == f"rtl_tcp 127.0.0.1:{server.port}: {BUSY}"


def test_a_server_that_takes_and_closes_at_once_is_retried_with_backoff_said_once(
        make_recording, monkeypatch: pytest.MonkeyPatch) -> None:
    # After its samples the server takes each connection and closes it at once, three
    # times, then serves again: those connections are no better than refusals (waits
    # growing, no line each), and the time away is counted once.
    first, _ = make_recording(n_frames=100, seed=1)
    second, _ = make_recording(n_frames=100, seed=2)
    waits: list[float] = []
    monkeypatch.setattr(backoff, "next_retry",
                        lambda wait: waits.append(wait) or real_next_retry(wait))
    warnings: list[str] = []
    with RtlTcpServer(Serving(first.read_bytes())) as server:
        source = RtlTcpSource("127.0.0.1", server.port, RATE, TunerSettings(),
                              warnings.append)
        found, station, runner = run_in_thread(source)
        wait_until(lambda: source.bytes_received == first.stat().st_size, "the first stream")
        first_done = time.monotonic()
        server.serving = Serving(b"")  # the header, then closed
        wait_until(lambda: server.connections == 4, "three connections closed at once")
        server.serving = Serving(second.read_bytes(), linger=True)
        both = first.stat().st_size + second.stat().st_size
        wait_until(lambda: source.bytes_received == both, "the second stream")
        second_came = time.monotonic()
        stop_and_close(station, runner)
    assert_lost_once(warnings, server.port)
    assert waits[:3] == [0.5, 1.0, 2.0]  # one wait after each connection closed at once
    totals = source.totals
    assert totals.reconnects == 1 and totals.dropped_samples == 0
    assert 3.5 < totals.away_samples / RATE < second_came - first_done  # once, not summed
    assert found.hexes == demodulate_file(first).hexes + demodulate_file(second).hexes
