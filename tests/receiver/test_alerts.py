"""The --on-sighting command: run without a shell, never holding up the station, at most
MAX_RUNNING at once, each killed after its timeout, and everything done or stopped
within a bounded wait at the end (a notifier that hangs once made a stop take 80 s and
400 sightings ran 400 processes at once)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.visits import Visit
from adsbwatch.receiver.core.events import Sighting
from adsbwatch.receiver.outputs.alerts import CommandRunner


def sighting(icao: int, label: str = "NAF") -> Sighting:
    ac = Aircraft(icao, 100.0, 100.0, callsign="NAF01")
    return Sighting(Visit(icao, icao, label, True, 100.0, 100.0), ac)


def command(log: Path, sleep_s: float) -> list[str]:
    """A notifier that writes its pid and the sighting it got, then sleeps."""
    code = ("import json, os, sys, time; data = json.load(sys.stdin); "
            f"open({str(log)!r}, 'a').write(f'{{os.getpid()}} {{data[\"icao\"]}} "
            f"{{os.environ[\"ADSBWATCH_LABEL\"]}}\\n'); time.sleep({sleep_s})")
    return [sys.executable, "-c", code]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_commands_get_the_sighting_and_finish(tmp_path: Path) -> None:
    log = tmp_path / "log"
    warnings: list[str] = []
    runner = CommandRunner(command(log, 0.0), warnings.append)
    for icao in (0x484506, 0x4840D6):
        runner.submit(sighting(icao))
    runner.close()
    lines = sorted(line.split()[1:] for line in log.read_text().splitlines())
    assert lines == [["4840d6", "NAF"], ["484506", "NAF"]]
    assert (runner.started, runner.killed, runner.not_run, warnings) == (2, 0, 0, [])


def test_hung_commands_are_bounded_killed_and_stopped_at_the_end(tmp_path: Path) -> None:
    log = tmp_path / "log"
    warnings: list[str] = []
    runner = CommandRunner(command(log, 60.0), warnings.append, max_running=2, timeout_s=1.0)
    submitted = time.monotonic()
    for icao in range(0x400000, 0x400006):
        runner.submit(sighting(icao))
    assert time.monotonic() - submitted < 0.5  # submitting never waits for a command
    most = 0
    deadline = time.monotonic() + 30
    while runner.started < 4 and time.monotonic() < deadline:
        most = max(most, runner.running)
        time.sleep(0.02)
    assert most <= 2 and runner.started >= 4  # two at a time, the hung ones killed
    assert runner.killed >= 2
    assert any("ran longer than 1 s; killed it" in w for w in warnings)
    runner.close(wait_s=1.0)
    pids = [int(line.split()[0]) for line in log.read_text().splitlines()]
    assert pids and not any(alive(pid) for pid in pids)  # nothing left running
    assert runner.started + runner.not_run == 6 or runner.started == 6


def test_a_command_that_cannot_start_is_one_warning_and_alerts_go_on(tmp_path: Path) -> None:
    warnings: list[str] = []
    runner = CommandRunner([str(tmp_path / "no-such-notifier")], warnings.append)
    runner.submit(sighting(0x484506))
    runner.submit(sighting(0x4840D6))
    runner.close()
    assert runner.failures == 2 and runner.started == 0
    assert all(w.startswith("--on-sighting: cannot run ") and "No such file" in w
               for w in warnings) and len(warnings) == 2
    json.dumps(sighting(1).as_dict())  # what a command gets is JSON
