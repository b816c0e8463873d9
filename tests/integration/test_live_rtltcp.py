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
