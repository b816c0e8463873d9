"""The station's inputs: what yields frame batches (an IQ source through the demodulator,
another decoder's frames over the network), each run in a worker thread of its own
ahead of the station, all handing their batches to one queue the station reads.

Reading and the Numba kernels release the GIL, so on a machine with a second core the
next blocks are demodulated while the station's thread decodes this one. Each worker
runs at most `depth` batches ahead (a slow station holds up no other input's worker);
its input's end and its failure reach the station through the same queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals

QUEUE_BATCHES = 3  # batches an input may run ahead of the station
STOP_WAIT_S = 5.0


class Input(Protocol):
    name: str
    live: bool  # data arrives as it is taken: times are the wall clock's
    # Its frames passed the CRC and address rule already (the demodulator's); else the
    # station applies them (another decoder's frames).
    checked: bool
    cpu_s: float  # its thread's CPU time so far (demodulation), for the statistics
    info: SourceInfo  # what it is, for the views and the session record
    totals: SourceTotals  # samples, dropped samples, bytes read

    def demod_counts(self) -> dict[str, int]:
        """The demodulator's counters so far (empty: frames from other decoders)."""
        ...

    def prepare(self) -> None:
        """What must be ready before the input opens (compiling the demodulator's
        kernels): owns nothing, so the station may abandon it when a stop comes first."""

    def open(self) -> None:
        """Acquire the input; a failure is a one-line UserError or RuntimeFailure."""

    def batches(self) -> Iterator[FrameBatch]:
        """Batches in time order until the input ends or is closed."""
        ...

    def close(self) -> None:
        """Release the input (from any thread: it ends a `batches` waiting for data);
        safe to call twice, and without open()."""


IDLE = object()  # nothing came within the wait
END = object()  # the input has ended


class InputWorker:
    """`input.batches()` in a worker thread, up to `depth` batches ahead, each handed to
    `out` as (index, batch); then (index, END), or (index, the exception it raised)."""

    def __init__(self, source: Input, index: int, out: queue.Queue[tuple[int, object]],
                 depth: int = QUEUE_BATCHES) -> None:
        self.input = source
        self.index = index
        self._out = out
        self._slots = threading.Semaphore(depth)  # batches it may still hand over
        self._stop = threading.Event()
        self.left: FrameBatch | None = None  # read when it was stopped: never handed over
        self._thread = threading.Thread(target=self._work, name=f"input {source.name}",
                                        daemon=True)
        self._thread.start()

    def _hand_over(self, item: object) -> bool:
        while not self._stop.is_set():
            if self._slots.acquire(timeout=0.1):
                self._out.put((self.index, item))
                return True
        return False

    def _work(self) -> None:
        try:
            for batch in self.input.batches():
                if not self._hand_over(batch):
                    self.left = batch
                    return
            self._hand_over(END)
        except BaseException as exc:  # noqa: BLE001 - handed over to the station
            self._hand_over(exc)

    def taken(self) -> None:
        """The station took one of its batches: it may hand over another."""
        self._slots.release()

    def ask_stop(self) -> None:
        """Stop taking batches: the worker ends at its next hand-over."""
        self._stop.set()

    def join(self, timeout: float = STOP_WAIT_S) -> None:
        self._thread.join(timeout)


class InputWorkers:
    """A worker for each input; the station takes every batch from one queue."""

    def __init__(self, inputs: Sequence[Input], depth: int = QUEUE_BATCHES) -> None:
        self._out: queue.Queue[tuple[int, object]] = queue.Queue()
        self.workers = [InputWorker(source, i, self._out, depth)
                        for i, source in enumerate(inputs)]

    def get(self, timeout: float | None) -> tuple[int, object] | object:
        """(index, the input's next batch, END, or the exception it raised), or IDLE
        when nothing came within `timeout`."""
        try:
            index, item = self._out.get(timeout=timeout)
        except queue.Empty:
            return IDLE
        self.workers[index].taken()
        return index, item

    def stop(self) -> list[tuple[int, FrameBatch]]:
        """Stop every worker; the batches they handed over that were never taken."""
        for worker in self.workers:
            worker.ask_stop()
        for worker in self.workers:
            worker.join()
        left = [(w.index, w.left) for w in self.workers if w.left is not None]
        while True:
            try:
                index, item = self._out.get_nowait()
            except queue.Empty:
                return left
            if isinstance(item, FrameBatch):
                left.append((index, item))


def combined_info(inputs: Sequence[Input]) -> SourceInfo:
    """What several inputs are, for the views and the session record: their names, the
    dongle's samples (a merged run's rate is its dongle's)."""
    infos = [source.info for source in inputs]
    if len(infos) == 1:
        return infos[0]
    sampled = [info for info in infos if info.rate]
    first = sampled[0] if sampled else infos[0]
    return SourceInfo(" + ".join(info.name for info in infos), first.fmt, first.rate,
                      start_epoch=first.start_epoch,
                      position=next((i.position for i in infos if i.position), None),
                      live=any(info.live for info in infos))


def combined_totals(inputs: Sequence[Input]) -> SourceTotals:
    """Their counts added up (a snapshot: the inputs' own go on counting)."""
    if len(inputs) == 1:
        return inputs[0].totals
    out = SourceTotals()
    for source in inputs:
        t = source.totals
        out.samples += t.samples
        out.leftover_bytes += t.leftover_bytes
        out.dropped_samples += t.dropped_samples
        out.away_samples += t.away_samples
        out.reconnects += t.reconnects
        out.strong_samples += t.strong_samples
        out.bytes_read += t.bytes_read
        for key, value in t.extra.items():
            out.extra[key] = out.extra.get(key, 0) + value
    return out
