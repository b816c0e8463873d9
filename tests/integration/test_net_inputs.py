"""`adsbwatch live --net-connect`: frames from another decoder into the watchlist and the
store, with no dongle. The bar: fed by dump1090-mutability playing modes1 in real time
on its Beast port, it stores AMC421's visit and track, as a replay of the same file
does; the same frames as AVR lines; and two inputs sending the same stream decode
each frame once."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from net_peers import (
    ByteServer,
    Live,
    dump1090_avr,
    dump1090_beast_server,
    free_port,
    padded_recording,
)
from support import Running, run_adsbwatch

AMC421 = 0x4D2023
SILENCE_S = 8.0  # before modes1 in dump1090's file: time for our client to connect


def watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watch.txt"
    path.write_text("4d2023 AMC\n")
    return path


def stored(db: Path) -> tuple[list[tuple], list[tuple[float, float, float]]]:  # type: ignore[type-arg]
    with sqlite3.connect(db) as conn:
        visits = conn.execute("SELECT icao, callsigns, watched FROM visits").fetchall()
        points = conn.execute("SELECT t, lat, lon FROM track_points ORDER BY t").fetchall()
    return visits, points


def near(point: tuple[float, float, float], others: list[tuple[float, float, float]],
         km: float) -> bool:
    _, lat, lon = point
    deg = km / 111.0
    return any(abs(lat - b) < deg and abs(lon - c) < deg * 1.3 for _, b, c in others)


def test_live_net_connect_to_dump1090_records_amc421(recordings: Path, tmp_path: Path) -> None:
    recording = recordings / "modes1_resampled_cu8_2400k.bin"
    wl = watchlist(tmp_path)
    replay_db = tmp_path / "replay.db"
    replay = run_adsbwatch("replay", str(recording), "--watchlist", str(wl), "--db",
                           str(replay_db), "-q")
    assert replay.returncode == 0, replay.stderr
    replay_visits, replay_points = stored(replay_db)

    padded = padded_recording(recording, tmp_path / "padded.cu8", SILENCE_S)
    port = free_port()
    db = tmp_path / "net.db"
    # Ours first, so that it is up when the peer starts (it retries, the wait doubling).
    live = Live("--net-connect", f"127.0.0.1:{port}:beast", "--watchlist", str(wl),
                "--db", str(db), "--stats-every", "0")
    try:
        live.wait_for("cannot connect")
        with dump1090_beast_server(padded, port) as peer:
            live.wait_for(f"127.0.0.1:{port} (beast): connected")
            assert peer.wait(timeout=120) == 0  # the file played to its end
        live.wait_for("connection lost (the peer closed it)")
        time.sleep(1.0)  # the last frames reach the station's next batch
    finally:
        status, out = live.stop()
    assert status == 130, live.lines  # as Ctrl-C ends any live run
    visits, points = stored(db)
    assert visits == replay_visits == [(AMC421, "AMC421", 1)], live.lines
    assert "SIGHTING 4D2023 (AMC) callsign AMC421" in out
    # dump1090 finds fewer frames than we do (319 against our 340-odd): most of our
    # positions, each where the replay has one.
    assert len(points) >= 0.8 * len(replay_points) and len(replay_points) >= 30
    far = [p for p in points if not near(p, replay_points, 1.0)]
    assert not far, (far, points[:5], replay_points[:5], len(points), len(replay_points))
    # Times: the wall clock of reception, spread as dump1090's timestamps say (modes1
    # is 178 ms), not all one read's arrival time; each position its own, also while
    # the peer's clock offset settles (frames that would go back before those already
    # timed once shared the last one's time: up to 6 positions of one read).
    times = [t for t, _, _ in points]
    assert len(set(times)) == len(times)
    assert 0.1 < times[-1] - times[0] < 0.5
    assert abs(times[0] - time.time()) < 120
    summary = next(line for line in live.lines if "frames received" in line)
    received, decoded, refused = map(int, re.findall(
        r"(\d+) frames received, (\d+) decoded, (\d+) refused", summary)[0])
    assert 310 <= received <= 330 and decoded + refused == received
    with sqlite3.connect(db) as conn:
        session = conn.execute("SELECT source, live, rate, samples, frames, ended "
                               "FROM sessions").fetchall()
    assert session == [(f"network 127.0.0.1:{port} (beast)", 1, 0, 0, decoded,
                        session[0][5])] and session[0][5] is not None


def avr_lines(frames: list[bytes]) -> list[bytes]:
    return [f"*{f.hex().upper()};\n".encode() for f in frames]


def paced(lines: list[bytes], gap_s: float = 0.004):  # type: ignore[no-untyped-def]
    """A payload that sends one line at a time, as a decoder forwarding live would."""
    def send(conn) -> None:  # type: ignore[no-untyped-def]
        for line in lines:
            conn.sendall(line)
            time.sleep(gap_s)
    return send


def run_avr_peers(tmp_path: Path, frames: list[bytes], peers: int) -> tuple[list[str], Path]:
    servers = [ByteServer(sender=paced(avr_lines(frames)), linger_s=30) for _ in range(peers)]
    db = tmp_path / f"avr{peers}.db"
    args = [a for s in servers for a in ("--net-connect", f"127.0.0.1:{s.port}:avr")]
    live = Live(*args, "--watchlist", str(watchlist(tmp_path)), "--db", str(db),
                "--stats-every", "0")
    try:
        for s in servers:
            live.wait_for(f"127.0.0.1:{s.port} (avr): connected")
        deadline = time.monotonic() + 60
        while any(not s.finished for s in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # what was sent last reaches the station's next batch
    finally:
        status, _ = live.stop()
        for s in servers:
            s.close()
    assert status == 130, live.lines
    return live.lines, db


def decoded_counts(lines: list[str]) -> list[tuple[int, int, int]]:
    """(received, decoded, copies) of each peer, from the closing summary."""
    return [tuple(map(int, m)) for line in lines for m in re.findall(  # type: ignore[misc]
        r"(\d+) frames received, (\d+) decoded, \d+ refused, (\d+) copies", line)]


def test_avr_input_and_two_inputs_of_one_stream_decode_each_frame_once(
        recordings: Path, tmp_path: Path) -> None:
    frames = dump1090_avr(recordings / "modes1_resampled_cu8_2400k.bin")
    assert len(frames) == 319
    one_lines, one_db = run_avr_peers(tmp_path, frames, peers=1)
    [(received, decoded, copies)] = decoded_counts(one_lines)
    assert received == 319 and copies == 0 and decoded >= 300
    visits, points = stored(one_db)
    assert visits == [(AMC421, "AMC421", 1)] and len(points) >= 30

    two_lines, two_db = run_avr_peers(tmp_path, frames, peers=2)
    counts = decoded_counts(two_lines)
    assert [c[0] for c in counts] == [319, 319]
    # Each frame once: as many decoded in all as from one input, the rest copies.
    assert sum(c[1] for c in counts) == decoded
    assert sum(c[2] for c in counts) == decoded
    messages = [line for line in two_lines if "messages decoded" in line]
    assert messages and messages[0].startswith(f"adsbwatch: {decoded} messages decoded")
    assert stored(two_db)[0] == [(AMC421, "AMC421", 1)]


def test_a_dongle_and_a_peer_merged_decode_a_frame_heard_by_both_once(
        recordings: Path, tmp_path: Path) -> None:
    """`live --rtl-tcp ... --net-connect ...`: the demodulated frames and a peer's in one
    stream. Both play modes1 over and over for the same 3.6 s, so the same frames come
    from both within a second: copies, counted, not decoded twice."""
    from rtltcp_server import RtlTcpServer, Serving

    recording = recordings / "modes1_resampled_cu8_2400k.bin"
    warm = run_adsbwatch("replay", str(recording), "--raw", "-q")  # the kernel cache
    assert warm.returncode == 0, warm.stderr
    frames = dump1090_avr(recording)
    loops = 20
    lines = avr_lines(frames)
    gap_s = 0.178 / len(lines)  # the peer's 319 frames in modes1's 178 ms, 20 times
    peer = ByteServer(sender=paced(lines * loops, gap_s), linger_s=30)
    db = tmp_path / "merged.db"
    with RtlTcpServer(Serving(recording.read_bytes(), loops=loops, pace_rate=2_400_000,
                              linger=True)) as server:
        live = Live("--rtl-tcp", f"127.0.0.1:{server.port}", "--net-connect",
                    f"127.0.0.1:{peer.port}:avr", "--watchlist", str(watchlist(tmp_path)),
                    "--db", str(db), "--stats-every", "0")
        try:
            live.wait_for(f"127.0.0.1:{peer.port} (avr): connected")
            assert server.finished.wait(60)
            deadline = time.monotonic() + 60
            while not peer.finished and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2.5)  # frames are held 1.5 s to be merged in time order
        finally:
            status, _ = live.stop()
            peer.close()
    assert status == 130, live.lines
    dongle = next(line for line in live.lines if "frames demodulated" in line)
    demodulated, dongle_decoded, dongle_copies = map(int, re.findall(
        r"(\d+) frames demodulated from \d+ samples \(\d+ dropped\), (\d+) decoded, "
        r"(\d+) copies", dongle)[0])
    [(received, peer_decoded, peer_copies)] = decoded_counts(live.lines)
    assert demodulated >= 20 * 330 and received == 20 * 319, live.lines
    assert dongle_decoded + dongle_copies == demodulated
    # The same replies from both: many copies, on one side or the other.
    assert dongle_copies + peer_copies > 0.5 * received
    messages = next(line for line in live.lines if "messages decoded" in line)
    assert messages.startswith(f"adsbwatch: {dongle_decoded + peer_decoded} messages decoded")
    assert stored(db)[0] == [(AMC421, "AMC421", 1)]


def test_a_peer_that_closes_each_connection_at_once_is_tried_ever_less_often() -> None:
    """A peer that accepts and closes at once, forever: the waits between tries double
    as they do for a refused connection (they started afresh after every connection
    made: two connections and two lines a second), and it is one warning in all."""
    peer = ByteServer(lambda: b"")
    live = Live("--net-connect", f"127.0.0.1:{peer.port}", "--raw", "--no-db",
                "--stats-every", "0")
    try:
        live.wait_for(f"127.0.0.1:{peer.port} (beast): connected")
        time.sleep(4.0)  # tries at 0, 0.5, 1.5, 3.5 s: 4 (with waits of 0.5 s: 9)
    finally:
        status, _ = live.stop()
        peer.close()
    assert status == 130, live.lines
    assert 3 <= peer.clients <= 5
    name = f"127.0.0.1:{peer.port} (beast)"
    assert [line for line in live.lines if "frames received" not in line] == [
        f"adsbwatch: {name}: connected",
        f"adsbwatch: warning: {name}: connection lost (the peer closed it) 0.0 s after it "
        "was made; reconnecting, the wait doubling up to 30 s until a connection holds"]


def test_without_reopen_a_peer_that_cannot_be_reached_ends_the_run_with_one_line() -> None:
    port = free_port()
    result = run_adsbwatch("live", "--net-connect", f"127.0.0.1:{port}", "--no-reopen",
                           "--raw", "--no-db", timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"adsbwatch: error: 127.0.0.1:{port} (beast): cannot connect "
                             "(connection refused: is the decoder running, its port "
                             "right?); not reconnecting (--no-reopen)\n")


@pytest.mark.parametrize(("peer", "outputs", "name"), [
    ("127.0.0.1:30105", ["--beast-port", "30105"], "Beast"),
    ("localhost:30102", ["--avr-port", "30102"], "AVR"),
    ("[::1]:30105", ["--beast-port", "30105"], "Beast"),
    ("0.0.0.0:30103", ["--sbs-port", "30103", "--net-bind", "0.0.0.0"], "SBS"),
])
def test_a_peer_that_is_the_stations_own_output_is_refused_at_start(
        peer: str, outputs: list[str], name: str) -> None:
    """Reading back its own output, a station would send every frame again and again
    (probe t25, case 2j); it is a mistake in the command line, said before anything runs."""
    result = run_adsbwatch("live", "--net-connect", peer, *outputs, "--no-db", timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"adsbwatch: error: --net-connect {peer} is this station's own "
                             f"{name} output: it would read back every frame it sends; "
                             "connect to another decoder's port\n")


def test_a_peer_on_another_port_of_this_machine_is_read() -> None:
    """The same host and another port (a dump1090 beside us) is no loop: it is tried."""
    run = Running(["live", "--net-connect", "127.0.0.1:30199", "--beast-port", "30198",
                   "--no-db", "--quiet"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any("cannot connect" in line for line in run.lines):
            assert run.proc.poll() is None, run.lines
            assert time.monotonic() < deadline, run.lines
            time.sleep(0.2)
    finally:
        run.proc.send_signal(signal.SIGTERM)
        run.proc.wait(timeout=30)
    assert not any("own" in line for line in run.lines)
