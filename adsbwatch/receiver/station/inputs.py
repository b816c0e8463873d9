"""The station's inputs: what yields frame batches (an IQ source through the demodulator,
or another decoder's frames), each run in a thread of its own ahead of the station.

Reading and the Numba kernels release the GIL, so on a machine with a second core the
next blocks are demodulated while the station's thread decodes this one. The worker's
exceptions reach the station; a station that stops early stops its workers.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Protocol

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals

QUEUE_BATCHES = 3  # batches an input may run ahead of the station
STOP_WAIT_S = 5.0


class Input(Protocol):
    name: str
    live: bool  # data arrives as it is taken: times are the wall clock's
    cpu_s: float  # its thread's CPU time so far (demodulation), for the statistics
    info: SourceInfo  # what it is, for the views and the session record
    totals: SourceTotals  # samples, dropped samples, bytes read

    def demod_counts(self) -> dict[str, int]:
        """The demodulator's counters so far (empty: frames from other decoders)."""
        ...

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
    """`input.batches()` in a worker thread, up to `depth` batches ahead."""

    def __init__(self, source: Input, depth: int = QUEUE_BATCHES) -> None:
        self.input = source
        self._out: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"input {source.name}",
                                        daemon=True)
        self._thread.start()

    def _hand_over(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            for batch in self.input.batches():
                if not self._hand_over(batch):
                    return
            self._hand_over(END)
        except BaseException as exc:  # noqa: BLE001 - handed over to the station
            self._hand_over(exc)

    def get(self, timeout: float | None) -> FrameBatch | object:
        """The next batch, IDLE when none came within `timeout`, END at the end; the
        input's failure is raised here."""
        try:
            item = self._out.get(timeout=timeout)
        except queue.Empty:
            return IDLE
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        """Stop taking batches: the worker ends at its next hand-over."""
        self._stop.set()
        self._thread.join(STOP_WAIT_S)
