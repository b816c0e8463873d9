"""Running a generator ahead of its consumer in a worker thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


IDLE = object()  # yielded by ahead_in_thread when nothing came for `idle_s`


def ahead_in_thread(items: Iterator[T], depth: int, name: str,
                    idle_s: float | None = None) -> Iterator[T | object]:
    """Run the `items` generator in a worker thread, `depth` items ahead of the caller.

    Reading and the Numba kernels release the GIL, so on a machine with a second core
    the next blocks are demodulated while the caller decodes this one. The worker's
    exceptions reach the caller; a caller that stops early (an error, Ctrl-C) stops it.
    With `idle_s`, IDLE comes whenever the worker has had nothing for that long (a live
    device that went away), so the caller can keep its own clockwork going.
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
            for item in items:
                if not hand_over(item):
                    return
            hand_over(done)
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller
            hand_over(exc)

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = out.get(timeout=idle_s)
            except queue.Empty:
                yield IDLE
                continue
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5.0)
