"""What a command costs before it does anything: the modules it imports, and the import
graph it stands on (no cycles)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, run_adsbwatch

from adsbwatch.receiver.store.opening import open_watchlist_store

HEAVY = ("numba", "numpy", "psycopg")  # what --help and watchlist list (SQLite) start without
IMPORT_CYCLES_TOOL = REPO.parent / "shared" / "tools" / "import_cycles.py"
SAMPLE = REPO / "samples" / "airport_2400k.cu8"


def imported_modules(importtime_stderr: str) -> list[tuple[int, str]]:
    """(depth, module) for each `-X importtime` line, in the order printed: a module is
    printed when its import finishes, after the modules it imported, one level deeper."""
    modules = []
    for line in importtime_stderr.splitlines():
        name = line.rsplit("|", 1)[-1]
        if not line.startswith("import time:") or name.strip() == "imported package":
            continue
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        modules.append((depth, name.strip()))
    return modules


def import_chain(modules: list[tuple[int, str]], target: str) -> str:
    """Who imported `target`: its importers up to the top, as `a -> b -> target`."""
    at = next(i for i, (_, name) in enumerate(modules) if name == target)
    chain, depth = [target], modules[at][0]
    for later_depth, name in modules[at + 1:]:
        if later_depth < depth:
            chain.append(name)
            depth = later_depth
    return " -> ".join(reversed(chain))


def test_import_chain_is_read_from_importtime_output() -> None:
    stderr = ("import time: self [us] | cumulative | imported package\n"
              "import time:       100 |        100 |     numpy\n"
              "import time:        50 |        150 |   adsbwatch.decoder.demod.iqformats\n"
              "import time:        10 |         10 |   adsbwatch.receiver.errors\n"
              "import time:        70 |        230 | adsbwatch.receiver.cli.replay\n")
    modules = imported_modules(stderr)
    assert [name for _, name in modules] == [
        "numpy", "adsbwatch.decoder.demod.iqformats", "adsbwatch.receiver.errors",
        "adsbwatch.receiver.cli.replay"]
    assert import_chain(modules, "numpy") == (
        "adsbwatch.receiver.cli.replay -> adsbwatch.decoder.demod.iqformats -> numpy")


def command_imports(*args: str) -> list[tuple[int, str]]:
    """(depth, module) for each module `python -X importtime -m adsbwatch ARGS` imports."""
    result = run_adsbwatch(*args, python_options=("-X", "importtime"))
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    modules = imported_modules(result.stderr)
    assert any(name == "adsbwatch.receiver.cli.main" for _, name in modules)
    return modules


def heavy_imports(*args: str) -> dict[str, str]:
    """The heavy modules a command imports, with the chain that brought each in."""
    modules = command_imports(*args)
    names = {name for _, name in modules}
    return {heavy: import_chain(modules, heavy) for heavy in HEAVY if heavy in names}


def test_help_starts_without_numba_or_numpy() -> None:
    assert heavy_imports("--help") == {}


def test_watchlist_list_starts_without_numba_or_numpy(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    open_watchlist_store(str(db)).close()  # an empty store
    assert heavy_imports("watchlist", "list", "--db", str(db)) == {}


def test_replay_raw_starts_without_the_store_or_the_watchlist_rules() -> None:
    # Only the demodulator's output is asked for: the store's modules and the watchlist's
    # parser are the decoding run's (and every other command's) start-up, not this one's.
    modules = {name for _, name in command_imports("replay", str(SAMPLE), "--raw", "-q")}
    assert "adsbwatch.decoder.demod.kernel" in modules
    assert "adsbwatch.receiver.outputs.avr" in modules
    unneeded = {name for name in modules
                if name.startswith(("adsbwatch.receiver.store.",
                                    "adsbwatch.decoder.messages.watch"))}
    assert unneeded <= {"adsbwatch.receiver.store.formats"}, sorted(unneeded)


def test_no_import_cycle_among_the_package_modules() -> None:
    if not IMPORT_CYCLES_TOOL.is_file():
        pytest.skip(f"{IMPORT_CYCLES_TOOL} not present: the shared tools sit beside the "
                    "repository, not in it")
    result = subprocess.run([sys.executable, str(IMPORT_CYCLES_TOOL), str(REPO / "adsbwatch")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("0 import cycles among ")
