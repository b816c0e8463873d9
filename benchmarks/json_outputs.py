"""What the JSON side costs: `adsbwatch replay` of modes1 looped (a frame every 0.5 ms of
one real aircraft) plain, with `--write-json DIR`, and with `--write-json DIR --http 0`
(stopped with SIGINT once it serves its final state), in pairs, CPU of the whole child
(user + sys from os.wait4). Prints each run and the median of each variant.

    python benchmarks/json_outputs.py --loops 300 --runs 5
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDING = ROOT.parent / "shared" / "recordings" / "modes1_resampled_cu8_2400k.bin"


def cpu_of(command: list[str], stop_on: str | None = None) -> float:
    """CPU seconds of `command` to its exit (SIGINT once a stderr line holds `stop_on`)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stderr is not None
    if stop_on is not None:
        for line in proc.stderr:
            if stop_on in line:
                proc.send_signal(signal.SIGINT)
                break
    proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        looped = Path(tmp) / "looped.bin"
        looped.write_bytes(RECORDING.read_bytes() * args.loops)
        base = [sys.executable, "-m", "adsbwatch", "replay", str(looped), "--no-db", "-q"]
        variants = {
            "plain": (base, None),
            "--write-json": ([*base, "--write-json", f"{tmp}/json"], None),
            "--write-json --http": ([*base, "--write-json", f"{tmp}/json", "--http", "0"],
                                    "until Ctrl-C"),
        }
        cpu_of(base)  # the Numba cache warm
        results: dict[str, list[float]] = {name: [] for name in variants}
        for run in range(args.runs):
            for name, (command, stop_on) in variants.items():
                results[name].append(cpu_of(command, stop_on))
                print(f"run {run + 1} {name}: {results[name][-1]:.2f} s CPU", flush=True)
    plain = statistics.median(results["plain"])
    for name, cpus in results.items():
        median = statistics.median(cpus)
        print(f"median {name}: {median:.2f} s CPU ({100 * (median / plain - 1):+.1f}%)")


if __name__ == "__main__":
    main()
