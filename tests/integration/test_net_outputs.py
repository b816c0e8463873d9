"""The network outputs read by the clients users have: pyModeS' own `modes live` on our
Beast port, a real dump1090-mutability fed by `--net-push`, plain sockets on the AVR and
SBS ports; a client that never reads holds up neither the replay nor the other client.

Each test picks free ports and stops every process it starts."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyModeS
from pyModeS.cli._source import _parse_beast_buffer
from support import adsbwatch_command, checkout_env, run_adsbwatch, system_program

MODES1 = "modes1_resampled_cu8_2400k.bin"
ICAO = "4D2023"
CALLSIGN = "AMC421"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(argv: Sequence[str], **kwargs) -> Iterator[subprocess.Popen]:  # noqa: ANN003
    """A process for the test's length: stopped (and waited for) whatever happens."""
    proc = subprocess.Popen(list(argv), **kwargs)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def adsbwatch(*args: str, **kwargs) -> contextlib.AbstractContextManager[subprocess.Popen]:  # noqa: ANN003
    return running([*adsbwatch_command(), *args], env=checkout_env(), **kwargs)


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until something accepts on `port` (the probe connection closes at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited with {proc.returncode} before listening"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port} after {timeout} s")


def collect(sock: socket.socket, into: bytearray) -> None:
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            into += chunk


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 12742 * math.asin(math.sqrt(h))


