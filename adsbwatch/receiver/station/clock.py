"""When the first sample was taken: every frame's time is that plus its sample clock."""

from __future__ import annotations

import collections
import time

from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.sources.base import Block, SourceInfo
from adsbwatch.receiver.when import parse_when


def start_epoch(info: SourceInfo, start_time: str | None) -> float:
    """--start-time, else what the source knows (SigMF's core:datetime, a file's
    modification time less its length), else now (a live stream)."""
    now = time.time()
    if start_time is not None:
        try:
            return parse_when(start_time, now)
        except ValueError as exc:
            raise UserError(f"--start-time: {exc}") from None
    return info.start_epoch if info.start_epoch is not None else now


class LiveClock:
    """When a live stream's sample 0 was taken, from its blocks' arrival stamps.

    A block's last sample arrives some latency after it was taken (USB transfers, the
    queue), never before: of recent blocks, the smallest arrival less sample time is the
    truest. Recent ones only, so that the dongle's clock drifting against the wall clock
    (tens of ppm: seconds a day) is followed."""

    def __init__(self, rate: int, bytes_per_sample: int, window: int = 64) -> None:
        self.rate = rate
        self.bytes_per_sample = bytes_per_sample
        self._offsets: collections.deque[float] = collections.deque(maxlen=window)

    def epoch0(self, block: Block) -> float:
        end = block.first_sample + block.raw.size // self.bytes_per_sample
        self._offsets.append(block.arrival - end / self.rate)
        return min(self._offsets)
