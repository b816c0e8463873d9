"""What is measured: a copy of the package taken once its sources rest (others edit the
tree meanwhile), with its digest and its diff against the commit; and, with --live, a
watch on the tree that says when it changed under a run."""

from __future__ import annotations

import compileall
import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import ROOT, Failure
from .environment import command_output
from .runner import Run


def source_digest(tree: Path = ROOT) -> str:
    """A short hash of the package's Python sources under `tree`."""
    h = hashlib.sha256()
    for path in sorted((tree / "adsbwatch").rglob("*.py")):
        h.update(str(path.relative_to(tree)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Snapshot:
    tree: Path  # holds the adsbwatch package that is measured
    digest: str
    commit: str
    changes: str  # uncommitted changes under adsbwatch/ when it was taken


def take_snapshot(dest: Path, quiet_s: float = 5.0, patience_s: float = 300.0) -> Snapshot:
    """Copy the package to `dest` once its sources have rested for `quiet_s` seconds, so
    that every run measures the same code while the demodulator is being edited; the
    copy keeps `git diff HEAD` of the package beside it, to say what was measured."""
    package = ROOT / "adsbwatch"
    give_up = time.monotonic() + patience_s
    while True:
        newest = max(p.stat().st_mtime for p in package.rglob("*.py"))
        if time.time() - newest >= quiet_s or time.monotonic() > give_up:
            before = source_digest()
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(package, dest / "adsbwatch",
                            ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
            diff = command_output(["git", "--no-optional-locks", "diff", "HEAD", "--",
                                   "adsbwatch"])
            commit = command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
            changes = tree_changes()
            if source_digest() == before == source_digest(dest):
                # Bytecode, as `pip install` writes it: else each run (where
                # PYTHONDONTWRITEBYTECODE is set, as on this machine) compiled our ~110
                # modules from source, 0.06 s of start-up no installed copy pays.
                compileall.compile_dir(dest / "adsbwatch", quiet=1)
                (dest / "tree.diff").write_text(diff + "\n" if diff else "")
                (dest / "commit").write_text(commit + "\n")
                return Snapshot(dest, before, commit, changes)
        if time.monotonic() > give_up:
            raise Failure(f"the sources under {package} kept changing for {patience_s:.0f} s; "
                          "run again later, or pass --live to measure the tree as it changes")
        time.sleep(1.0)


def tree_changes() -> str:
    status = command_output(["git", "--no-optional-locks", "status", "--porcelain", "--",
                             "adsbwatch"])
    return ", ".join(line.strip() for line in status.splitlines())


class TreeWatch:
    """Notices when the measured sources change between runs (only with --live, where the
    tree being edited is measured as it is): after a change the Numba cache is stale, so a
    warm-up run recompiles before the next timing."""

    def __init__(self, tree: Path, warm_up: Callable[[], None]) -> None:
        self.tree = tree
        self.warm_up = warm_up
        self.digest = source_digest(tree)
        self.seen = [self.digest]

    def before(self) -> str:
        now = source_digest(self.tree)
        if now != self.digest:
            self.digest = now
            self.seen.append(now)
            self.warm_up()
            return f"sources changed before this run (now {now}); re-warmed"
        return ""

    def after(self, run: Run, note: str) -> Run:
        if source_digest(self.tree) != self.digest:
            note = (note + "; " if note else "") + "SOURCES CHANGED DURING THIS RUN"
        run.note = note
        return run
