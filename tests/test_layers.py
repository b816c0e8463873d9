"""The layers of the code, checked by import-linter on this checkout (the contracts are
in pyproject.toml): decoder/ imports nothing of receiver/; receiver/'s subpackages stand
in layers (core, config, then sources and store, station, outputs and ui, assembly, cli),
none importing one above it or beside it; core/ imports nothing else of receiver/.
Besides, no module outside cli/ imports argparse."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, checkout_env


def test_the_import_contracts_hold() -> None:
    command = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(command).exists():
        pytest.fail("lint-imports is not installed: pip install '.[test]'")
    result = subprocess.run([command, "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                            env=checkout_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def test_only_cli_imports_argparse() -> None:
    users = []
    for path in (REPO / "adsbwatch").rglob("*.py"):
        if "cli" in path.relative_to(REPO / "adsbwatch").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "argparse" for name in names):
                users.append(str(path.relative_to(REPO)))
    assert users == []
