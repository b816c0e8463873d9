"""Whether this run finds its compiled kernels in Numba's cache, so that a first run can
say it is compiling (15-40 s on a laptop, a minute on a Pi, while nothing else shows).

cli/numba_cache.py chooses the cache folder at the start and records it here; the
station says the line once, before its first kernel is used. A folder that holds no
index file (`*.nbi`, one per cached kernel) is cold: a first run, or new kernel sources."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

UNCACHED = Path()  # the kernels compile on every run: no folder could hold them
_folder: Path | None = None  # where the kernels are kept; None: not chosen by this run
_said = False


def note_cache_folder(folder: Path) -> None:
    """The folder this run's kernels are kept in (UNCACHED: none)."""
    global _folder, _said
    _folder, _said = folder, False


def is_cold() -> bool:
    """The kernels will compile: none is cached yet in the chosen folder, or there is
    none. Not known (a program that chose no folder, e.g. tests calling main() after
    loading the kernels themselves): False, nothing to say."""
    if _folder is None:
        return False
    if _folder == UNCACHED:
        return True
    try:
        return next(_folder.rglob("*.nbi"), None) is None
    except OSError:
        return True


def say_if_compiling(say: Callable[[str], None] | None = None) -> None:
    """One line on stderr, once per run, when the kernels are about to compile."""
    global _said
    if _said or not is_cold():
        return
    _said = True
    line = ("adsbwatch: compiling the demodulator (first run only: 15-40 s, a minute on a "
            "Raspberry Pi; later runs load it from the cache)")
    if say is not None:
        say(line)
    else:
        print(line, file=sys.stderr, flush=True)
