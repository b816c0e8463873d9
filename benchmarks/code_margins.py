"""How surely the interrogator code field of clean DF11s of new addresses was read: the
phantoms on noise and fruit (`phantoms.py`'s recordings) against a real frame the hold
keeps back (ad9293's in dump1090rs_1641428165033), to see whether any soft-decision
rule tells them apart.

    python benchmarks/code_margins.py --minutes 5 --rates 2.0M 2.4M --seed 1600

For each clean DF11 of an address not heard (the frames demod/holding.py holds), two
measures of the slicing that won, the code field being the frame's last 7 bits:
`min7/median`, the least margin among them over the frame's median margin (what
acceptance._code_sure compares), and `min7/amplitude`, the same over the preamble's fitted
amplitude. A code c misread as 0 needs each bit of c misread, so the least likely code's
cost is the least margin among the 7 (every single-bit code is an interrogator code).

The kernel does not report margins; this script takes a copy of the package into
benchmarks/work/code_margins/, patches its kernel to accept such frames at once with the
measures in place of their level, and runs that copy (it stops if the kernel changed so
that a patch no longer applies). Every frame reported on noise is a phantom; the fruit's
own codes are listed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from benchmarks.phantoms import write_noise  # noqa: E402
from benchmarks.sensitivity import parse_rate, rate_label  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "code_margins"
REAL = ("dump1090rs_1641428165033_cs16qi_2400k.iq", "cs16", 2_400_000)
MEASURES = '''

@njit(cache=True, nogil=True)
def _code_measures(margin, nbits, amplitude):
    median = np.median(margin[:nbits])
    least = margin[nbits - 1]
    for k in range(7):
        least = min(least, margin[nbits - 1 - k])
    return least / median if median > 0 else 0.0, least / amplitude if amplitude > 0 else 0.0
'''
MEASURE_TRY = "if status == ACCEPT and fixed == 0 and msg[0] >> 3 == 11:\n"
# (text in kernel.py, its replacement): each must match exactly once.
PATCHES = (
    ("\nclass Carried(NamedTuple):", MEASURES + "\n\nclass Carried(NamedTuple):"),
    ("        best_status = REJECT\n        votes[:] = 0.0\n",
     "        best_status = REJECT\n        cur_r1 = cur_r2 = best_r1 = best_r2 = -1.0\n"
     "        votes[:] = 0.0\n"),
    ("            held_total = _keep_held(status, msg, held_msg, total, -1.0)\n",
     "            held_total = _keep_held(status, msg, held_msg, total, -1.0)\n"
     f"            {MEASURE_TRY}"
     "                cur_r1, cur_r2 = _code_measures(margin, nbits, top_q[t])\n"),
    ("                held_total = _keep_held(status, msg, held_msg, total, held_total)\n"
     "            if _unsettled(status) and t == 0:",
     "                held_total = _keep_held(status, msg, held_msg, total, held_total)\n"
     f"                {MEASURE_TRY}"
     "                    cur_r1, cur_r2 = _code_measures(margin, nbits, top_q[t])\n"
     "            if _unsettled(status) and t == 0:"),
    ("                    held_total = _keep_held(status, msg, held_msg, total, held_total)\n"
     "            if _unsettled(status):\n",
     "                    held_total = _keep_held(status, msg, held_msg, total, held_total)\n"
     f"                    {MEASURE_TRY}"
     "                        cur_r1, cur_r2 = _code_measures(margin, nbits, top_q[t])\n"
     "            if _unsettled(status):\n"),
    ("                best_msg[:] = msg\n            if strong and fixed == 0",
     "                best_msg[:] = msg\n                best_r1, best_r2 = cur_r1, cur_r2\n"
     "            if strong and fixed == 0"),
    ("            score = _score(status, fixed, 0.0)\n",
     "            score = _score(status, fixed, 0.0)\n"
     f"            {MEASURE_TRY}"
     "                cur_r1, cur_r2 = _code_measures(margin, vote_bits, top_q[vote_t] * voters)\n"
     "                if score > best_score:\n"
     "                    best_r1, best_r2 = cur_r1, cur_r2\n"),
    ("            best_status = HOLD\n",
     "            best_status = ACCEPT\n            best_level_code = True\n"
     "        else:\n            best_level_code = False\n"),
    ("        out_fixed[count] = best_fixed\n",
     "        out_fixed[count] = best_fixed\n"
     "        if best_level_code:\n"
     "            out_level[count] = -1.0 - best_r1\n"
     "            out_fixed[count] = min(255, int(best_r2 * 100))\n"),
)
# Run in the patched copy: every frame whose level is negative, with its measures.
PROBE = '''
import json, sys
from adsbwatch.receiver.cli.numba_cache import prepare_kernel_cache
prepare_kernel_cache()
from adsbwatch.receiver.sources.resolve import recording_source
from adsbwatch.receiver.station.demodulation import BLOCK_SAMPLES, DemodulatedInput
from adsbwatch.receiver.station.station import Station

class Probe:
    name = "probe"
    rows = []
    def on_frames(self, b):
        for i in range(len(b)):
            if b.level[i] < 0:
                self.rows.append((b.msg[i, :7].tobytes().hex(), int(b.ticks[i]),
                                  float(-b.level[i] - 1), int(b.fixed[i]) / 100))
    def close(self):
        pass

probe = Probe()
station = Station(DemodulatedInput(recording_source(sys.argv[1], sys.argv[2], int(sys.argv[3])),
                                   1, BLOCK_SAMPLES), start_epoch=0.0, pipeline=None, warn=print)
station.add(probe)
station.run()
station.close()
print(json.dumps(probe.rows))
'''


def patched_copy() -> Path:
    """The package copied into WORK with its kernel patched; returns the folder to put
    on PYTHONPATH."""
    shutil.rmtree(WORK / "adsbwatch", ignore_errors=True)
    shutil.copytree(ROOT / "adsbwatch", WORK / "adsbwatch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    kernel = WORK / "adsbwatch" / "decoder" / "demod" / "kernel.py"
    text = kernel.read_text()
    for old, new in PATCHES:
        if text.count(old) != 1:
            raise SystemExit(f"kernel.py changed: cannot patch at {old.strip()[:60]!r}")
        text = text.replace(old, new)
    kernel.write_text(text)
    return WORK


def probe(path: Path, fmt: str, rate: int, package: Path) -> list[tuple[str, int, float, float]]:
    env = dict(os.environ, PYTHONPATH=str(package))
    env.pop("NUMBA_CACHE_DIR", None)  # the copy's own, keyed by its sources
    # Run from the copy's folder: `python -c` looks in its working folder first.
    done = subprocess.run([sys.executable, "-c", PROBE, str(path.resolve()), fmt, str(rate)],
                          env=env, cwd=package, capture_output=True, text=True, check=True)
    return [tuple(row) for row in json.loads(done.stdout.splitlines()[-1])]


def fruit_codes(args: argparse.Namespace, seconds: float) -> dict[int, int]:
    """Address -> interrogator code of every DF11 in the fruit (the same draws as
    write_noise's)."""
    from adsbwatch.decoder.sim import fruit

    codes: dict[int, int] = {}
    original = fruit.all_call_reply

    def recording(icao: int, interrogator: int, ca: int = 5) -> bytes:
        codes[icao] = interrogator
        return original(icao, interrogator, ca)

    fruit.all_call_reply = recording
    try:
        fruit.fruit(np.random.default_rng(args.seed), seconds, mode_ac_per_s=args.mode_ac,
                    all_call_per_s=args.all_call, replies_per_s=args.replies)
    finally:
        fruit.all_call_reply = original
    return codes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--rates", nargs="+", type=parse_rate, default=[2.0e6, 2.4e6])
    p.add_argument("--seed", type=int, default=1600)
    p.add_argument("--mode-ac", type=float, default=1500.0)
    p.add_argument("--all-call", type=float, default=200.0)
    p.add_argument("--replies", type=float, default=200.0)
    p.add_argument("--recordings", type=Path, default=ROOT.parent / "shared" / "recordings")
    p.add_argument("--keep", action="store_true", help="keep the noise recordings")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    package = patched_copy()
    name, fmt, rate = REAL
    real = probe(args.recordings / name, fmt, rate, package)
    print(f"{name}: " + ", ".join(f"{h} min7/median {r1:.3f}, min7/amplitude {r2:.2f}"
                                  for h, _, r1, r2 in real))
    seconds = args.minutes * 60.0
    codes = fruit_codes(args, seconds)
    for rate in args.rates:
        path = WORK / f"noise_{rate_label(rate)}_{args.seed}.cu8"
        write_noise(path, rate, seconds, args)
        rows = probe(path, "cu8", int(rate), package)
        if not args.keep:
            path.unlink()
        print(f"\n{rate_label(rate)}S/s, seed {args.seed}: {len(rows)} phantoms "
              "(clean DF11s of new addresses)")
        for h, _, r1, r2 in sorted(rows, key=lambda row: -row[2]):
            print(f"  {h}  fruit code {codes.get(int(h[2:8], 16))!s:>4}  "
                  f"min7/median {r1:.3f}  min7/amplitude {r2:.2f}")
        for h, _, real_r1, real_r2 in real:
            above = sum(r1 >= real_r1 for _, _, r1, _ in rows)
            above2 = sum(r2 >= real_r2 for _, _, _, r2 in rows)
            print(f"  at or above {h}'s: {above} by min7/median, {above2} by min7/amplitude")
    return 0


if __name__ == "__main__":
    sys.exit(main())
