"""What the per-minute statistics cost a live receiver: MinuteStatsSink.on_batch on
batches the size of the busiest simulated scene, and the store's flush with its minute
row, as CPU per second of signal.

The 150-aircraft scene (`adsbwatch simulate --scene benchmark`) gives about 660 frames
per second; a live block is 2^18 samples at 2.4 MS/s (0.109 s), so about 72 frames per
batch and 9.2 batches per second. The sink runs once per batch; the store flushes once
a second (here: every 9 batches), writing the current minute's row with the session's.

    python benchmarks/minute_stats.py [--seconds 600] [--frames-per-second 660]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from adsbwatch.receiver.station.minutes import MinuteStatsSink

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.store.sqlite import Store

BLOCK_S = 2**18 / 2_400_000
START = 1_747_387_800.0


@dataclass
class Totals:
    messages: int = 0


@dataclass
class Decoded:
    start_epoch: float = START
    totals: Totals = field(default_factory=Totals)


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
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "b.db") as store:
        decoded = Decoded()
        sink = MinuteStatsSink(store, decoded, None, print)  # type: ignore[arg-type]
        sink_s = flush_s = 0.0
        for k, batch in enumerate(work):
            decoded.totals.messages += len(batch)
            t0 = time.process_time()
            sink.on_batch(batch)
            t1 = time.process_time()
            if k % 9 == 8:
                store.flush()
            sink_s += t1 - t0
            flush_s += time.process_time() - t1
        sink.close()
    frames = sum(len(b) for b in work)
    print(f"{len(work)} batches, {frames} frames, {args.seconds:.0f} s of signal")
    print(f"MinuteStatsSink.on_batch: {1e6 * sink_s / len(work):.0f} us per batch, "
          f"{100 * sink_s / args.seconds:.3f}% of a core")
    print(f"store flushes (minute rows only): {100 * flush_s / args.seconds:.3f}% of a core")


if __name__ == "__main__":
    main()
