"""Facts about the machine and the programs measured, and getting them ready: the
interpreter (a clean virtual environment), our command, the peer decoder."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import INSTALL_HINT, PEER_NAME, PEER_PATH, ROOT, VENV, WORK, Failure
from .runner import Runner


def command_output(argv: Sequence[str], env: dict[str, str] | None = None,
                   cwd: Path = ROOT) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd,
                              env=env)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions(python: str) -> str:
    code = ("import sys, numpy, numba; "
            "print(sys.version.split()[0], numpy.__version__, numba.__version__)")
    parts = command_output([python, "-c", code]).split()
    if len(parts) != 3:
        return "unknown"
    return f"Python {parts[0]}, numpy {parts[1]}, numba {parts[2]}"


def our_command(python: str) -> list[str]:
    """The `adsbwatch` console script beside `python` (not a pyenv shim, whose bash
    start-up is not ours), else `python -m adsbwatch`."""
    script = Path(python).parent / "adsbwatch"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [python, "-m", "adsbwatch"]


def clean_venv(dest: Path = VENV) -> str:
    """The Python of a virtual environment holding what `pip install .` installs and
    nothing else: what a user of the README's quick start runs. The interpreter this
    script runs under may hold more (here: SciPy and cffi, which Numba imports at its
    first compile when present: 0.3 s of start-up a user does not pay). Rebuilt when
    pyproject.toml changes; the package itself is then taken from PYTHONPATH."""
    python = dest / "bin" / "python"
    stamp = dest / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.is_file() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return str(python)
    print(f"speed: building a clean virtual environment in {dest} ...", file=sys.stderr)
    shutil.rmtree(dest, ignore_errors=True)
    for argv in ([sys.executable, "-m", "venv", str(dest)],
                 [str(python), "-m", "pip", "install", "--quiet", str(ROOT)]):
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
            raise Failure(f"{' '.join(argv)} failed: {tail[0] if tail else 'no message'}")
    stamp.write_text(wanted + "\n")
    return str(python)


def check_our_package(python: str, runner: Runner) -> None:
    where = command_output([python, "-c", "import adsbwatch; print(adsbwatch.__file__)"],
                           runner.base_env, cwd=WORK)
    if not where:
        raise Failure(f"{python} cannot import adsbwatch: run `pip install -e {ROOT}`", 2)
    if not Path(where).resolve().is_relative_to(runner.tree):
        raise Failure(f"adsbwatch is imported from {where}, not from {runner.tree}", 1)


def find_peer(path: str | None, install: bool) -> Path:
    if path is not None:
        candidate = Path(path)
    else:
        found = shutil.which(PEER_NAME)
        candidate = Path(found) if found else PEER_PATH
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate.absolute()
    if not install:
        raise Failure(f"{candidate}: not found; install it with `{INSTALL_HINT}` "
                      f"(as root), or run this script with --install", 2)
    if path is not None:
        raise Failure(f"{candidate}: not found; --install only installs {PEER_PATH}", 2)
    if os.geteuid() != 0:
        raise Failure(f"--install needs root: run `sudo apt-get update && sudo "
                      f"{INSTALL_HINT}` instead", 2)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", PEER_NAME]):
        print(f"speed: running {' '.join(argv)}", file=sys.stderr)
        if subprocess.run(argv, env=env).returncode != 0:
            raise Failure(f"`{' '.join(argv)}` failed; see its messages above")
    if not PEER_PATH.is_file():
        raise Failure(f"{PEER_PATH} is still missing after installing {PEER_NAME}")
    return PEER_PATH


def peer_version() -> str:
    return command_output(["dpkg-query", "-W", "-f", "${Version}", PEER_NAME])
