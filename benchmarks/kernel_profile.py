"""Where the demodulator's time goes, by compiled function: perf over the demodulation loop.

    python benchmarks/kernel_profile.py [--rate 2.4M] [--repeat 100] [--seconds 1.5]

perf cannot name Numba's machine code (it lives in anonymous memory), so a child process
compiles the kernels itself (into an empty cache), writes /tmp/perf-PID.map with the
address of every compiled function of adsbwatch (perf reads that file for such memory),
warms up, and then runs the loop (magnitudes, `Demodulator.process` given the raw block
too, the block's mean power: what the station's input thread runs) on modes1 repeated
`--repeat` times, over and over, while `perf record` samples it for `--seconds`. Helpers
inlined into a function count as that function's. Shares are of the samples perf took in
the child (the interpreter's own functions included), and again of the compiled
functions alone.

Needs `perf` (Debian: linux-perf) and permission to profile (root, or
kernel.perf_event_paranoid <= 1).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT.parent / "shared" / "recordings"
FILES = {2_400_000: "modes1_resampled_cu8_2400k.bin", 2_000_000: "modes1_cu8_2000k.bin"}

CHILD = r"""
import os, re, sys, time
import numba
import numpy as np
from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude_and_power

path, rate, repeat, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
annotate = sys.argv[5]
raw = np.tile(np.fromfile(path, np.uint8), repeat)
BLOCK = 1 << 20

