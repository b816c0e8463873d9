"""Cutting a byte stream into overlapping blocks of whole samples, for every source.

Blocks are cut at fixed sample positions whatever sizes the reads return, so the frames
found never depend on how a pipe, a socket or a USB transfer happened to deliver the
bytes. Consecutive blocks overlap by `lookahead` samples: a frame starting in one block's
scanned part is complete in that block, and the next block scans only from where this
one stopped. Memory stays at one block whatever the stream's length.

A live reader may raise `StreamBreak` between chunks (samples lost, the source gone):
what is buffered then goes out at once as a final block (padded like the end of a
stream), and the next block starts as many samples later as the break says, marked with
the gap, so every later sample keeps its true index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np

from adsbwatch.receiver.sources.base import Block, SourceTotals, StreamBreak

ReadInto = Callable[[memoryview], int]  # fills a view, returns bytes read (0 at the end)


def cut_blocks(readinto: ReadInto, bytes_per_sample: int, scan_samples: int,
               lookahead: int, totals: SourceTotals | None = None,
               clock: Callable[[], float] = time.time) -> Iterator[Block]:
    """Yield overlapping blocks of whole samples read through `readinto`. `clock` gives
    the time the bytes read last were taken (a live source's arrival stamps)."""
    totals = totals if totals is not None else SourceTotals()
    want = (scan_samples + lookahead) * bytes_per_sample
    buf = np.empty(want, dtype=np.uint8)
    view = memoryview(buf)
    filled = 0
    first_sample = 0
    gap = 0  # samples lost before the block being filled
    eof = False
    while not eof:
        broken: StreamBreak | None = None
        while filled < want:
            try:
                n = readinto(view[filled:])
            except StreamBreak as stream_break:
                broken = stream_break
                break
            if not n:
                eof = True
                break
            filled += n
        whole = filled - filled % bytes_per_sample
        samples = whole // bytes_per_sample
        if not eof and broken is None:
            # Counted before the hand-over: a consumer may stop at any block.
            totals.samples += scan_samples
            totals.bytes_read = (first_sample + scan_samples) * bytes_per_sample
            yield Block(buf, first_sample, scan_samples, False, clock(), gap)
            gap = 0
            keep = filled - scan_samples * bytes_per_sample
            buf[:keep] = buf[scan_samples * bytes_per_sample:filled]
            filled = keep
            first_sample += scan_samples
            continue
        totals.samples += samples
        if eof:
            totals.leftover_bytes = filled - whole
        totals.bytes_read = (first_sample + samples) * bytes_per_sample + totals.leftover_bytes
        if samples:
            yield Block(buf[:whole], first_sample, samples, True, clock(), gap)
            gap = 0
        if broken is not None:  # a fresh stretch after the break
            totals.dropped_samples += broken.lost
            totals.away_samples += broken.away
            first_sample += samples + broken.samples
            gap += broken.samples
            filled = 0
