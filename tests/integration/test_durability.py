"""What a live receiver (stdin) has stored when it is stopped: SIGKILL, SIGTERM, Ctrl-C.

The receiver reads the bundled sample and then noise from a pipe, as from `rtl_sdr -`;
the test stops it while still feeding and compares the store with a plain replay of the
sample. The pipeline promises (pipeline.py) to write the store once a second of wall
time, so after a crash at most that last second is lost. On either backend, compared with
a replay into SQLite.
"""

from __future__ import annotations

import io
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import numpy as np
import pytest
from store_support import integrity, raw_rows
from support import adsbwatch_command, checkout_env

from adsbwatch.decoder.sim.scene import parse_truth
from adsbwatch.receiver.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
TRUTH = parse_truth((REPO / "samples" / "airport_2400k.truth.json").read_text())
START = TRUTH["start_time"]
START_EPOCH = datetime.fromisoformat(START).timestamp()
RECEIVER = ["--lat", str(TRUTH["receiver"]["lat"]), "--lon", str(TRUTH["receiver"]["lon"])]
WATCHED_ICAO = next(int(a["icao"], 16) for a in TRUTH["aircraft"] if a["watched"])
FEED_AFTER_SAMPLE_S = 3.0  # wall time of noise after the sample before the signal
NOISE_CHUNK = 1 << 20


def noise_cu8(n_bytes: int, seed: int = 0) -> bytes:
    """cu8 samples of receiver noise only (no frames can decode from it)."""
    rng = np.random.default_rng(seed)
    return np.clip(127.5 + rng.normal(0.0, 5.0, n_bytes), 0, 255).astype(np.uint8).tobytes()


@dataclass(frozen=True)
class Contents:
    """What a store holds, in comparable form."""

    visits: frozenset[tuple]  # (icao, first_seen, last_seen, callsigns, messages)
    points: dict[int, list[tuple[float, float, float]]]  # icao -> (t, lat, lon) in order
    integrity: str


def contents(db: Path | str) -> Contents:
    visits = frozenset(raw_rows(
        db, "SELECT icao, first_seen, last_seen, callsigns, messages FROM visits"))
    points: dict[int, list[tuple[float, float, float]]] = {}
    for icao, t, lat, lon in raw_rows(db, "SELECT v.icao, p.t, p.lat, p.lon FROM track_points p "
                                          "JOIN visits v ON v.id = p.visit_id "
                                          "ORDER BY p.t, p.rowid"):
        points.setdefault(icao, []).append((t, lat, lon))
    return Contents(visits, points, integrity(db))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Contents:
    """The store after a plain replay of the sample file."""
    folder = tmp_path_factory.mktemp("reference")
    db = folder / "ref.db"
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(io.StringIO()), \
            redirect_stderr(io.StringIO()):
        mp.setenv("XDG_DATA_HOME", str(folder / "xdg"))
        rc = main(["replay", str(SAMPLE), "--record-all", "--db", str(db),
                   "--start-time", START, *RECEIVER])
    assert rc == 0
    ref = contents(db)
    # a useful reference: every aircraft of the sample, and a track of the watched one
    assert len(ref.visits) == len(TRUTH["aircraft"]) and len(ref.points[WATCHED_ICAO]) >= 2
    return ref