def stored(db: Path) -> tuple[set[int], str, list[tuple[float, float]]]:
    """The store's aircraft, 4d2023's callsigns, and its track points."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        icaos = {row[0] for row in conn.execute("SELECT icao FROM visits")}
        callsigns = " ".join(row[0] for row in conn.execute(
            "SELECT callsigns FROM visits WHERE icao = ?", (int(ICAO, 16),)))
        points = conn.execute(
            "SELECT lat, lon FROM track_points JOIN visits ON visits.id = visit_id "
            "WHERE icao = ?", (int(ICAO, 16),)).fetchall()
    return icaos, callsigns, points


def test_pymodes_live_reads_our_beast_as_we_decode_it(recordings: Path,
                                                      tmp_path: Path) -> None:
    looped = tmp_path / "modes1_x60.cu8"
    looped.write_bytes((recordings / MODES1).read_bytes() * 60)  # 10.7 s at real time
    port, db, dump = free_port(), tmp_path / "x.db", tmp_path / "out.jsonl"
    with adsbwatch("replay", str(looped), "--throttle", "--net", "--avr-port", "0",
                   "--sbs-port", "0", "--beast-port", str(port), "--record-all",
                   "--db", str(db), "-q", stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, text=True) as replay:
        wait_listening(port, replay)
        with running(["modes", "live", "--network", f"127.0.0.1:{port}", "--quiet",
                      "--dump-to", str(dump)], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL) as live:
            _, err = replay.communicate(timeout=120)
            assert replay.returncode == 0, err
            assert err == ""
            time.sleep(0.5)  # pyModeS writes what it read before it sees the end
            live.terminate()
    rows = [json.loads(line) for line in dump.read_text().splitlines()]
    assert {row["icao"] for row in rows} == {ICAO}
    assert CALLSIGN in {row.get("callsign") for row in rows}
    theirs = [(r["latitude"], r["longitude"]) for r in rows if r.get("latitude") is not None]
    icaos, callsigns, ours = stored(db)
    assert icaos == {int(ICAO, 16)} and CALLSIGN in callsigns
    assert len(theirs) >= 100 and len(ours) >= 100
    # pyModeS' positions from our Beast are ours: each within 100 m of one we stored
    worst = max(min(distance_km(p, q) for q in ours) for p in theirs)
    assert worst < 0.1, worst


def test_dump1090_mutability_counts_our_pushed_frames(recordings: Path,
                                                      tmp_path: Path) -> None:
    dump1090 = system_program("dump1090-mutability", "dump1090-mutability")
    port, json_dir = free_port(), tmp_path / "json"
    json_dir.mkdir()
    with running([dump1090, "--net-only", "--net-bind-address", "127.0.0.1",
                  "--net-bi-port", str(port), "--net-ri-port", "0", "--net-ro-port", "0",
                  "--net-sbs-port", "0", "--net-bo-port", "0", "--write-json",
                  str(json_dir), "--quiet"], stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL) as peer:
        wait_listening(port, peer)
        replay = run_adsbwatch("replay", str(recordings / MODES1), "--raw", "-q",
                               "--net-push", f"127.0.0.1:{port}:beast")
        assert replay.returncode == 0 and replay.stderr == "", replay.stderr
        frames = [line[1:-1] for line in replay.stdout.splitlines()]
        ours = sum(pyModeS.decode(f)["icao"] == ICAO for f in frames)
        assert ours >= 300
        deadline = time.monotonic() + 15
        aircraft: dict = {}
        while time.monotonic() < deadline:  # it writes aircraft.json every second
            with contextlib.suppress(OSError, ValueError):
                listed = json.loads((json_dir / "aircraft.json").read_text())["aircraft"]
                aircraft = {a["hex"]: a for a in listed}
            if aircraft.get(ICAO.lower(), {}).get("messages", 0) >= 0.9 * ours:
                break
            time.sleep(0.2)
    theirs = aircraft.get(ICAO.lower())
    assert theirs is not None, aircraft
    assert theirs["flight"].strip() == CALLSIGN
    assert theirs["messages"] >= 0.9 * ours, (theirs["messages"], ours)


def test_a_client_that_never_reads_holds_up_neither_the_replay_nor_the_other_client(
        recordings: Path) -> None:
    recording = (recordings / MODES1).read_bytes()
    loops = 1500  # 12 MB of Beast: past the kernel's buffers and the 4 MB a client may lag
    port = free_port()
    with adsbwatch("replay", "-", "--raw", "--beast-port", str(port), "-q",
                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE) as replay:
        wait_listening(port, replay)
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", port))  # and never reads
        reader = socket.create_connection(("127.0.0.1", port))
        received, out, err = bytearray(), bytearray(), bytearray()
        threads = [threading.Thread(target=collect, args=(reader, received)),
                   threading.Thread(target=lambda: out.extend(replay.stdout.read())),
                   threading.Thread(target=lambda: err.extend(replay.stderr.read()))]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # both accepted before the first frame
            for _ in range(loops):
                replay.stdin.write(recording)
            replay.stdin.close()
            assert replay.wait(180) == 0, err
            for thread in threads:
                thread.join(30)
        finally:
            stuck.close()
            reader.close()
    avr = [line[1:-1] for line in out.decode().splitlines()]
    frames, rest = _parse_beast_buffer(bytes(received))
    assert rest == b""
    assert len(avr) >= loops * 300
    assert [hex_ for _, hex_ in frames] == [f.upper() for f in avr]  # every frame, in order
    # the stuck client was dropped, in one line
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("adsbwatch: warning: Beast output: client 127.0.0.1:")
    assert lines[0].endswith(" fell 4 MB behind (not reading?); dropped it, the other "
                             "clients go on")


def test_avr_and_sbs_servers_read_by_plain_sockets(recordings: Path, tmp_path: Path) -> None:
    samples = (recordings / MODES1).read_bytes()
    db = tmp_path / "x.db"
    decoded = run_adsbwatch("replay", str(recordings / MODES1), "--record-all", "--db",
                            str(db), "-q")
    assert decoded.returncode == 0, decoded.stderr
    avr_port, sbs_port = free_port(), free_port()
    with adsbwatch("replay", "-", "--raw", "--avr-port", str(avr_port), "--avr-timestamps",
                   "--sbs-port", str(sbs_port), "-q", stdin=subprocess.PIPE,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE) as replay:
        wait_listening(avr_port, replay)
        wait_listening(sbs_port, replay)
        clients = [socket.create_connection(("127.0.0.1", p)) for p in (avr_port, sbs_port)]
        got = [bytearray(), bytearray()]
        threads = [threading.Thread(target=collect, args=(c, g))
                   for c, g in zip(clients, got, strict=True)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)
            out, err = replay.communicate(samples, timeout=120)
            for thread in threads:
                thread.join(30)
        finally:
            for client in clients:
                client.close()
    assert replay.returncode == 0 and err == b"", err
    frames = [line[1:-1] for line in out.decode().splitlines()]
    # AVR: @ + 12 hex digits of the 12 MHz timestamp + the frame + ;
    avr = got[0].decode("ascii").splitlines()
    assert all(line[0] == "@" and line[-1] == ";" for line in avr)
    assert [line[13:-1] for line in avr] == frames
    stamps = [int(line[1:13], 16) for line in avr]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] > 1_000_000  # > 83 ms
    # SBS: one CRLF line of 22 fields per decoded message
    sbs = got[1].decode("ascii")
    assert sbs.endswith("\r\n")
    lines = [line.split(",") for line in sbs.removesuffix("\r\n").split("\r\n")]
    assert all(len(f) == 22 and f[0] == "MSG" and f[4] == ICAO for f in lines)
    by_type: dict[str, list[list[str]]] = {}
    for f in lines:
        by_type.setdefault(f[1], []).append(f)
    assert set(by_type) == {"1", "3", "4", "5", "6", "7", "8"}  # DF17 1/3/4, 4+20, 5+21, 0, 11
    assert {f[10] for f in by_type["1"]} == {CALLSIGN}
    _, callsigns, points = stored(db)
    positions = {(f[14], f[15]) for f in by_type["3"] if f[14]}
    assert positions == {(f"{lat:.5f}", f"{lon:.5f}") for lat, lon in points}
    assert all(f[11].isdigit() for f in by_type["3"])  # altitude in feet
    assert all(f[12].isdigit() and f[13].isdigit() and f[16] for f in by_type["4"])
    with contextlib.closing(sqlite3.connect(db)) as conn:
        [(squawks,)] = conn.execute("SELECT squawks FROM visits").fetchall()
    assert {f[17] for f in by_type["6"]} == set(squawks.split())


def test_a_port_in_use_stops_the_run_before_it_starts(recordings: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_adsbwatch("replay", str(recordings / MODES1), "--raw", "--net",
                               "--avr-port", str(free_port()), "--sbs-port", "0",
                               "--beast-port", str(port))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"adsbwatch: error: --beast-port {port}: cannot listen on 127.0.0.1:{port} "
        "(address already in use); choose another port, or 0 to turn the Beast output "
        "off\n")
