"""Soak with churn: what a day of a service's life throws at it, faster. Do memory and
open files stay flat, are no samples lost while connected, and does every stop finish
within 10 s?

`adsbwatch live` reads an rtl_tcp server (modes1, looped at real pace) and a Beast peer
(many aircraft passing, benchmarks/churn.py's sky), with the store on (--record-all),
the Beast/AVR/SBS servers and --http. Meanwhile, each at a day's count compressed into
the run (`--day-equivalents`):
- the rtl_tcp server goes away for 20 s and comes back (24 times a day);
- the Beast peer closes the connection and is back at once (48 times a day);
- output clients come and go: readers that read for a while and close, clients that
  connect and never read (until the server drops them), resets (a client a minute);
- HTTP requests: aircraft.json, stats.json, /metrics every few seconds, and now and
  then a request that sends half a header and waits;
- the database is locked by another program for 30 s (12 times a day);
- the service is stopped (SIGTERM) and started again (4 times a day).

Every 10 s it reads the process' RSS and open files. The report: each stop's time, the
RSS and open files of each run of the service (2 minutes in against its end), and the
dropped samples the stats lines counted (lost while connected; time away is apart).

    python benchmarks/soak_churn.py --seconds 3600 --day-equivalents 1
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from churn import Sky, serve  # noqa: E402
from rtltcp_server import RtlTcpServer, Serving  # noqa: E402

RECORDING = ROOT.parent / "shared" / "recordings" / "modes1_resampled_cu8_2400k.bin"
RATE = 2_400_000
DAY_S = 86_400.0
DROPPED = re.compile(r"dropped (\d+) \((\d+) total\)")
STOP_LIMIT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Service:
    """One run of `adsbwatch live` between two stops."""

    started: float
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, RSS, fds)
    stop_s: float | None = None
    exit_status: int | None = None


class Churn:
    """The events of a day, compressed: each at its own pace, in its own thread."""

    def __init__(self, scale: float, ports: dict[str, int], db: Path,
                 rtltcp: RtlTcpServer, stop: threading.Event) -> None:
        self.scale = scale  # seconds of the run per second of a day
        self.ports, self.db, self.rtltcp, self.stop = ports, db, rtltcp, stop
        self.rng = random.Random(7)
        self.counts: dict[str, int] = {}

    def every(self, per_day: float, action) -> None:  # type: ignore[no-untyped-def]
        period = DAY_S / per_day * self.scale
        while not self.stop.wait(period * self.rng.uniform(0.7, 1.3)):
            with contextlib.suppress(OSError):
                action()

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def rtltcp_away(self) -> None:
        self.rtltcp.stop()
        self.count("rtl_tcp away")
        self.stop.wait(20)
        self.rtltcp.start()

    def lock_database(self) -> None:
        conn = sqlite3.connect(self.db, timeout=5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.count("database locked")
            self.stop.wait(30)
            conn.rollback()
        except sqlite3.Error:
            pass
        finally:
            conn.close()

    def output_client(self) -> None:
        kind = self.rng.choice(["reader", "idle", "reset"])
        port = self.ports[self.rng.choice(["beast", "avr", "sbs"])]
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.count(f"{kind} client")
        if kind == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            sock.close()
            return

        def hold() -> None:
            deadline = time.monotonic() + self.rng.uniform(10, 120)
            with sock:
                while time.monotonic() < deadline and not self.stop.is_set():
                    if kind == "reader":
                        try:
                            if not sock.recv(65536):
                                return
                        except OSError:
                            return
                    else:
                        time.sleep(1)  # connected, never reading

        threading.Thread(target=hold, daemon=True).start()

    def http_requests(self) -> None:
        base = f"http://127.0.0.1:{self.ports['http']}"
        for path in ("/data/aircraft.json", "/data/stats.json", "/metrics"):
            with urllib.request.urlopen(base + path, timeout=10) as answer:
                answer.read()
        self.count("http rounds")

    def slow_http(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.ports["http"]), timeout=5)
        sock.sendall(b"GET /data/aircraft.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.count("slow http")
        self.stop.wait(60)
        sock.close()


def start_service(command: list[str], err: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err.open("ab"),
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))


def stop_service(proc: subprocess.Popen[bytes], service: Service) -> None:
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        service.exit_status = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        service.exit_status = proc.wait()
    service.stop_s = time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3600.0)
    parser.add_argument("--day-equivalents", type=float, default=1.0,
                        help="how many days of events the run holds")
    args = parser.parse_args()
    scale = args.seconds / (args.day_equivalents * DAY_S)
    work = Path(tempfile.mkdtemp(prefix="adsbwatch-soak-churn-"))
    db, err = work / "soak.db", work / "live.err"
    data = RECORDING.read_bytes()
    loops = int((args.seconds + 600) * RATE * 2 / len(data)) + 1
    ports = {name: free_port() for name in ("beast", "avr", "sbs", "http")}
    stop = threading.Event()
    sky = Sky(count=int(2000 * args.seconds / 7200) + 50, seconds=args.seconds, stay=360.0)
    peer = socket.create_server(("127.0.0.1", 0))

    def peer_loop() -> None:  # the peer closes now and then and is back at once
        while not stop.is_set():
            serve(sky, peer, stop)

    threading.Thread(target=peer_loop, daemon=True).start()
    rtltcp = RtlTcpServer(Serving(data, loops=loops, pace_rate=RATE)).start()
    command = [sys.executable, "-m", "adsbwatch", "live", "--rtl-tcp",
               f"127.0.0.1:{rtltcp.port}", "--net-connect",
               f"127.0.0.1:{peer.getsockname()[1]}", "--record-all", "--db", str(db),
               "--beast-port", str(ports["beast"]), "--avr-port", str(ports["avr"]),
               "--sbs-port", str(ports["sbs"]), "--http", str(ports["http"]),
               "--stats-every", "60", "-q"]
    churn = Churn(scale, ports, db, rtltcp, stop)
    for per_day, action in ((24, churn.rtltcp_away), (12, churn.lock_database),
                            (1440, churn.output_client), (8640, churn.http_requests),
                            (48, churn.slow_http)):
        threading.Thread(target=churn.every, args=(per_day, action), daemon=True).start()
    restarts = max(1, round(4 * args.day_equivalents))
    segment_s = args.seconds / restarts
    services: list[Service] = []
    began = time.monotonic()
    for _ in range(restarts):
        service = Service(time.monotonic())
        proc = start_service(command, err)
        while time.monotonic() - service.started < segment_s and proc.poll() is None:
            time.sleep(10)
            with contextlib.suppress(OSError):
                service.samples.append((time.monotonic() - service.started,
                                        rss_kib(proc.pid), open_files(proc.pid)))
        if proc.poll() is not None:
            service.exit_status = proc.returncode
        else:
            stop_service(proc, service)
        services.append(service)
    stop.set()
    rtltcp.stop()
    stderr = err.read_text(errors="replace")
    drops = [int(m.group(1)) for m in DROPPED.finditer(stderr)]
    print(f"soak with churn: {time.monotonic() - began:.0f} s holding "
          f"{args.day_equivalents:g} day(s) of events; work folder {work}")
    print("events:", ", ".join(f"{k} {v}" for k, v in sorted(churn.counts.items())))
    for k, s in enumerate(services, 1):
        early = next((x for x in s.samples if x[0] >= 120), s.samples[0])
        end = s.samples[-1]
        print(f"run {k}: RSS {early[1] / 1024:.1f} MiB at {early[0]:.0f} s, "
              f"{end[1] / 1024:.1f} MiB at the end ({100 * (end[1] / early[1] - 1):+.1f}%), "
              f"peak {max(x[1] for x in s.samples) / 1024:.1f}; open files {early[2]} -> "
              f"{end[2]} (max {max(x[2] for x in s.samples)}); stop "
              f"{'?' if s.stop_s is None else f'{s.stop_s:.1f} s'}, exit {s.exit_status}")
    print(f"dropped samples while connected, per stats line: max {max(drops, default=0)}, "
          f"sum {sum(drops)} over {len(drops)} lines")
    slow = [s.stop_s for s in services if s.stop_s is not None and s.stop_s > STOP_LIMIT_S]
    print(f"stops over {STOP_LIMIT_S:g} s: {len(slow)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
