"""`adsbwatch live` on a dongle, end to end in a subprocess whose `import rtlsdr` finds the
fake pyrtlsdr (tests/fake_rtlsdr.py) first on its path: the real import path, the real
command line, the one-line failures and their exit statuses, the store's rows."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from fake_rtlsdr import R820T_GAINS_DB, shim_environment
from frames_support import demodulate_file
from support import REPO, adsbwatch_command, checkout_env, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
RECEIVER = ["--lat", "52.3086", "--lon", "4.7639"]  # Schiphol: first fixes need a reference
WATCHED = 0x484506  # the sample's Dutch government 737, on samples/watchlist.txt
QUIET = ["--stats-every", "0"]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("adsbwatch: error:")]


def test_no_dongle_is_one_line_and_exit_1(tmp_path: Path) -> None:
    env = shim_environment(tmp_path, plugged=False)
    result = run_adsbwatch("live", "--raw", *QUIET, env=env)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1
    line = result.stderr.strip()
    assert line.startswith("adsbwatch: error: rtlsdr:0: no RTL-SDR dongle could be opened (")
    for hint in ("plugged in", "dump1090", "dvb_usb_rtl28xxu", "udev"):
        assert hint in line


def test_a_wrong_gain_lists_the_tuners_gains_and_exits_2(tmp_path: Path) -> None:
    env = shim_environment(tmp_path, recording=SAMPLE)
    result = run_adsbwatch("live", "--raw", "--gain", "13", *QUIET, env=env)
    assert result.returncode == 2, result.stderr
    gains = ", ".join(f"{g:.1f}" for g in R820T_GAINS_DB)
    assert error_lines(result.stderr) == [
        f"adsbwatch: error: --gain 13: this tuner's gains are {gains} dB (or auto, max)"]
    assert result.stdout == ""


def test_a_serial_nobody_has_says_no_such_dongle(tmp_path: Path) -> None:
    env = shim_environment(tmp_path, recording=SAMPLE, serials=("00000001",))
    result = run_adsbwatch("live", "--raw", "--device", "serial:NOPE", *QUIET, env=env)
    assert result.returncode == 1, result.stderr
    assert error_lines(result.stderr) == [
        "adsbwatch: error: rtlsdr serial:NOPE: no dongle has serial NOPE (plugged in: "
        "00000001); rtl_test lists them, rtl_eeprom -s sets one"]


def test_a_pyrtlsdr_without_librtlsdr_says_how_to_install_it(tmp_path: Path) -> None:
    broken = "raise ImportError('Error loading librtlsdr. Make sure librtlsdr is in your path')\n"
    env = shim_environment(tmp_path, shim=broken)
    result = run_adsbwatch("live", "--raw", *QUIET, env=env)
    assert result.returncode == 1, result.stderr
    assert error_lines(result.stderr) == [
        "adsbwatch: error: pyrtlsdr cannot load librtlsdr (Error loading librtlsdr. Make sure "
        "librtlsdr is in your path); install it with its bundled library: "
        "pip install 'pyrtlsdr[lib]'"]


def test_the_installed_pyrtlsdr_without_a_dongle_is_one_line(tmp_path: Path) -> None:
    """The real pyrtlsdr and librtlsdr, on a machine with no dongle plugged in."""
    pytest.importorskip("rtlsdr", reason="pyrtlsdr[lib] is not installed here")
    result = run_adsbwatch("live", "--raw", *QUIET)
    if result.returncode == 0:
        pytest.skip("a dongle is plugged in here")
    assert result.returncode == 1, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith(
        "adsbwatch: error: rtlsdr:0: no RTL-SDR dongle could be opened (")


def test_live_stores_the_watched_visit_at_wall_clock_times(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    env = shim_environment(tmp_path, recording=SAMPLE)
    started = time.time()
    # The fake dongle "goes" once its recording is played; --no-reopen then ends the run.
    result = run_adsbwatch("live", "--db", str(db), "--watchlist", str(WATCHLIST), *RECEIVER,
                           "--no-reopen", *QUIET, env=env)
    ended = time.time()
    assert result.returncode == 1, result.stderr
    assert error_lines(result.stderr) == [
        "adsbwatch: error: rtlsdr:0: the dongle is gone (librtlsdr ended its read); not "
        "reopening it (--no-reopen)"]
    conn = sqlite3.connect(db)
    try:
        visits = conn.execute("SELECT icao, label, watched, first_seen, last_seen FROM visits"
                              ).fetchall()
        points = conn.execute("SELECT count(*) FROM track_points").fetchone()[0]
    finally:
        conn.close()
    assert [(icao, label.startswith("Dutch government"), watched)
            for icao, label, watched, _, _ in visits] == [(WATCHED, True, 1)]
    _, _, _, first_seen, last_seen = visits[0]
    # Wall-clock times: within the run (the sample is one second of signal).
    assert started - 2.0 <= first_seen <= last_seen <= ended
    assert points >= 2


def test_ctrl_c_stops_a_live_run_cleanly(tmp_path: Path) -> None:
    # Real time, the one-second recording four times: it still plays when the first
    # frames are out.
    env = shim_environment(tmp_path, recording=SAMPLE, pace=1.0, loops=4, at_end="idle")
    # A fixed gain: the adaptive one may step and the fake then changes the bytes.
    process = subprocess.Popen([*adsbwatch_command(), "live", "--raw", "--gain", "max", *QUIET],
                               env=checkout_env(env), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()  # the first frame: the station runs
        process.send_signal(signal.SIGINT)
        # Read on through the same buffered reader: it may hold lines after the first.
        rest = process.stdout.read()
        stderr = process.stderr.read()
        process.wait(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "error" not in stderr
    printed = (first + rest).splitlines()
    once = [f"*{h};" for h in demodulate_file(SAMPLE).hexes]
    # What was printed of the first loop is what a replay finds (later loops' frames
    # may differ at the joins).
    assert printed and printed[:len(once)] == once[:len(printed)]
