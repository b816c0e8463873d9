"""Unsaved rows: what the store could not write, kept as JSON lines in a
`DB.unsaved-TIME.jsonl` file, and read back by `adsbwatch store restore`.

Each line is `{"table": ..., "row": {column: value}}` with the stored columns, so a
restore writes exactly the rows the database would have held. The file names the
visit of every point and event it holds (when the store knew it), so it can be restored
into a database that never saw that visit.

The file goes beside the database; when that folder cannot take it, to the working
folder, then $XDG_STATE_HOME/adsbwatch (~/.local/state/adsbwatch), then the temp dir.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.files import write_new_file
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    POINT_COLUMNS,
    VISIT_COLUMNS,
    PointRow,
    event_values,
    point_values,
    visit_from,
    visit_values,
)


class UnsavedFileError(StoreError):
    """The file named to restore is missing or not a file of saved rows: bad input."""

    exit_status = 2


_TABLES = {"visits": VISIT_COLUMNS, "track_points": POINT_COLUMNS, "events": EVENT_COLUMNS}


def unsaved_text(visits: Iterable[tuple], points: Iterable[tuple],
                 events: Iterable[tuple]) -> str:
    """The JSON lines of buffered rows (as the store's tuples), visits first."""
    return "".join(
        json.dumps({"table": table, "row": dict(zip(_TABLES[table], row, strict=True))})
        + "\n"
        for table, rows in (("visits", visits), ("track_points", points), ("events", events))
        for row in rows)


def state_folder() -> Path:
    """$XDG_STATE_HOME/adsbwatch, or ~/.local/state/adsbwatch (XDG's default)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec ignores a relative path
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "adsbwatch"


def _folders(db: Path) -> list[tuple[Path | None, bool]]:
    """Where the file may go, in order, and whether the folder may be created (None:
    the working folder, which may be gone)."""
    return [(db.parent, False), (None, False), (state_folder(), True),
            (Path(tempfile.gettempdir()), False)]


def save_unsaved(db: Path, text: str) -> tuple[Path | None, list[str]]:
    """Write the file into the first folder that takes it: its path (None if no folder
    did) and what went wrong in the folders tried before."""
    name = f"{db.name}.unsaved-{int(time.time())}"
    problems: list[str] = []
    for place, create in _folders(db):
        folder = place
        try:
            folder = Path.cwd() if place is None else place
            if create:
                folder.mkdir(parents=True, exist_ok=True)
            return write_new_file(folder, name, text), problems
        except OSError as exc:
            problems.append(f"{folder or 'the working folder'}: {exc.strerror or exc}")
    return None, problems


def restore_command(saved: Path, db: Path) -> str:
    return f"adsbwatch store restore {shlex.quote(str(saved))} --db {shlex.quote(str(db))}"


def announcement(count: int, db: Path, reason: str, saved: Path | None,
                 problems: list[str]) -> str:
    """The one line that says what happened to `count` rows not written to `db`."""
    head = f"could not write {count} rows to {db}: {reason}"
    if saved is None:
        return f"{head}; could not save them to a file either ({'; '.join(problems)})"
    elsewhere = (f" (the database's folder could not take them: {problems[0]})"
                 if saved.parent != db.parent and problems else "")
    return (f"{head}; saved them to {saved}{elsewhere}; restore them with "
            f"`{restore_command(saved, db)}`")


# ------------------------------------------------------------------------------ reading

@dataclass
class SavedRows:
    """The rows of an unsaved-rows file, checked and converted like buffered rows."""

    visits: dict[int, tuple] = field(default_factory=dict)  # the last line of each id
    points: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.visits) + len(self.points) + len(self.events)


def _add(saved: SavedRows, table: str, row: dict) -> None:
    if table == "visits":
        values = visit_values(visit_from([row[c] for c in VISIT_COLUMNS]))
        saved.visits[values[0]] = values
    elif table == "track_points":
        point = PointRow(**{c: row[c] for c in POINT_COLUMNS[1:]})
        saved.points.append(point_values(row["visit_id"], point))
    elif table == "events":
        saved.events.append(event_values(row["visit_id"], row["t"], row["kind"],
                                         row["value"]))
    else:
        raise ValueError(f"unknown table {table!r}")


def read_unsaved(path: Path) -> SavedRows:
    """Every row of the file; UnsavedFileError naming file:line at the first bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnsavedFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    saved = SavedRows()
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            _add(saved, item["table"], item["row"])
        except KeyError as exc:
            raise UnsavedFileError(f"{path}:{number}: not a line of saved rows "
                             f"(no {exc.args[0]!r})") from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise UnsavedFileError(f"{path}:{number}: not a line of saved rows ({exc})") from None
    return saved
