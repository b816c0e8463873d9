"""Soak: `adsbwatch live` for an hour (or --seconds) at real pace, decoding and the store
on: does its memory stay flat, does it drop samples on an idle machine, does the store
stay small?

An rtl_tcp server on loopback (the tests' server, tests/rtltcp_server.py) plays modes1 (a
dense real capture, one aircraft) looped at 2.4 MS/s. The receiver's resident memory
(VmRSS) is read every 10 s; the report compares the end with one minute in. Dropped
samples come from its stats lines, the database's size from the file and its WAL.

    python benchmarks/soak.py --seconds 3600
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' rtl_tcp server

from rtltcp_server import RtlTcpServer, Serving  # noqa: E402

RECORDING = ROOT.parent / "shared" / "recordings" / "modes1_resampled_cu8_2400k.bin"
RATE = 2_400_000
DROPPED = re.compile(r"dropped \d+ \((\d+) total\)")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def size_kib(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists()) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3600.0)
    args = parser.parse_args()
    data = RECORDING.read_bytes()
    loops = int((args.seconds + 120) * RATE * 2 / len(data)) + 1  # outlives the run
    work = Path(tempfile.mkdtemp(prefix="adsbwatch-soak-"))
    db = work / "soak.db"
    (work / "watchlist.txt").write_text("4d2023\n")
    samples: list[tuple[float, int]] = []
    with RtlTcpServer(Serving(data, loops=loops, pace_rate=RATE)) as server:
        err = (work / "live.err").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "adsbwatch", "live", "--rtl-tcp", f"127.0.0.1:{server.port}",
             "--rate", "2.4M", "--watchlist", str(work / "watchlist.txt"), "--record-all",
             "--db", str(db), "--stats-every", "60", "--no-reopen", "-q"],
            stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        started = time.monotonic()
        while proc.poll() is None and time.monotonic() - started < args.seconds:
            samples.append((time.monotonic() - started, rss_kib(proc.pid)))
            print(f"soak: {samples[-1][0]:7.0f} s  RSS {samples[-1][1] / 1024:7.1f} MiB  "
                  f"db {size_kib(db, Path(f'{db}-wal')) / 1024:6.1f} MiB", flush=True)
            time.sleep(10)
        proc.send_signal(2)
        proc.wait(timeout=120)
        err.close()
    stderr = (work / "live.err").read_text(errors="replace")
    one_minute = next(rss for t, rss in samples if t >= 60)
    end = samples[-1][1]
    dropped = DROPPED.findall(stderr)
    print(f"\nsoak: {samples[-1][0]:.0f} s of modes1 at 2.4 MS/s through rtl_tcp, decoding and "
          f"the store on; exit {proc.returncode}")
    print(f"soak: RSS after 1 min {one_minute / 1024:.1f} MiB, at the end {end / 1024:.1f} MiB "
          f"({(end / one_minute - 1) * 100:+.1f}%; goal within 10%)")
    print(f"soak: dropped samples {dropped[-1] if dropped else '?'} (stats lines: {len(dropped)})")
    print(f"soak: database {size_kib(db, Path(f'{db}-wal')) / 1024:.1f} MiB "
          f"(file {size_kib(db) / 1024:.1f}, WAL {size_kib(Path(f'{db}-wal')) / 1024:.1f})")
    print(f"soak: work folder {work}")


if __name__ == "__main__":
    main()
