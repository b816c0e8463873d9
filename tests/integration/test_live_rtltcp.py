"""The rtl_tcp bar: `adsbwatch live --rtl-tcp` fed in real time over loopback by an rtl_tcp
server prints exactly the frames `adsbwatch replay --raw` finds in the same samples."""

from __future__ import annotations

import subprocess

from rtltcp_server import RtlTcpServer, Serving
from support import adsbwatch_command, checkout_env, run_adsbwatch

RATE = 2_400_000
LOOPS = 20


def test_live_through_rtl_tcp_prints_the_frames_of_a_replay(recordings, tmp_path) -> None:
    data = (recordings / "modes1_resampled_cu8_2400k.bin").read_bytes()
    looped = tmp_path / "modes1_x20_cu8_2400k.bin"
    looped.write_bytes(data * LOOPS)
    replay = run_adsbwatch("replay", str(looped), "--raw", "-q")  # warms the kernel cache
    assert replay.returncode == 0, replay.stderr
    expected = replay.stdout.splitlines()
    assert len(expected) >= LOOPS * 340

    # The server plays the recording 20 times at the dongle's pace (3.6 s), then closes.
    # With --no-reopen that is the end, as for a service: every sample that came is
    # demodulated and printed, then one line says the server went, exit 1 (a service
    # manager restarts it). With --reopen (the default) it would wait for the server.
    with RtlTcpServer(Serving(data, loops=LOOPS, pace_rate=RATE)) as server:
        live = subprocess.run(
            [*adsbwatch_command(), "live", "--rtl-tcp", f"127.0.0.1:{server.port}",
             "--rate", "2.4M", "--raw", "--stats-every", "0",
             "--no-reopen"],
            env=checkout_env(), capture_output=True, text=True, timeout=120)
    assert server.bytes_sent == len(data) * LOOPS
    assert live.stderr.splitlines() == [
        f"adsbwatch: error: rtl_tcp 127.0.0.1:{server.port}: connection lost (the server "
        "closed it); not reconnecting (--no-reopen); check the server"]
    assert live.returncode == 1
    printed = live.stdout.splitlines()
    assert len(printed) == len(expected)
    assert printed == expected


def test_a_server_that_closes_after_its_header_is_tried_ever_less_often() -> None:
    """An rtl_tcp server that sends its header and closes, again and again: the waits
    between tries double (they started afresh after each connection made: two
    connections and two lines a second), and it is one warning in all."""
    import signal
    import time

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