class Feeder(threading.Thread):
    """Writes the queued chunks to the receiver's stdin, and noise whenever the queue is
    empty, until stopped or the receiver goes away."""

    def __init__(self, stdin: IO[bytes], err_path: Path) -> None:
        super().__init__(daemon=True)
        self.stdin = stdin
        self.err_path = err_path  # the receiver's stderr, to show when it stops early
        self.noise = noise_cu8(NOISE_CHUNK)
        self.pending: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.written = 0
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    chunk = self.pending.get_nowait()
                except queue.Empty:
                    chunk = self.noise
                self.stdin.write(chunk)
                self.stdin.flush()
                self.written += len(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass  # the receiver exited (or the pipe was closed): feeding is over

    def receiver_err(self) -> str:
        return self.err_path.read_text(errors="replace")[-3000:]

    def wait_for(self, n_bytes: int, timeout: float = 60.0) -> None:
        """Until `n_bytes` are in the pipe: the receiver has read all but the pipe's
        buffer, however slowly it started."""
        deadline = time.monotonic() + timeout
        while self.written < n_bytes:
            assert self.is_alive(), f"the receiver stopped reading:\n{self.receiver_err()}"
            assert time.monotonic() < deadline, "the receiver does not read its input"
            time.sleep(0.02)


@dataclass(frozen=True)
class Run:
    """Where a receiver writes: its store (--db) and its output files."""

    db: str
    folder: Path

    @property
    def out(self) -> Path:
        return self.folder / "receiver.out"

    @property
    def err(self) -> Path:
        return self.folder / "receiver.err"


@pytest.fixture
def run(store_location: str, tmp_path: Path) -> Run:
    """A live receiver's store, once per backend."""
    return Run(store_location, tmp_path)


@contextmanager
def receiver(run: Run) -> Iterator[tuple[subprocess.Popen[bytes], Feeder]]:
    """A live receiver on stdin and its feeder; whatever happens, neither outlives the
    test."""
    # Output to files, not pipes: nothing to drain while the feeder owns stdin.
    with open(run.out, "wb") as out, open(run.err, "wb") as err:
        proc = subprocess.Popen(
            [*adsbwatch_command(), "replay", "-", "--format", "cu8", "--rate", "2.4M",
             "--record-all", "--db", run.db, "--start-time", START, *RECEIVER],
            stdin=subprocess.PIPE, stdout=out, stderr=err, env=checkout_env(), cwd=run.folder)
    assert proc.stdin is not None
    feeder = Feeder(proc.stdin, run.err)
    try:
        yield proc, feeder
    finally:
        feeder.stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if feeder.is_alive():
            feeder.join(timeout=10)
        with suppress(OSError, ValueError):
            proc.stdin.close()


def stop_receiver(proc: subprocess.Popen[bytes], feeder: Feeder, run: Run,
                  stop: int) -> tuple[int, str, str]:
    """Send `stop` while still feeding; the exit status, stdout and stderr."""
    assert proc.poll() is None, f"the receiver ended by itself:\n{feeder.receiver_err()}"
    assert feeder.is_alive()
    proc.send_signal(stop)
    try:
        proc.wait(timeout=60)  # its exit ends the feeder too (EPIPE)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)  # its threads' stacks, to say where it hangs
        time.sleep(1.0)
        raise AssertionError(f"the receiver did not stop:\n{feeder.receiver_err()}") from None
    return proc.returncode, run.out.read_text(), run.err.read_text()


def run_and_stop(run: Run, stop: int) -> tuple[int, str, str]:
    """The sample, then noise for FEED_AFTER_SAMPLE_S of wall time, then `stop`."""
    with receiver(run) as (proc, feeder):
        sample = SAMPLE.read_bytes()
        feeder.pending.put(sample)
        feeder.start()
        feeder.wait_for(len(sample) + 2 * NOISE_CHUNK)
        time.sleep(FEED_AFTER_SAMPLE_S)
        return stop_receiver(proc, feeder, run, stop)


def assert_complete(db: str, reference: Contents) -> None:
    got = contents(db)
    assert got.integrity == "ok"
    assert {v[0] for v in got.visits} == {v[0] for v in reference.visits}
    assert got.points[WATCHED_ICAO] == reference.points[WATCHED_ICAO]
    # in fact everything: every visit and every point of every aircraft
    assert got.visits == reference.visits
    assert got.points == reference.points


def test_sigkill_loses_at_most_the_last_second(run: Run, reference: Contents) -> None:
    rc, _, _ = run_and_stop(run, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    assert_complete(run.db, reference)


def test_frames_arriving_later_flush_what_came_before(run: Run, reference: Contents) -> None:
    """The once-a-second write does happen when frames keep coming: the sample, quiet,
    the sample again (its frames trigger the write), then SIGKILL. The first pass is
    complete in the store; the second may be partly lost (it is the last second)."""
    sample = SAMPLE.read_bytes()
    with receiver(run) as (proc, feeder):
        feeder.pending.put(sample)
        feeder.start()
        feeder.wait_for(len(sample) + 2 * NOISE_CHUNK)
        time.sleep(1.5)  # more than the 1 s between writes
        feeder.pending.put(sample)
        mark = feeder.written
        feeder.wait_for(mark + len(sample) + 2 * NOISE_CHUNK)
        time.sleep(0.5)
        rc, _, _ = stop_receiver(proc, feeder, run, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    got = contents(run.db)
    assert got.integrity == "ok"
    assert {v[0] for v in got.visits} == {v[0] for v in reference.visits}
    first_pass = {icao: [p for p in track if p[0] < START_EPOCH + TRUTH["duration_s"]]
                  for icao, track in got.points.items()}
    assert first_pass == reference.points


@pytest.mark.parametrize("stop, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])
def test_termination_commits_everything(run: Run, reference: Contents,
                                        stop: int, status: int) -> None:
    rc, out, err = run_and_stop(run, stop)
    assert rc == status, err
    assert "Traceback" not in err
    # the aircraft table is still printed on the way out
    assert all(callsign in out for _, _, _, callsign, _ in reference.visits)
    assert_complete(run.db, reference)
    # no row was left over for a fallback file (beside the database, or in the working
    # folder for a server's)
    assert not list(run.folder.rglob("*.unsaved-*"))
