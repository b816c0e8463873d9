"""Start-up: what our fixed cost is made of (a bare interpreter, numpy, numba, our CLI,
a 10 ms replay), and a warm and a cold start (an empty Numba cache: compile time)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from .runner import Run

Timed = Callable[..., Run]  # Session.timed: (label, argv, round, env=None) -> Run


def startup_commands(python: str, tiny_replay: list[str]) -> dict[str, list[str]]:
    """The start-up ladder, each step adding one thing to the one before."""
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import numpy'": [python, "-c", "import numpy"],
        "python -c 'import numba'": [python, "-c", "import numba"],
        "python -c 'import adsbwatch.receiver.cli.main'": [python, "-c",
                                                          "import adsbwatch.receiver.cli.main"],
        "adsbwatch replay, 10 ms file": tiny_replay,
    }


def startup_rounds(timed: Timed, commands: dict[str, list[str]],
                   rounds: int) -> dict[str, list[Run]]:
    """Every command once a round, interleaved."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for rnd in range(1, rounds + 1):
        for name, argv in commands.items():
            runs[name].append(timed(name, argv, rnd))
    return runs


def warm_and_cold(timed: Timed, one_second_replay: list[str],
                  rounds: int) -> tuple[list[Run], list[Run]]:
    """A replay of the 1-second file with the Numba cache, then with an empty one."""
    warm: list[Run] = []
    cold: list[Run] = []
    for rnd in range(1, rounds + 1):
        warm.append(timed("warm start, 1 s", one_second_replay, rnd))
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as empty:
            cold.append(timed("cold start, 1 s", one_second_replay, rnd,
                              {"NUMBA_CACHE_DIR": empty}))
    return warm, cold
