"""stdout as an outlet several outputs share (AVR lines, the table, sighting lines).

A write never raises into the code that produced the text: a reader that leaves (`|
head`) marks the outlet gone, any other failure (a full disk) marks it failed with the
reason; either way stdout is pointed at /dev/null so that nothing else fails on it,
and each output asks the outlet afterwards what became of it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def detach_stdout() -> None:
    """Point stdout at /dev/null: what it still buffers can then be flushed at exit
    without a second failure (and a traceback) after the first was reported."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class StdoutOutlet:
    def __init__(self) -> None:
        self.gone = False  # the reader went away
        self.failure: str | None = None  # why writing failed, if it did

    @property
    def open(self) -> bool:
        return not self.gone and self.failure is None

    def write(self, text: str) -> int:
        if self.open:
            self._guarded(sys.stdout.write, text)
        return len(text)

    def flush(self) -> None:
        if self.open:
            self._guarded(sys.stdout.flush)

    def isatty(self) -> bool:
        try:
            return sys.stdout.isatty()
        except (ValueError, OSError):
            return False

    def fileno(self) -> int:
        return sys.stdout.fileno()

    @property
    def encoding(self) -> str:
        return sys.stdout.encoding or "utf-8"

    def _guarded(self, call, *args: str) -> None:  # type: ignore[no-untyped-def]
        try:
            call(*args)
        except BrokenPipeError:
            self.gone = True
            detach_stdout()
        except OSError as exc:
            self.failure = f"cannot write to stdout ({exc.strerror or exc})"
            detach_stdout()


class StdoutWatch:
    """What becomes of a run whose stdout (the table, the sighting lines) fails: a
    reader that left ends a run with nothing else to do, quietly; a failed write (a full
    disk) ends it with one error; either way a run that records goes on recording, the
    failed write said once as a warning (the exit status is then 1)."""

    name = "stdout"

    def __init__(self, outlet: StdoutOutlet, recording: bool,
                 stop: Callable[[], None], warn: Callable[[str], None]) -> None:
        self.outlet = outlet
        self.recording = recording  # a store or an alert command still serves
        self.stop = stop
        self.warn = warn
        self.failure: str | None = None  # said as a warning: the run goes on, exit 1
        self.fatal: str | None = None  # the run's error, said at the end
        self.reader_left = False

    def on_tick(self, tick: object) -> None:
        outlet = self.outlet
        if outlet.open or self.failure is not None or self.fatal is not None \
                or self.reader_left:
            return
        if outlet.gone:
            self.reader_left = True
            if not self.recording:
                self.stop()  # nothing is left to serve
            return
        if not self.recording:
            self.fatal = outlet.failure
            self.stop()
            return
        self.failure = outlet.failure
        self.warn(f"{outlet.failure}; the aircraft are still recorded")

    def close(self) -> None:
        self.on_tick(None)
