"""Ctrl-C and SIGTERM: the first stops the station, later ones cannot cut its shutdown.

The first signal raises (KeyboardInterrupt, or Terminated for SIGTERM) where the main
thread is, so the run ends through its normal closing path. From then on, and whenever
the run is closing anyway, a signal only gets a line saying what is being saved: a
second Ctrl-C while the store waits on a locked database must not throw away what it
holds. SIGINT is installed explicitly: a program started in the background of a script
inherits SIGINT ignored, and Python then installs no handler of its own.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from types import FrameType, TracebackType

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(Exception):
    """SIGTERM, turned into an exception so the store is committed on the way out."""


class _WaitOver(Exception):
    """The signal that ends `wait_for_signal`."""


class StopSignals:
    """`with StopSignals() as signals:` around a run and its shutdown."""

    def __init__(self, saving_notice: str = "saving what was received; it stops by itself "
                                            "when that is done") -> None:
        self.notice = saving_notice
        self.closing = False
        self.received: int | None = None  # the first signal's number
        self._waiting = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        for signum in EXIT_STATUS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def shutting_down(self) -> None:
        """The run is over: from now on signals only say that the shutdown goes on."""
        self.closing = True

    def wait_for_signal(self, announce: Callable[[], None] | None = None) -> None:
        """Wait for Ctrl-C or SIGTERM (a replay serving its last state over HTTP): the
        signal ends the wait, not the run, whose exit status stays as it was; the close
        that follows is protected as any shutdown is. `announce` (e.g. the line saying
        so) runs once a signal would already end the wait."""
        try:
            self._waiting = True
            if announce is not None:
                announce()
            while True:
                time.sleep(3600)
        except _WaitOver:
            pass
        finally:
            self._waiting = False
            self.closing = True

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS.get(self.received, 0) if self.received is not None else 0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._waiting:
            self._waiting = False
            raise _WaitOver
        if self.closing:
            print(f"adsbwatch: {self.notice}", file=sys.stderr, flush=True)
            return
        self.closing = True
        self.received = signum
        if signum == signal.SIGTERM:
            raise Terminated
        raise KeyboardInterrupt
