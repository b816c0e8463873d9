"""A second store backend must need no change outside store/: the rest of the program
reaches the store only through its protocols, rows, errors and the factory (and the
export formats, file writing, the filling-in of visits' database columns and retention's
rules and hourly thread, which no backend changes)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "adsbwatch"
STORE = "adsbwatch.receiver.store"
OPEN_TO_ALL = {f"{STORE}.{name}" for name in (
    "protocols", "rows", "errors", "opening", "export", "formats", "files", "info_fill",
    "pruning", "pruning_schedule")}


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_store_imports_its_backends() -> None:
    breaches = []
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "receiver" / "store") in path.parents:
            continue
        for name in _imported(ast.parse(path.read_text(), str(path))):
            module = name
            if not module.startswith(STORE + "."):
                continue
            # `from adsbwatch.receiver.store.rows import VisitRow` names the module and
            # the module plus the class: one of the two must be open to all.
            parent = module.rsplit(".", 1)[0]
            if module not in OPEN_TO_ALL and parent not in OPEN_TO_ALL:
                breaches.append(f"{path.relative_to(PACKAGE.parent)}: {name}")
    assert breaches == []


def test_the_check_sees_a_breach() -> None:
    tree = ast.parse("from adsbwatch.receiver.store.sqlite.connection import Store\n")
    names = _imported(tree)
    assert "adsbwatch.receiver.store.sqlite.connection" in names
    assert not any(n in OPEN_TO_ALL or n.rsplit(".", 1)[0] in OPEN_TO_ALL for n in names)
