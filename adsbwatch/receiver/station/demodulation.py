"""Replay: an IQ source through the demodulator, batch by batch, with running totals."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.sources.files import Block, ReadTotals, SourceSpec, open_stream, read_blocks

BLOCK_SAMPLES = 1 << 20  # 0.44 s at 2.4 MS/s: few hand-overs between the two threads
QUEUE_BLOCKS = 3  # blocks the demodulator may run ahead of the decoder
# While the decoder holds the GIL, the demodulator thread waits up to this long each time
# it needs the GIL between its Numba kernels (Python's default, 5 ms, stalls it).
SWITCH_INTERVAL_S = 0.0005


@dataclass
class ReplayTotals:
    samples: int = 0
    leftover_bytes: int = 0
    frames_by_df: Counter = field(default_factory=Counter)
    demod_stats: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def frames(self) -> int:
        return sum(self.frames_by_df.values())


def _reading(blocks: Iterator[Block], name: str) -> Iterator[Block]:
    """The blocks, a failed read reported as a failure of the input. Only reads: an
    OSError raised by the consumer (a closed stdout in `on_batch`) passes through."""
    try:
        yield from blocks
    except OSError as exc:
        raise UserError(f"{name}: read failed ({exc.strerror or exc})") from None


def _demodulate_blocks(spec: SourceSpec, block_samples: int, read: ReadTotals,
                       demod: Demodulator, stream: BinaryIO) -> Iterator[tuple[FrameBatch, int]]:
    """(frames, bytes consumed so far) for each block of the source, in order."""
    lookahead = demod.lookahead
    mag = np.zeros(block_samples + 2 * lookahead, dtype=np.float32)
    blocks = read_blocks(stream, spec.bytes_per_sample, block_samples, lookahead, read)
    for block in _reading(blocks, spec.data_path):
        have = magnitude(block.raw, spec.fmt, mag).size
        mag[have:have + lookahead] = 0.0  # pad the end of the stream
        batch = demod.process(mag[:max(have, block.scan) + lookahead], block.first_sample,
                              block.scan)
        yield batch, (block.first_sample + block.scan) * spec.bytes_per_sample


def _in_thread(blocks: Iterator[tuple[FrameBatch, int]],
               depth: int = QUEUE_BLOCKS) -> Iterator[tuple[FrameBatch, int]]:
    """Run the `blocks` generator in a worker thread, `depth` blocks ahead of the caller.

    Reading and the Numba kernels release the GIL, so on a machine with a second core
    the next blocks are demodulated while the caller decodes this one. The worker's
    exceptions reach the caller; a caller that stops early (an error, Ctrl-C) stops it.
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def hand_over(item: object) -> bool:
        """Queue `item` unless the caller has stopped listening."""
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in blocks:
                if not hand_over(item):
                    return
            hand_over(done)
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller
            hand_over(exc)

    worker = threading.Thread(target=work, name="demodulator", daemon=True)
    worker.start()
    try:
        while True:
            item = out.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5.0)


def demodulate_source(spec: SourceSpec, on_batch: Callable[[FrameBatch], None], fix: int = 1,
                      on_progress: Callable[[int], None] | None = None,
                      block_samples: int = BLOCK_SAMPLES, threaded: bool = True) -> ReplayTotals:
    """Run the whole source through one Demodulator; `on_batch` gets each block's frames
    in time order (an empty batch for a block without any), `on_progress` the bytes
    consumed so far. Both are called in the caller's thread; with `threaded` the
    demodulation runs ahead in a worker thread."""
    started = time.perf_counter()
    demod = Demodulator(spec.rate, fix=fix)
    read = ReadTotals()
    totals = ReplayTotals()
    stream = open_stream(spec)
    interval = sys.getswitchinterval()
    if threaded:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    blocks = _demodulate_blocks(spec, block_samples, read, demod, stream)
    batches = _in_thread(blocks) if threaded else blocks
    try:
        for batch, consumed in batches:
            if len(batch):
                totals.frames_by_df.update((batch.msg[:, 0] >> 3).tolist())
            on_batch(batch)  # every block, frames or not: consumers keep time with it
            if on_progress is not None:
                on_progress(consumed)
    finally:
        # Stop the worker now, whatever ended the loop (Ctrl-C, a failed write): left to
        # the garbage collector, it would read and demodulate on into the program's exit.
        batches.close()
        sys.setswitchinterval(interval)
        if spec.data_path != "-":
            stream.close()
    totals.samples = read.samples
    totals.leftover_bytes = read.leftover_bytes
    totals.demod_stats = demod.stats_dict()
    totals.wall_seconds = time.perf_counter() - started
    return totals
