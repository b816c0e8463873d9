"""The garbage collector around a command's start-up.

Importing numpy, Numba and pyModeS and loading the kernels leaves over 100,000 objects
that live as long as the program. Left to the collector's defaults, a full pass walks
them all (25-40 ms): twice while starting, a few times a minute of a busy sky (about a
tenth of the decoding's CPU), and once more as the interpreter exits. So passes are
rarer while a command starts, and a process that is the command (`adsbwatch ...`, not a
caller of main() that goes on, such as the tests) freezes what start-up left once its
station runs: later passes, the last one included, leave it alone. Frozen objects are
never collected; a process that ends with its command loses nothing by that.
"""

from __future__ import annotations

import gc

STARTING_THRESHOLD = 50_000  # new objects between young passes while starting (default 700)

_DEFAULTS = gc.get_threshold()
_owns_process = False  # the command ends with the process: start-up may be frozen


def command_starting(owns_process: bool) -> None:
    """Rarer passes until start_up_over() or command_over()."""
    global _owns_process
    _owns_process = owns_process
    gc.set_threshold(STARTING_THRESHOLD, *_DEFAULTS[1:])


def start_up_over() -> None:
    """A station's kernels are loaded: the default thresholds for what the run makes,
    and, in a process that is the command, what exists now frozen out of later passes."""
    gc.set_threshold(*_DEFAULTS)
    if _owns_process:
        gc.freeze()


def command_over() -> None:
    """The default thresholds again, for a caller that goes on."""
    global _owns_process
    _owns_process = False
    gc.set_threshold(*_DEFAULTS)
