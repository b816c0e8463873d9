"""Running the code under review: subprocess tests start this checkout's adsbwatch, never
whatever `adsbwatch` comes first on PATH or an older installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def adsbwatch_command() -> list[str]:
    """This interpreter running the checkout's package (`checkout_env` puts it first)."""
    return [sys.executable, "-m", "adsbwatch"]


def checkout_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with the repository first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.update(extra or {})
    return env


def run_adsbwatch(*args: str, env: dict[str, str] | None = None,
                  **kwargs: Any) -> subprocess.CompletedProcess:
    """`adsbwatch ARGS...` of the checkout, output captured as text unless told otherwise."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    return subprocess.run([*adsbwatch_command(), *args], env=checkout_env(env), **kwargs)
