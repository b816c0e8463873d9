"""--http: dump1090-fa's JSON under /data/ and /metrics, fetched by a real HTTP client
from a replay that serves on after its file ended, until Ctrl-C or SIGTERM; and
--write-json's files, read while the run writes them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rtltcp_server import RtlTcpServer
from rtltcp_server import Serving as RtlTcpServing
from store_support import pg_clients, raw_rows, wait_until
from support import REPO, adsbwatch_command, checkout_env, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
SAMPLE_ARGS = ["--watchlist", str(REPO / "samples" / "watchlist.txt"), "--lat", "52.3086",
               "--lon", "4.7639", "--start-time", "2025-05-16T09:30:00Z"]
START_S = 240  # the first run of a fresh checkout compiles the Numba kernels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.stderr_lines: list[str] = []

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.read()

    def json(self, path: str) -> dict:
        return json.loads(self.get(path))

    def wait_for_line(self, text: str) -> str:
        """Read stderr until a line holding `text` (the rest is kept for later)."""
        assert self.proc.stderr is not None
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; stderr: {''.join(self.stderr_lines)}")

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, "".join(self.stderr_lines) + err


@pytest.fixture
def serve() -> Iterator:
    started: list[subprocess.Popen[str]] = []

    def start(*extra: str) -> Serving:
        port = free_port()
        proc = subprocess.Popen(
            [*adsbwatch_command(), "replay", str(SAMPLE), *SAMPLE_ARGS, "--http", str(port),
             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=checkout_env())
        started.append(proc)
        return Serving(proc, port)

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)


def test_a_replay_serves_its_final_state_until_ctrl_c(serve) -> None:
    server = serve("--no-db")
    line = server.wait_for_line("until Ctrl-C")
    assert line.strip() == f"adsbwatch: serving http://127.0.0.1:{server.port}/ until Ctrl-C"
    aircraft = server.json("/data/aircraft.json")
    by_hex = {a["hex"]: a for a in aircraft["aircraft"]}
    assert by_hex["484506"]["flight"] == "NAF01   "
    assert abs(by_hex["484506"]["lat"] - 52.3) < 0.5
    receiver = server.json("/data/receiver.json")
    assert (receiver["lat"], receiver["lon"]) == (52.3086, 4.7639)
    # A snapshot at the first rebuild (when a second of wall time passed before the end)
    # and one of the final state: the newest is what aircraft.json shows.
    count = receiver["history"]
    assert count in (1, 2)
    history = [server.json(f"/data/history_{n}.json") for n in range(count)]
    assert max(history, key=lambda doc: doc["now"]) == aircraft
    stats = server.json("/data/stats.json")
    metrics = {f.name: f for f in text_string_to_metric_families(
        server.get("/metrics").decode())}
    with pytest.raises(urllib.error.HTTPError) as missing:
        server.get(f"/data/history_{count}.json")
    assert missing.value.code == 404
    # The map marks watched aircraft from the run's watchlist, with no store to ask.
    watched = {w["icao"]: w["label"] for w in server.json("/api/watchlist")}
    assert watched["484506"].startswith("Dutch government Boeing 737")
    # Time stands still on the recording's clock: a later fetch shows the same aircraft.
    time.sleep(1.5)
    assert server.json("/data/aircraft.json") == aircraft

    status, out, err = server.stop()
    assert status == 0, err
    frames_line = next(x for x in err.splitlines() if " frames (" in x)
    assert frames_line.startswith(f"adsbwatch: {stats['total']['messages']} frames (DF4 1, "
                                  "DF5 1, DF11 8, DF17 36)")
    by_df = {int(s.labels["df"]): s.value for s in metrics["adsbwatch_frames"].samples
             if s.name == "adsbwatch_frames_total"}
    assert by_df == {4: 1, 5: 1, 11: 8, 17: 36}
    assert stats["total"]["messages_by_df"][17] == 36
    gauges = {s.name: s.value for f in metrics.values() for s in f.samples}
    assert gauges["adsbwatch_aircraft"] == len(aircraft["aircraft"]) == 8
    assert gauges["adsbwatch_positions_total"] == 16
    assert gauges["adsbwatch_samples_total"] == 2_400_000
    assert gauges["adsbwatch_dropped_samples_total"] == 0
    assert -40 < gauges["adsbwatch_noise_dbfs"] < gauges["adsbwatch_signal_dbfs"] < 0
    assert "NAF01" in out  # the final table, as without --http


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_server_keeps_the_store(serve, store_location: str, signum: int) -> None:
    """On either backend: the map's history shows the watched visit while it serves, and
    the store keeps it after."""
    db = store_location
    server = serve("--db", db)
    server.wait_for_line("until Ctrl-C")

    def history() -> list[tuple[str, list[str]]]:
        return [(v["icao"], v["callsigns"]) for v in server.json("/api/visits")]

    # written once a second: a write before the callsign came (a slow replay on a busy
    # machine) shows the visit without it, the next with it
    wait_until(lambda: history() == [("484506", ["NAF01"])])
    status, _, err = server.stop(signum)
    assert status == 0, err
    assert raw_rows(db, "SELECT icao, callsigns FROM visits WHERE watched = 1") == [
        (0x484506, "NAF01")]
    assert raw_rows(db, "SELECT count(*) FROM track_points")[0][0] >= 1
    if db.startswith("postgresql://"):
        wait_until(lambda: not pg_clients(db))  # the recorder's and the map's, closed


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "--http", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"adsbwatch: error: --http {port}: cannot listen on 127.0.0.1:{port} (Address "
        "already in use); choose another port"]


def test_without_the_web_extra_http_says_what_to_install(tmp_path: Path) -> None:
    missing = tmp_path / "no_aiohttp" / "aiohttp"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'aiohttp'\", name='aiohttp')\n")
    result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "--http", str(free_port()),
                           env={"PYTHONPATH": str(missing.parent)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "adsbwatch: error: --http needs aiohttp, which is not installed: "
        "pip install 'adsbwatch[web]'"]
    # --write-json needs no extra.
    result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q", "--write-json",
                           str(tmp_path / "json"), env={"PYTHONPATH": str(missing.parent)})
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "json" / "aircraft.json").read_text())["messages"] == 46


def test_write_json_files_are_whole_while_the_run_writes_them(tmp_path: Path) -> None:
    # Four copies of the sample, played in real time: about four seconds of rewrites.
    recording = tmp_path / "four.cu8"
    recording.write_bytes(SAMPLE.read_bytes() * 4)
    out = tmp_path / "json"
    seen: dict[str, set[float]] = {"aircraft.json": set(), "stats.json": set()}
    failures: list[str] = []
    done = threading.Event()

    def read_all_the_time() -> None:
        while not done.is_set():
            for name, nows in seen.items():
                try:
                    data = (out / name).read_bytes()
                except FileNotFoundError:
                    continue
                try:
                    doc = json.loads(data)
                except ValueError:
                    failures.append(f"{name}: {data[:80]!r}... ({len(data)} bytes)")
                    continue
                nows.add(doc["now"] if name == "aircraft.json" else doc["total"]["end"])

    reader = threading.Thread(target=read_all_the_time, daemon=True)
    reader.start()
    try:
        result = run_adsbwatch("replay", str(recording), *SAMPLE_ARGS, "--no-db",
                               "--throttle", "--write-json", str(out))
    finally:
        done.set()
        reader.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert failures == []
    assert len(seen["aircraft.json"]) >= 3, seen  # rewritten as the run went on
    assert len(seen["stats.json"]) >= 3, seen
    final = json.loads((out / "aircraft.json").read_text())
    assert final["now"] == pytest.approx(1747387800.0 + 4.0, abs=0.2)
    assert json.loads((out / "stats.json").read_text())["total"]["local"][
        "samples_processed"] == 4 * 2_400_000


def test_only_http_imports_aiohttp_and_prometheus_client(tmp_path: Path) -> None:
    result = run_adsbwatch("replay", str(SAMPLE), "--no-db", "-q", "--write-json",
                           str(tmp_path), python_options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "adsbwatch.receiver.outputs.http.json_sink" in imported  # the check can see
    assert not {"aiohttp", "prometheus_client"} & imported


def test_live_serves_while_it_runs_on_the_wall_clock() -> None:
    """live through rtl_tcp (the sample looped at the dongle's pace): aircraft.json
    during the run, timed by the wall clock."""
    run_adsbwatch("replay", str(SAMPLE), "--raw", "-q")  # warms the kernel cache
    port = free_port()
    with RtlTcpServer(RtlTcpServing(SAMPLE.read_bytes(), loops=30, pace_rate=2_400_000)
                      ) as server:
        proc = subprocess.Popen(
            [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{server.port}",
             "--rate", "2.4M", "--no-db", "--no-reopen", "--stats-every", "0",
             "--watchlist", str(REPO / "samples" / "watchlist.txt"), "--lat", "52.3086",
             "--lon", "4.7639", "--http", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=checkout_env())
        live = Serving(proc, port)
        try:
            assert live.wait_for_line("serving").strip() == \
                f"adsbwatch: serving http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 20
            doc: dict = {"aircraft": []}
            while time.monotonic() < deadline and not any(
                    a["hex"] == "484506" and {"lat", "flight"} <= a.keys()
                    for a in doc["aircraft"]):
                time.sleep(0.5)
                doc = live.json("/data/aircraft.json")
            assert doc["now"] == pytest.approx(time.time(), abs=5)
            naf = next(a for a in doc["aircraft"] if a["hex"] == "484506")
            assert naf["flight"] == "NAF01   " and abs(naf["lat"] - 52.3) < 0.5
            stats = live.json("/data/stats.json")
            assert stats["latest"]["local"]["samples_processed"] > 0
            # The gain adsbwatch set on the server: the tuner's highest (R820T: 49.6 dB).
            assert stats["latest"]["local"]["gain_db"] == 49.6
        finally:
            proc.kill()
            proc.communicate(timeout=30)


def test_metrics_count_the_network_outputs_clients(serve) -> None:
    beast_port = free_port()
    server = serve("--no-db", "--beast-port", str(beast_port))
    server.wait_for_line("until Ctrl-C")
    with socket.create_connection(("127.0.0.1", beast_port), timeout=10):
        deadline = time.monotonic() + 10
        clients = None
        while time.monotonic() < deadline and clients != 1:
            time.sleep(1.1)  # the metrics are rebuilt once a second
            families = text_string_to_metric_families(server.get("/metrics").decode())
            clients = next(s.value for f in families for s in f.samples
                           if s.name == "adsbwatch_network_clients")
        assert clients == 1
    status, _, err = server.stop()
    assert status == 0, err


def test_stats_json_metrics_and_the_summary_agree(serve, tmp_path: Path) -> None:
    """Every figure is a view of the station's one statistics accumulator: frames,
    messages and positions are the same in stats.json's total (served and written),
    /metrics and the closing summary."""
    out = tmp_path / "json"
    server = serve("--no-db", "--write-json", str(out))
    server.wait_for_line("until Ctrl-C")
    served = server.get("/data/stats.json")
    total = json.loads(served)["total"]
    metrics = [s for f in text_string_to_metric_families(server.get("/metrics").decode())
               for s in f.samples]
    samples = {s.name: s for s in metrics}
    status, _, err = server.stop()
    assert status == 0, err
    assert (out / "stats.json").read_bytes() == served  # the final state, both ways
    frames_line = next(x for x in err.splitlines() if " frames (" in x)
    decoded_line = next(x for x in err.splitlines() if " messages decoded " in x)
    frames = int(frames_line.split()[1])
    messages = int(decoded_line.split()[1])
    positions = int(decoded_line.split(", ")[1].split()[0])
    metric_frames = sum(s.value for s in metrics if s.name == "adsbwatch_frames_total")
    assert (frames, messages, positions) == (46, 46, 16)  # the sample's
    assert total["messages"] == sum(total["messages_by_df"]) == frames
    assert total["cpr"]["global_ok"] + total["cpr"]["local_ok"] == positions
    assert metric_frames == frames
    assert samples["adsbwatch_messages_total"].value == messages
    assert samples["adsbwatch_positions_total"].value == positions
