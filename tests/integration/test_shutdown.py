"""Stopping a receiver while its store is locked: the first Ctrl-C (or SIGTERM) stops it,
later ones cannot cut its shutdown short, and what the locked database could not take
ends up in an .unsaved file that the user is told about."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import REPO, adsbwatch_command, checkout_env, run_adsbwatch

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
REPRO = REPO.parent / "shared" / "repro" / "double_interrupt.py"


def feed(proc: subprocess.Popen[bytes], data: bytes, seconds: float) -> None:
    """The sample again and again at about real time, as a dongle would deliver it."""
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            proc.stdin.write(data)  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            time.sleep(0.5)
    except (BrokenPipeError, ValueError, OSError):
        pass


def points(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM track_points").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def wait_for_points(db: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while points(db) == 0:
        assert time.monotonic() < deadline, "the receiver stored nothing"
        time.sleep(0.2)


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM])
def test_a_second_signal_while_the_store_is_locked_loses_nothing(
        tmp_path: Path, second: signal.Signals) -> None:
    db = tmp_path / "s.db"
    proc = subprocess.Popen(
        [*adsbwatch_command(), "replay", "-", "--record-all", "--db", str(db),
         "--lat", "52.3086", "--lon", "4.7639", "--start-time", "2025-05-16T09:30:00Z", "-q"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=checkout_env())
    threading.Thread(target=feed, args=(proc, SAMPLE.read_bytes(), 120), daemon=True).start()
    wait_for_points(db)  # the receiver runs and commits (after Numba's first compile)
    lock = sqlite3.connect(db, isolation_level=None, timeout=10)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        time.sleep(1.5)  # rows pile up behind the lock
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)  # the shutdown now waits on the lock
        proc.send_signal(second)
        err = proc.stderr.read().decode()  # type: ignore[union-attr]
        status = proc.wait(timeout=60)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert status == 130, err  # the first signal's status
    assert "Traceback" not in err
    assert "adsbwatch: saving what was received" in err
    unsaved = list(tmp_path.glob("s.db.unsaved-*.jsonl"))
    assert len(unsaved) == 1, err
    rows = unsaved[0].read_text().splitlines()
    assert rows, "the rows held back by the lock are in the file"
    assert str(unsaved[0]) in err and "adsbwatch store restore" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_shared_reproduction_finds_nothing_lost() -> None:
    if not REPRO.is_file():
        pytest.skip(f"{REPRO} not present: the shared reproductions sit beside the repository")
    # Its timings assume compiled kernels: have them in the session's cache first.
    warm = run_adsbwatch("replay", str(SAMPLE), "--raw", "-q")
    assert warm.returncode == 0, warm.stderr
    result = subprocess.run([sys.executable, str(REPRO)], cwd=REPO, env=checkout_env(),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("-> OK"), result.stdout
