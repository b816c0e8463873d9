"""`adsbwatch replay` with several outputs at once, and what happens when one goes: a
reader closing stdout, a full disk, an input that is not there."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from frames_support import demodulate_file
from support import REPO, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
WATCHLIST = REPO / "samples" / "watchlist.txt"
START = ["--start-time", "2025-05-16T09:30:00Z"]
RECEIVER = ["--lat", "52.3086", "--lon", "4.7639"]  # Schiphol: first fixes need a reference
WATCHED = 0x484506  # the sample's Dutch government 737, on samples/watchlist.txt
AVR_LINE = re.compile(r"\*[0-9a-f]{14}(?:[0-9a-f]{14})?;")


def stored(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def expected_avr() -> list[str]:
    return [f"*{h};" for h in demodulate_file(SAMPLE).hexes]


def test_raw_with_a_store_prints_every_frame_and_records_at_once(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    result = run_adsbwatch("replay", str(SAMPLE), "--raw", "--watchlist", str(WATCHLIST),
                           "--db", str(db), *START, *RECEIVER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected_avr()  # stdout: AVR lines and nothing else
    assert "SIGHTING 484506" in result.stderr  # the sighting goes to stderr with --raw
    visits = stored(db, "SELECT icao, label FROM visits")
    assert [(icao, label.startswith("Dutch government")) for icao, label in visits] == [
        (WATCHED, True)]
    assert stored(db, f"SELECT count(*) FROM track_points p JOIN visits v ON p.visit_id = v.id "
                      f"WHERE v.icao = {WATCHED}")[0][0] >= 2


def closed_pipe() -> int:
    """The write end of a pipe whose reader has already gone: every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


@pytest.mark.parametrize("mode", [["--raw"], ["--watchlist", str(WATCHLIST)],
                                  ["--watchlist", str(WATCHLIST), "--no-db"],
                                  ["--raw", "--watchlist", str(WATCHLIST)]])
def test_a_reader_that_left_is_no_error_in_any_mode(tmp_path: Path, mode: list[str]) -> None:
    """`adsbwatch replay ... | head -1`: exit 0 and nothing on stderr but the summary,
    whether stdout carries AVR lines or the table; what has a store still records."""
    db = tmp_path / "s.db"
    write_end = closed_pipe()
    try:
        result = run_adsbwatch("replay", str(SAMPLE), *mode, "--db", str(db), *START,
                               stdout=write_end, capture_output=False,
                               stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr and "error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    if "--watchlist" in mode and "--no-db" not in mode:
        assert stored(db, "SELECT icao FROM visits") == [(WATCHED,)]  # recording went on


def test_full_disk_in_decode_mode_is_one_line_and_the_store_still_records(
        tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    db = tmp_path / "s.db"
    with open("/dev/full", "w") as full:
        result = run_adsbwatch("replay", str(SAMPLE), "--watchlist", str(WATCHLIST),
                               "--db", str(db), *START, "-q", stdout=full,
                               capture_output=False, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "adsbwatch: warning: cannot write to stdout (No space left on device); "
        "the aircraft are still recorded"], result.stderr
    assert stored(db, "SELECT icao FROM visits") == [(WATCHED,)]


def test_closed_stdin_is_one_line() -> None:
    result = run_adsbwatch("replay", "-", "--raw", stdin=subprocess.DEVNULL,
                           preexec_fn=lambda: os.close(0))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "adsbwatch: error: stdin is closed: pipe samples in (e.g. rtl_sdr -f 1090e6 -s 2.4e6 "
        "- | adsbwatch replay -) or name a file"]


@pytest.mark.parametrize("gap", ["0", "-5", "nan", "inf", "soon"])
def test_visit_gaps_that_make_no_sense_are_refused(gap: str) -> None:
    result = run_adsbwatch("replay", str(SAMPLE), "--visit-gap", gap, "--no-db")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(
        "adsbwatch replay: error: argument --visit-gap: "), result.stderr
    assert "Traceback" not in result.stderr


def test_a_run_leaves_its_session_record(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    before = __import__("time").time()
    result = run_adsbwatch("replay", str(SAMPLE), "--watchlist", str(WATCHLIST),
                           "--db", str(db), *START, "-q")
    assert result.returncode == 0, result.stderr
    [(source, live, rate, samples, dropped, frames, started, ended)] = stored(
        db, "SELECT source, live, rate, samples, dropped, frames, started, ended FROM sessions")
    assert (source, live, rate, samples, dropped) == (str(SAMPLE), 0, 2_400_000, 2_400_000, 0)
    assert frames == len(expected_avr())
    assert before <= started <= ended  # the run's own wall-clock times, not the recording's
