"""The rtl_tcp bar: `adsbwatch live --rtl-tcp` fed in real time over loopback by an rtl_tcp
server prints exactly the frames `adsbwatch replay --raw` finds in the same samples, to
the last one: when the server closes at the end (with --no-reopen, and with the default
reopen, before any stop), and when a SIGTERM stops the run while connected."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from rtltcp_server import RtlTcpServer, Serving
from support import adsbwatch_command, checkout_env, run_adsbwatch

RATE = 2_400_000
LOOPS = 20


@pytest.fixture(scope="module")
def modes1(recordings: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[bytes, list[str]]:
    """modes1 at 2.4 MS/s (0.18 s) and the frames a replay prints of it looped 20 times
    (3.6 s; the end falls in the middle of the 9th block of 2**20 samples)."""
    data = (recordings / "modes1_resampled_cu8_2400k.bin").read_bytes()
    looped = tmp_path_factory.mktemp("modes1") / "modes1_x20_cu8_2400k.bin"
    looped.write_bytes(data * LOOPS)
    replay = run_adsbwatch("replay", str(looped), "--raw", "-q")  # warms the kernel cache
    assert replay.returncode == 0, replay.stderr
    expected = replay.stdout.splitlines()
    assert len(expected) >= LOOPS * 340
    return data, expected


def live(port: int, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{port}", "--rate", "2.4M",
         "--raw", "--stats-every", "0", *options],
        env=checkout_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Lines:
    """A process's stdout lines as they come, read in a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, count: int, seconds: float) -> list[str]:
        """The lines once `count` came (or `seconds` passed: a bound, not a timing)."""
        deadline = time.monotonic() + seconds
        while len(self.lines) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.lines)

    def stderr(self) -> str:
        """Its stderr, once it has ended (stdout stays with the thread)."""
        assert self.process.stderr is not None
        err = self.process.stderr.read()
        self.process.wait(60)
        return err

    def all(self) -> list[str]:
        self._thread.join(30)
        return self.lines


def test_live_through_rtl_tcp_prints_the_frames_of_a_replay(modes1) -> None:
    data, expected = modes1
    # The server plays the recording 20 times at the dongle's pace (3.6 s), then closes.
    # With --no-reopen that is the end, as for a service: every sample that came is
    # demodulated and printed, then one line says the server went, exit 1 (a service
    # manager restarts it).
    with RtlTcpServer(Serving(data, loops=LOOPS, pace_rate=RATE)) as server:
        process = live(server.port, "--no-reopen")
        out, err = process.communicate(timeout=120)
    assert server.bytes_sent == len(data) * LOOPS
    assert err.splitlines() == [
        f"adsbwatch: error: rtl_tcp 127.0.0.1:{server.port}: connection lost (the server "
        "closed it); not reconnecting (--no-reopen); check the server"]
    assert process.returncode == 1
    printed = out.splitlines()
    assert len(printed) == len(expected)
    assert printed == expected


def test_a_server_gone_for_good_leaves_no_frame_behind(modes1) -> None:
    # The same, reopening (the default): the run waits for the server to come back, and
    # meanwhile every frame it sent is printed, the last block's too (issue 14, fault 5:
    # the samples since the last whole block waited for the reconnection). Then SIGTERM.
    data, expected = modes1
    with RtlTcpServer(Serving(data, loops=LOOPS, pace_rate=RATE, once=True)) as server:
        process = live(server.port)
        lines = Lines(process)
        while_away = lines.wait_for(len(expected), 60)
        server_gone = not server.listening
        process.send_signal(signal.SIGTERM)
        err = lines.stderr()
    assert server_gone and while_away == expected
    assert process.returncode == 143
    assert lines.all() == expected
    warning, summary = err.splitlines()
    assert warning.startswith(f"adsbwatch: warning: rtl_tcp 127.0.0.1:{server.port}: "
                              "connection lost (the server closed it)")
    assert summary.startswith(f"adsbwatch: {len(expected)} frames (")
    assert summary.endswith(", dropped 0 samples")


def test_a_stop_while_connected_prints_every_frame_received(modes1) -> None:
    # SIGTERM while the server is still connected, silent after its 20 loops: the
    # samples since the last whole block are demodulated on the way out (issue 15, L8).
    data, expected = modes1
    with RtlTcpServer(Serving(data, loops=LOOPS, pace_rate=RATE, linger=True)) as server:
        process = live(server.port)
        lines = Lines(process)
        assert server.finished.wait(60)
        time.sleep(0.5)  # the last bytes on their way through loopback
        before_stop = len(lines.lines)
        process.send_signal(signal.SIGTERM)
        err = lines.stderr()
    assert process.returncode == 143, err
    assert before_stop < len(expected)  # the last block's frames came with the stop
    assert lines.all() == expected
    assert err.splitlines()[-1].startswith(f"adsbwatch: {len(expected)} frames (")


def test_a_server_that_closes_after_its_header_is_tried_ever_less_often() -> None:
    """An rtl_tcp server that sends its header and closes, again and again: the waits
    between tries double (they started afresh after each connection made: two
    connections and two lines a second), and it is one warning in all."""
    with RtlTcpServer(Serving(b"")) as server:
        live = subprocess.Popen(
            [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{server.port}",
             "--raw", "--no-db", "--stats-every", "0"],
            env=checkout_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while server.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(4.0)  # tries at 0, 0.5, 1.5, 3.5 s: 4 (with waits of 0.5 s: 9)
            connections = server.connections
        finally:
            live.send_signal(signal.SIGINT)
            _, err = live.communicate(timeout=60)
    assert 3 <= connections <= 5, err
    assert [line for line in err.splitlines() if "connection" in line] == [
        f"adsbwatch: warning: rtl_tcp 127.0.0.1:{server.port}: connection lost (the server "
        "closed it) 0.0 s after it was made; reconnecting, the wait doubling up to 30 s "
        "until a connection holds"]
    assert live.returncode == 130
