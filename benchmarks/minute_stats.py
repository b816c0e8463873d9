"""What the station's statistics cost a live receiver: StationStats.on_frames (the one
accumulator, minute buckets) on batches the size of the busiest simulated scene, and
the minute rows made of it once a second for the store, as CPU per second of signal.

The 150-aircraft scene (`adsbwatch simulate --scene benchmark`) gives about 660 frames
per second; a live block is 2^18 samples at 2.4 MS/s (0.109 s), so about 72 frames per
batch and 9.2 batches per second. The accumulator is fed once per batch; the store's
consumer makes the minute rows changed once a second (here: every 9 batches).

    python benchmarks/minute_stats.py [--seconds 600] [--frames-per-second 660]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.station.recording import minute_row
from adsbwatch.receiver.station.stats import SourceCounts, StationStats

BLOCK_S = 2**18 / 2_400_000
START = 1_747_387_800.0


def batches(seconds: float, per_second: float, rng: np.random.Generator) -> list[FrameBatch]:
    out = []
    for k in range(int(seconds / BLOCK_S)):
        n = rng.poisson(per_second * BLOCK_S)
        msg = np.zeros((n, 14), np.uint8)
        msg[:, 0] = rng.choice([17 << 3, 11 << 3, 4 << 3, 20 << 3], n)
        ticks = np.sort(rng.integers(round(k * BLOCK_S * CLOCK_HZ),
                                     round((k + 1) * BLOCK_S * CLOCK_HZ), n))
        level = rng.uniform(0.01, 0.9, n).astype(np.float32)
        out.append(FrameBatch(msg=msg, ticks=ticks, level=level,
                              fixed=np.zeros(n, np.uint8),
                              until_ticks=round((k + 1) * BLOCK_S * CLOCK_HZ), noise=0.03))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--frames-per-second", type=float, default=660.0)
    args = parser.parse_args()
    work = batches(args.seconds, args.frames_per_second, np.random.default_rng(1))
    stats = StationStats(START)
    feed_s = rows_s = 0.0
    samples = 0
    for k, batch in enumerate(work):
        samples += 2**18
        t0 = time.process_time()
        stats.on_frames(batch, START, SourceCounts(samples=samples))
        t1 = time.process_time()
        if k % 9 == 8:
            for bucket in stats.take_touched():
                minute_row(bucket, START, 1)
        feed_s += t1 - t0
        rows_s += time.process_time() - t1
    frames = sum(len(b) for b in work)
    print(f"{len(work)} batches, {frames} frames, {args.seconds:.0f} s of signal")
    print(f"StationStats.on_frames: {1e6 * feed_s / len(work):.0f} us per batch, "
          f"{100 * feed_s / args.seconds:.3f}% of a core")
    print(f"minute rows once a second: {100 * rows_s / args.seconds:.3f}% of a core")


if __name__ == "__main__":
    main()
