"""Churn: a long live run in which many different aircraft pass (2,000 in 2 hours by
default). Does the station's memory stay flat once the sky is full, and does the
terminal table stay within the tracker's bound?

A Beast server on loopback (in this process) sends what the aircraft say, at real pace,
with each aircraft's frames made by the project's encoder: an identification every 5 s,
an airborne position (even and odd by turns) and a velocity every 0.5 s, an all-call
reply every 2 s. Aircraft arrive evenly over the run and each stays `--stay` seconds,
flying a straight line near the receiver. `adsbwatch live --net-connect` reads it with
the store on (`--record-all`), so visits, points and minutes are written all along.

The receiver's resident memory (VmRSS) is read every 10 s; the report compares the end
with 10 minutes in (the sky full by then), and counts the rows of the closing table.

    python benchmarks/churn.py --seconds 7200 --aircraft 2000
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adsbwatch.decoder.frames.batch import FrameBatch  # noqa: E402
from adsbwatch.decoder.sim import encode  # noqa: E402
from adsbwatch.receiver.outputs.net.beast import beast_bytes  # noqa: E402

RECEIVER = (52.3086, 4.7639)
ROW = re.compile(r"^\s*[0-9A-F]{6}\s", re.M)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Sky:
    """Aircraft i arrives at i * seconds / count and stays `stay` seconds."""

    def __init__(self, count: int, seconds: float, stay: float) -> None:
        self.count, self.seconds, self.stay = count, seconds, stay
        rng = np.random.default_rng(1)
        self.bearing = rng.uniform(0, 2 * math.pi, count)
        self.callsigns = [f"CHN{i:04d}" for i in range(count)]

    def present(self, t: float) -> range:
        first = max(0, math.ceil((t - self.stay) * self.count / self.seconds))
        last = min(self.count - 1, math.floor(t * self.count / self.seconds))
        return range(first, last + 1)

    def place(self, i: int, t: float) -> tuple[float, float]:
        """On a line through the receiver, 100 km before it to 100 km after."""
        arrive = i * self.seconds / self.count
        along = -100.0 + 200.0 * (t - arrive) / self.stay  # km
        dlat = along * math.cos(self.bearing[i]) / 111.0
        dlon = along * math.sin(self.bearing[i]) / (111.0 * math.cos(math.radians(52.3)))
        return RECEIVER[0] + dlat, RECEIVER[1] + dlon


def frames_at(sky: Sky, step: int, t: float) -> list[bytes]:
    """What the sky says in the half second `step` (t: seconds since the start)."""
    out = []
    for i in sky.present(t):
        icao = 0x400000 + i
        lat, lon = sky.place(i, t)
        out.append(encode.airborne_position(icao, lat, lon, 30000, odd=step % 2 == 1))
        out.append(encode.airborne_velocity(icao, 430, math.degrees(sky.bearing[i]) % 360, 0))
        if (step + i) % 10 == 0:
            out.append(encode.identification(icao, sky.callsigns[i]))
        if (step + i) % 4 == 0:
            out.append(encode.all_call_reply(icao))
    return out


def serve(sky: Sky, server: socket.socket, stop: threading.Event) -> None:
    conn, _ = server.accept()
    started = time.monotonic()
    step = 0
    while not stop.is_set():
        t = 0.5 * step
        wait = started + t - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        frames = frames_at(sky, step, min(t, sky.seconds))
        if frames:
            msg = np.zeros((len(frames), 14), np.uint8)
            for k, f in enumerate(frames):
                msg[k, :len(f)] = np.frombuffer(f, np.uint8)
            ticks = np.full(len(frames), round(t * 12e6), np.int64) + np.arange(len(frames))
            batch = FrameBatch(msg, ticks, np.full(len(frames), 0.2, np.float32),
                               np.zeros(len(frames), np.uint8))
            try:
                conn.sendall(beast_bytes(batch))
            except OSError:
                return
        step += 1
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=7200.0)
    parser.add_argument("--aircraft", type=int, default=2000)
    parser.add_argument("--stay", type=float, default=360.0)
    parser.add_argument("--early", type=float, default=600.0,
                        help="the moment compared with the end (default 10 minutes)")
    args = parser.parse_args()
    sky = Sky(args.aircraft, args.seconds, args.stay)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()
    threading.Thread(target=serve, args=(sky, server, stop), daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stdout.txt"
        command = [sys.executable, "-m", "adsbwatch", "live", "--net-connect",
                   f"127.0.0.1:{port}", "--record-all", "--db", str(Path(tmp) / "churn.db"),
                   "--lat", str(RECEIVER[0]), "--lon", str(RECEIVER[1]),
                   "--stats-every", "600"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with out.open("w") as stdout:
            proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE,
                                    text=True, env=env)
            started = time.monotonic()
            samples: list[tuple[float, int]] = []
            while time.monotonic() - started < args.seconds:
                time.sleep(10)
                if proc.poll() is not None:
                    print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
                    raise SystemExit("adsbwatch ended early")
                samples.append((time.monotonic() - started, rss_kib(proc.pid)))
            proc.send_signal(signal.SIGINT)
            stderr = proc.communicate(timeout=60)[1]
        stop.set()
        rows = len(ROW.findall(out.read_text()))
    early = min(samples, key=lambda s: abs(s[0] - args.early))
    end = samples[-1]
    peak = max(kib for _, kib in samples)
    print(f"aircraft {args.aircraft} over {args.seconds:.0f} s (stay {args.stay:.0f} s), "
          f"about {args.aircraft * args.stay / args.seconds:.0f} at once")
    print(f"RSS at {early[0]:.0f} s: {early[1] / 1024:.1f} MiB; at the end ({end[0]:.0f} s): "
          f"{end[1] / 1024:.1f} MiB ({100 * (end[1] / early[1] - 1):+.1f}%); "
          f"peak {peak / 1024:.1f} MiB")
    print(f"closing table rows: {rows}")
    print("stderr tail:", *stderr.splitlines()[-4:], sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
