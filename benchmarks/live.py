"""Live CPU: the whole live pipeline at 2.4 MS/s fed in real time, as a share of one core.

`adsbwatch live --rtl-tcp` reads an rtl_tcp server on loopback (the tests' server,
tests/rtltcp_server.py, in this process) that plays modes1 (a dense real capture, a
frame every 0.5 ms) looped for `--seconds` at the dongle's pace; decoding, the watchlist
and the store are on (`--watchlist`, `--record-all`, `--db` in a temporary folder).
Beside it in the same run, `dump1090-mutability --ifile F --throttle --quiet` plays the
same looped samples from a file in real time.

CPU is user + sys of each child (os.wait4 for its whole life, /proc/PID/stat for the
steady state: from `--warmup` seconds after the start until its input ends, leaving out
start-up, where we import numpy and load the Numba kernels). Share = CPU / wall.

    python benchmarks/live.py --seconds 60
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
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
WATCHED = ("4d2023", "3c6dd4")  # the first is in modes1: sightings are stored
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STATS = re.compile(r"dropped \d+ \((\d+) total\)")


def cpu_now(pid: int) -> float:
    """User + sys seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


class Child:
    """A child process whose CPU is read at two moments and at its end."""

    def __init__(self, argv: list[str], out: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.out = out
        self._stdout = out.open("wb")
        self._stderr = out.with_suffix(".err").open("wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self._stdout, stderr=self._stderr, env=env)
        self.marks: list[tuple[float, float]] = []  # (monotonic, cpu s)

    def mark(self) -> None:
        self.marks.append((time.monotonic(), cpu_now(self.proc.pid)))

    def wait(self) -> tuple[int, float, float]:
        """(exit status, whole-life CPU s, wall s)."""
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - self.started
        self._stdout.close()
        self._stderr.close()
        return self.proc.returncode, usage.ru_utime + usage.ru_stime, wall

    @property
    def stderr(self) -> str:
        return self.out.with_suffix(".err").read_text(errors="replace")

    def steady_share(self) -> float:
        (t0, c0), (t1, c1) = self.marks
        return (c1 - c0) / (t1 - t0)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def run_ours(work: Path, data: bytes, loops: int, warmup: float, decoding: bool,
             ) -> dict[str, float]:
    """`adsbwatch live` with decoding and the store, or (not `decoding`) --raw alone."""
    watchlist = work / "watchlist.txt"
    watchlist.write_text("\n".join(WATCHED) + "\n")
    outputs = ["--watchlist", str(watchlist), "--record-all", "--db",
               str(work / "live.db")] if decoding else ["--raw"]
    with RtlTcpServer(Serving(data, loops=loops, pace_rate=RATE)) as server:
        child = Child([sys.executable, "-m", "adsbwatch", "live", "--rtl-tcp",
                       f"127.0.0.1:{server.port}", "--rate", "2.4M", *outputs,
                       "--stats-every", "10", "--no-reopen"], work / "ours.out")
        sleep_until(child.started + warmup)
        child.mark()
        while not server.finished.wait(0.05):  # the last bytes sent: the input's end
            if child.proc.poll() is not None:
                break
        child.mark()
        status, cpu, wall = child.wait()
    err = child.stderr
    if status != 1 or "connection lost (the server closed it)" not in err:
        raise SystemExit(f"adsbwatch live ended badly ({status}): {err.strip()[-500:]}")
    dropped = [int(n) for n in STATS.findall(err)]
    return {"cpu": cpu, "wall": wall, "share": cpu / wall, "steady": child.steady_share(),
            "dropped": float(dropped[-1]) if dropped else math.nan,
            }


def run_peer(work: Path, data: bytes, loops: int, warmup: float, seconds: float,
             ) -> dict[str, float]:
    looped = work / "modes1_looped_cu8_2400k.bin"
    with looped.open("wb") as out:
        for _ in range(loops):
            out.write(data)
    child = Child(["dump1090-mutability", "--ifile", str(looped), "--throttle", "--quiet"],
                  work / "peer.out")
    sleep_until(child.started + warmup)
    child.mark()
    sleep_until(child.started + seconds - 1.0)  # just before its input ends
    child.mark()
    status, cpu, wall = child.wait()
    looped.unlink()
    if status != 0:
        raise SystemExit(f"dump1090-mutability failed ({status}): {child.stderr[-500:]}")
    return {"cpu": cpu, "wall": wall, "share": cpu / wall, "steady": child.steady_share()}


def commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                            "adsbwatch"], capture_output=True, text=True).stdout.strip()
    return done.stdout.strip() + (" (adsbwatch/ modified)" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="signal played to each (default 60)")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds after each start left out of the steady share")
    parser.add_argument("--recording", type=Path, default=RECORDING,
                        help="cu8 samples at 2.4 MS/s to loop (default: modes1, a dense real "
                             "capture of one aircraft; e.g. a simulated busy scene: "
                             "adsbwatch simulate busy.cu8 --scene benchmark --aircraft 150 "
                             "--duration 60)")
    args = parser.parse_args()
    if not args.recording.is_file():
        raise SystemExit(f"{args.recording} not found (modes1: the shared recordings sit "
                         "beside the repository)")
    if shutil.which("dump1090-mutability") is None:
        raise SystemExit("dump1090-mutability not found: the peer runs beside ours")
    data = args.recording.read_bytes()
    loops = math.ceil(args.seconds * RATE * 2 / len(data))
    signal_s = loops * len(data) / 2 / RATE
    with tempfile.TemporaryDirectory(prefix="adsbwatch-live-") as tmp:
        work = Path(tmp)
        ours = run_ours(work, data, loops, args.warmup, decoding=True)
        raw = run_ours(work, data, loops, args.warmup, decoding=False)
        peer = run_peer(work, data, loops, args.warmup, signal_s)
    print(f"live.py at {commit()}: {args.recording.name} looped {loops} times "
          f"({signal_s:.1f} s at 2.4 MS/s), "
          f"real time, {os.cpu_count()} cores")
    print("| | CPU s | wall s | share of a core (whole life) | steady share "
          f"(from {args.warmup:g} s to the input's end) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| adsbwatch live --rtl-tcp (decoding, store) | {ours['cpu']:.2f} | "
          f"{ours['wall']:.2f} | {ours['share']:.1%} | {ours['steady']:.1%} |")
    print(f"| adsbwatch live --rtl-tcp --raw (demodulation only) | {raw['cpu']:.2f} | "
          f"{raw['wall']:.2f} | {raw['share']:.1%} | {raw['steady']:.1%} |")
    print(f"| dump1090-mutability --ifile --throttle --quiet | {peer['cpu']:.2f} | "
          f"{peer['wall']:.2f} | {peer['share']:.1%} | {peer['steady']:.1%} |")
    print(f"ratio ours / dump1090-mutability: whole life {ours['share'] / peer['share']:.2f}x, "
          f"steady {ours['steady'] / peer['steady']:.2f}x; dropped samples (last stats "
          f"line's total): {ours['dropped']:.0f} decoding, {raw['dropped']:.0f} --raw")


if __name__ == "__main__":
    main()