def loop():
    demod = Demodulator(rate)
    ahead = demod.lookahead
    mag = np.zeros(BLOCK + 2 * ahead, np.float32)
    for first in range(0, raw.size // 2 - ahead - BLOCK, BLOCK):
        block = raw[2 * first:2 * (first + BLOCK + ahead)]
        m = magnitude_and_power(block, "cu8", mag, BLOCK)[0]  # with the block's mean power
        demod.process(m, first, BLOCK, block, "cu8")  # the raw IQ too, as the station

loop()  # compiles every kernel in this process
functions = set()
for module in list(sys.modules.values()):
    if not getattr(module, "__name__", "").startswith("adsbwatch"):
        continue
    for value in vars(module).values():
        if isinstance(value, numba.core.registry.CPUDispatcher):
            for result in value.overloads.values():
                library = result.library
                for name in set(re.findall(r'define [^@]*@"?([^"(\s]+)"?\(',
                                           library.get_llvm_str())):
                    try:
                        address = library.get_pointer_to_function(name)
                    except Exception:  # a declaration only
                        continue
                    if address:
                        functions.add((address, name))
ordered = sorted(functions)

def demangled(name):
    # _ZN<len><part>...<len><function>B<n>...: the last length-prefixed part before B.
    at, last = 3, name
    while at < len(name) and name[at].isdigit():
        digits = re.match(r"\d+", name[at:]).group()
        at += len(digits)
        last = name[at:at + int(digits)]
        at += int(digits)
    return last

import ctypes
with open(f"/tmp/perf-{os.getpid()}.map", "w") as out:
    for i, (address, name) in enumerate(ordered):
        size = ordered[i + 1][0] - address if i + 1 < len(ordered) else 4096
        size = min(size, 1 << 20)
        out.write(f"{address:x} {size:x} {demangled(name)}\n")
        if demangled(name) == annotate:  # its machine code, for --annotate
            with open(f"{ready}.{address:x}.bin", "wb") as code:
                code.write(ctypes.string_at(address, size))
open(ready, "w").close()
while True:
    loop()
"""


def parse_rate(text: str) -> int:
    return int(float(text.upper().rstrip("M")) * 1e6) if text.upper().endswith("M") \
        else int(float(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", default="2.4M", help="2.4M or 2.0M (default 2.4M)")
    parser.add_argument("--repeat", type=int, default=100, help="copies of modes1 (100)")
    parser.add_argument("--seconds", type=float, default=1.5, help="perf's sampling time")
    parser.add_argument("--annotate", metavar="FUNCTION", default="",
                        help="also list FUNCTION's hottest instructions (its machine code "
                             "dumped by the child, perf's sample addresses mapped onto "
                             "objdump's disassembly of it)")
    args = parser.parse_args()
    rate = parse_rate(args.rate)
    if shutil.which("perf") is None:
        raise SystemExit("perf not found (Debian: apt-get install linux-perf)")
    with tempfile.TemporaryDirectory(prefix="adsbwatch-perf-") as tmp:
        ready = Path(tmp) / "ready"
        data = Path(tmp) / "perf.data"
        # An empty cache: the kernels compiled here, so that their addresses can be read.
        env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(Path(tmp) / "cache"),
                   NUMBA_NUM_THREADS="1")
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(RECORDINGS / FILES[rate]),
                                  str(rate), str(args.repeat), str(ready), args.annotate],
                                 env=env)
        try:
            while not ready.exists():
                if child.poll() is not None:
                    raise SystemExit("the child ended before it was ready")
                time.sleep(0.2)
            subprocess.run(["perf", "record", "-F", "4000", "-p", str(child.pid), "-o",
                            str(data), "--", "sleep", str(args.seconds)],
                           capture_output=True, check=True)
            report = subprocess.run(["perf", "report", "-i", str(data), "--sort", "sym",
                                     "--stdio"], capture_output=True, text=True, check=True)
            perf_map = Path(f"/tmp/perf-{child.pid}.map").read_text().splitlines()
            names = {line.split(maxsplit=2)[2] for line in perf_map}
            hottest = annotated(data, Path(tmp), args.annotate) if args.annotate else []
        finally:
            child.kill()
            child.wait()
            Path(f"/tmp/perf-{child.pid}.map").unlink(missing_ok=True)  # perf report read it
    shares: dict[str, float] = {}
    for line in report.stdout.splitlines():
        found = re.match(r"\s*([\d.]+)%\s+\[\.\]\s+(\S+)", line)
        if found:  # a function compiled twice (two signatures) counts once
            shares[found.group(2)] = shares.get(found.group(2), 0.0) + float(found.group(1))
    ours = sorted(((share, name) for name, share in shares.items() if name in names),
                  reverse=True)
    total_ours = sum(share for share, _ in ours)
    print(f"kernel_profile.py: modes1 x{args.repeat} at {rate / 1e6:g} MS/s, "
          f"{args.seconds:g} s of perf samples; compiled functions {total_ours:.1f}% of them")
    print("| function | share of all samples | share of the compiled functions |")
    print("|---|---:|---:|")
    for share, name in ours:
        if share >= 0.2:
            print(f"| `{name}` | {share:.1f}% | {share / total_ours:.1%} |")
    rest = sorted(((share, name) for name, share in shares.items() if name not in names),
                  reverse=True)[:5]
    print("other: " + ", ".join(f"{name} {share:.1f}%" for share, name in rest))
    if hottest:
        print(f"\n{args.annotate}: its hottest instructions (share of its samples), "
              "with the two before each")
        for line in hottest:
            print(line)


def annotated(data: Path, tmp: Path, function: str, top: int = 25) -> list[str]:
    """`function`'s instructions with the most samples, each with the two before it (a
    stall is often charged to the instruction after the one that waited)."""
    dumps = list(tmp.glob("ready.*.bin"))
    if not dumps:
        return [f"(no compiled function named {function})"]
    ips = [int(ip, 16) for ip in subprocess.run(
        ["perf", "script", "-i", str(data), "-F", "ip"],
        capture_output=True, text=True, check=True).stdout.split()]
    lines = []
    for dump in dumps:  # one a signature the function was compiled for
        base = int(dump.name.split(".")[1], 16)
        size = dump.stat().st_size
        counts = Counter(ip for ip in ips if base <= ip < base + size)
        total = sum(counts.values()) or 1
        disassembly = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64",
                                      f"--adjust-vma={base:#x}", str(dump)],
                                     capture_output=True, text=True, check=True).stdout
        code = [(int(m.group(1), 16), m.group(2).strip()) for m in
                re.finditer(r"^\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t?(.*)$", disassembly,
                            re.MULTILINE)]
        where = {address: k for k, (address, _) in enumerate(code)}
        for address, n in counts.most_common(top):
            k = where.get(address)
            if k is None:
                continue
            context = " | ".join(text for _, text in code[max(0, k - 2):k + 1])
            lines.append(f"{n / total:6.1%}  +{address - base:#06x}  {context}")
    return lines


if __name__ == "__main__":
    main()
