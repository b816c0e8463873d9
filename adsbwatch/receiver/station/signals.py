"""Ctrl-C and SIGTERM: the first asks the station to stop, later ones cannot cut its
shutdown.

The first signal only asks (`on_stop`, the station's request_stop): the station ends
its run within a second, hands on what it already read and closes its outputs through
the normal path. Nothing is raised, so no output can mistake a stop for its own failure.
Every later signal only gets a line saying what is being saved: a second Ctrl-C while
the station hands on what it read and the store writes its last rows must not throw them
away (each of those waits is bounded). Without `on_stop` (a command with no station) the
first signal raises (KeyboardInterrupt, or Terminated for SIGTERM, BaseExceptions no
output catches), and later ones, once it closes, only say what is being saved. SIGINT
is installed explicitly: a program started in the background of a script inherits
SIGINT ignored, and Python then installs no handler of its own.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from types import FrameType, TracebackType

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):  # noqa: N818 - a stop, like KeyboardInterrupt
    """SIGTERM, raised so the run ends through its closing path."""


class _WaitOver(Exception):
    """The signal that ends `wait_for_signal`."""


class StopSignals:
    """`with StopSignals() as signals:` around a run and its shutdown."""

    def __init__(self, saving_notice: str = "saving what was received; it stops by itself "
                                            "when that is done",
                 on_stop: Callable[[], None] | None = None) -> None:
        self.notice = saving_notice
        self.on_stop = on_stop
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
        if self.received is None:
            self.received = signum
            if self.on_stop is not None:
                self.on_stop()  # the station ends its run by itself
                return
        elif self.on_stop is not None:
            # Already stopping (handing on what was read, writing the store): a second
            # signal must not cut that short.
            print(f"adsbwatch: {self.notice}", file=sys.stderr, flush=True)
            return
        self.closing = True
        if signum == signal.SIGTERM:
            raise Terminated
        raise KeyboardInterrupt
