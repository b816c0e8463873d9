"""Running one command as a measured child: pinned to one CPU, single-threaded, its CPU
time (user + sys) from os.wait4 and its wall time around it."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import CACHE_DIR, SINGLE_THREAD_ENV, Failure


@dataclass
class Run:
    label: str
    rnd: int  # the round it belongs to
    user: float
    sys: float
    wall: float
    frames: int
    note: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


@dataclass
class Runner:
    """Starts children pinned to one CPU with single-threaded settings and times them."""

    cpu: int
    out_dir: Path
    tree: Path  # PYTHONPATH: where our package is imported from
    pin: list[str] = field(init=False)
    base_env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        taskset = shutil.which("taskset")
        self.pin = [taskset, "-c", str(self.cpu)] if taskset else []
        env = dict(os.environ)
        env["NUMBA_CACHE_DIR"] = str(CACHE_DIR)  # ours alone: see CACHE_DIR
        env.pop("NUMBA_DISABLE_JIT", None)
        env.update(SINGLE_THREAD_ENV)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(self.tree),
                                                          env.get("PYTHONPATH"))))
        self.base_env = env

    def run(self, label: str, argv: Sequence[str], rnd: int = 0,
            extra_env: dict[str, str] | None = None) -> Run:
        """Run one command to completion; stdout and stderr go to files in out_dir."""
        env = dict(self.base_env)
        env.update(extra_env or {})
        full = [*self.pin, *argv]
        exe = full[0] if os.sep in full[0] else shutil.which(full[0])
        if exe is None:
            raise Failure(f"{full[0]}: command not found")
        stem = "run-" + "".join(c if c.isalnum() else "_" for c in label)
        out_path = self.out_dir / f"{stem}.out"
        err_path = self.out_dir / f"{stem}.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            actions = [
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ]
            started = time.perf_counter()
            pid = os.posix_spawn(exe, full, env, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            tail = err_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise Failure(f"{' '.join(argv)} exited with status {code}: "
                          f"{tail[0] if tail else 'no message'} (see {err_path})")
        # (ru_maxrss is left out: posix_spawn's vfork-style child inherits this process's
        # high-water mark before its exec, so it reads as ours, not the child's.)
        return Run(label, rnd, usage.ru_utime, usage.ru_stime, wall, count_frames(out_path))


def count_frames(path: Path) -> int:
    """AVR lines (`*HEX;`, or `@TIMESTAMPHEX;`) in a decoder's output."""
    count = 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1] in (b"*", b"@") and line.rstrip().endswith(b";"):
                count += 1
    return count


def cache_written_since(started: float) -> bool:
    """Whether any file of our Numba cache was written at or after `started`."""
    return any(p.stat().st_mtime >= started - 0.01 for p in CACHE_DIR.rglob("*") if p.is_file())
