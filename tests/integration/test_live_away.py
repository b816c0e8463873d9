"""A live run whose rtl_tcp server goes away: its clock goes on with the wall clock, the
aircraft age and leave, and every output says that no data arrives (issue 14's bar:
aircraft.json's `now` within 5 s of the wall clock, no aircraft listed once they expired,
`no_data_since`, /metrics' aircraft gauge 0 and data_arriving 0). The aircraft expire
after 3 s here (--aircraft-expiry) where a run's default is 60 s, so the test takes
seconds."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rtltcp_server import RtlTcpServer, Serving
from support import REPO, adsbwatch_command, checkout_env

SAMPLE = REPO / "samples" / "airport_2400k.cu8"  # 1 s at 2.4 MS/s, eight aircraft
RATE = 2_400_000
EXPIRY_S = 3.0
BOUND_S = 60.0  # for a stuck run, not a timing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aircraft_json(folder: Path) -> dict:
    try:
        return json.loads((folder / "aircraft.json").read_text())
    except FileNotFoundError:
        return {"aircraft": []}


def metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {sample.name: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples}


def wait_for(folder: Path, wanted: Callable[[dict], bool], what: str) -> dict:
    """aircraft.json once it is as `wanted`."""
    deadline = time.monotonic() + BOUND_S
    while not wanted(doc := aircraft_json(folder)):
        assert time.monotonic() < deadline, what
        time.sleep(0.25)
    return doc


def test_after_the_server_goes_aircraft_expire_on_the_wall_clock_and_outputs_say_so(
        tmp_path: Path) -> None:
    port, folder = free_port(), tmp_path / "json"
    folder.mkdir()
    server = RtlTcpServer(Serving(SAMPLE.read_bytes(), loops=600, pace_rate=RATE)).start()
    proc = subprocess.Popen(
        [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{server.port}",
         "--rate", "2.4M", "--no-db", "--stats-every", "0", "--lat", "52.3086",
         "--lon", "4.7639", "--http", str(port), "--write-json", str(folder),
         "--aircraft-expiry", f"{EXPIRY_S:g}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=checkout_env())
    try:
        heard = wait_for(folder, lambda doc: len(doc["aircraft"]) >= 5, "aircraft listed")
        while_heard = metrics(port)
        server.stop()  # gone: connection closed, nothing listens
        gone = time.time()
        doc = wait_for(folder, lambda doc: "no_data_since" in doc and not doc["aircraft"],
                       "the aircraft expired")
        emptied = time.time()
        after = metrics(port)
        later = aircraft_json(folder)
    finally:
        server.stop()
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=60)[1]
    assert "484506" in {a["hex"] for a in heard["aircraft"]}
    assert while_heard["adsbwatch_aircraft"] >= 5 and while_heard["adsbwatch_data_arriving"] == 1
    # The clock went on: `now` is the wall clock's; the aircraft left once EXPIRY_S had
    # passed since they were heard last (the last block's frames, up to 0.44 s before
    # the data last came), not before.
    assert abs(doc["now"] - emptied) < 5 and abs(later["now"] - time.time()) < 5
    # Since the last data handed on: what the server sent last, demodulated as it went.
    assert abs(doc["no_data_since"] - gone) < 2
    assert doc["now"] > doc["no_data_since"] + EXPIRY_S - 1 and later["aircraft"] == []
    assert after["adsbwatch_aircraft"] == 0 and after["adsbwatch_data_arriving"] == 0
    assert after["adsbwatch_no_data_since_timestamp_seconds"] == pytest.approx(
        doc["no_data_since"], abs=0.1)  # aircraft.json says it to a tenth of a second
    assert proc.returncode == 143, err
    assert f"rtl_tcp 127.0.0.1:{server.port}: connection lost" in err
