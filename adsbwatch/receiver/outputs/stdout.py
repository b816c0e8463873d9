"""stdout as an outlet several outputs share (AVR lines, the table, sighting lines).

A write never raises into the code that produced the text: a reader that leaves (`|
head`) marks the outlet gone, any other failure (a full disk) marks it failed with the
reason; either way stdout is pointed at /dev/null so that nothing else fails on it,
and each output asks the outlet afterwards what became of it."""

from __future__ import annotations

import os
import sys


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
