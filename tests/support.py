"""Running the code under review: subprocess tests start this checkout's adsbwatch, never
whatever `adsbwatch` comes first on PATH or an older installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def adsbwatch_command(python_options: Sequence[str] = ()) -> list[str]:
    """This interpreter running the checkout's package (`checkout_env` puts it first);
    `python_options` go to the interpreter (e.g. `-X importtime`)."""
    return [sys.executable, *python_options, "-m", "adsbwatch"]


def checkout_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with the repository first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra or {})
    return env


def run_adsbwatch(*args: str, env: dict[str, str] | None = None,
                  python_options: Sequence[str] = (), **kwargs: Any,
                  ) -> subprocess.CompletedProcess:
    """`adsbwatch ARGS...` of the checkout, output captured as text unless told otherwise."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    return subprocess.run([*adsbwatch_command(python_options), *args], env=checkout_env(env),
                          **kwargs)


def cli(*args: str) -> tuple[int, str, str]:
    """`adsbwatch ARGS` in this process: exit status, stdout, stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from adsbwatch.receiver.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(args))
    return rc, out.getvalue(), err.getvalue()


class Running:
    """`adsbwatch ARGS` of the checkout running, its stderr read line by line as it comes
    (in a thread: a full pipe would block it)."""

    def __init__(self, args: Sequence[str], *, stdout: Any = subprocess.PIPE,
                 preexec_fn: Any = None) -> None:
        self.proc = subprocess.Popen([*adsbwatch_command(), *args], env=checkout_env(),
                                     stdout=stdout, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=preexec_fn)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))


def system_program(path_or_name: str, package: str) -> str:
    """The path of a program a Debian package brings (dump1090-mutability, chromium).
    Missing: the test skips on a developer's machine, but fails in CI (CI set), where
    .ci/system-packages.sh must have installed it, so a failed install is never a pass."""
    import shutil

    import pytest

    path = shutil.which(path_or_name)
    if path is None:
        why = f"{path_or_name} is not installed (.ci/system-packages.sh installs {package})"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return path
