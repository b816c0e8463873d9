"""Unsaved rows: what the store could not write, kept as JSON lines in a
`DB.unsaved-TIME.jsonl` file, and read back by `adsbwatch store restore`.

Each line is `{"table": ..., "row": {column: value}}` with the stored columns, so a
restore writes exactly the rows the database would have held. The file names the
visit of every point and event it holds (when the store knew it), so it can be restored
into a database that never saw that visit.

A running recorder appends to one file whenever rows wait too long for the database
(whole lines, synced), and once more when it closes: a program killed while appending
leaves a last line cut short, which a restore leaves out and names.

The file goes beside the database; when that folder cannot take it, to the working
folder, then $XDG_STATE_HOME/adsbwatch (~/.local/state/adsbwatch), then the temp dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from adsbwatch.receiver.store.batch import RowBatch, minute_key
from adsbwatch.receiver.store.errors import StoreError
from adsbwatch.receiver.store.files import write_all, write_new_file
from adsbwatch.receiver.store.rows import (
    EVENT_COLUMNS,
    MINUTE_COLUMNS,
    POINT_COLUMNS,
    SESSION_COLUMNS,
    VISIT_COLUMNS,
    VISIT_INFO_COLUMNS,
    PointRow,
    event_values,
    minute_from,
    minute_values,
    point_values,
    session_from,
    session_values,
    visit_from,
    visit_values,
)


class UnsavedFileError(StoreError):
    """The file named to restore is missing or not a file of saved rows: bad input."""

    exit_status = 2


_TABLES = {"visits": VISIT_COLUMNS, "track_points": POINT_COLUMNS, "events": EVENT_COLUMNS,
           "sessions": SESSION_COLUMNS, "minutes": MINUTE_COLUMNS}


def unsaved_text(batch: RowBatch) -> str:
    """The JSON lines of a batch, visits first (a restore reads a visit before its
    points either way; a reader of the file does too)."""
    tables = (("visits", batch.visits.values()), ("track_points", batch.points),
              ("events", batch.events), ("sessions", batch.sessions.values()),
              ("minutes", batch.minutes.values()))
    return "".join(
        json.dumps({"table": table, "row": dict(zip(_TABLES[table], row, strict=True))})
        + "\n"
        for table, rows in tables for row in rows)


# ------------------------------------------------------------------------------ writing

def state_folder() -> Path:
    """$XDG_STATE_HOME/adsbwatch, or ~/.local/state/adsbwatch (XDG's default)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec ignores a relative path
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "adsbwatch"


def _folders(first: Path | None) -> list[tuple[Path | None, bool]]:
    """Where the file may go, in order, and whether the folder may be created (None:
    the working folder, which may be gone)."""
    places: list[tuple[Path | None, bool]] = [(first, False)] if first is not None else []
    return [*places, (None, False), (state_folder(), True),
            (Path(tempfile.gettempdir()), False)]


class SpillFile:
    """The unsaved-rows file of one recorder: created at the first rows, appended to
    after; when its folder cannot take more, the rest goes to a new file in the next
    folder that can."""

    def __init__(self, folder: Path | None, name: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self.clock = clock
        self.files: list[Path] = []
        self.problems: list[str] = []  # why folders tried before did not take the rows
        self.rows = 0
        self._places = _folders(folder)
        self._place = 0  # the folder tried next (or appended to)

    def append(self, text: str, rows: int) -> bool:
        """Whole lines, synced; False (`problems` say why) when no folder took them."""
        if self.files and self._appended(self.files[-1], text.encode("utf-8")):
            self.rows += rows
            return True
        name = f"{self.name}.unsaved-{int(self.clock())}"
        while self._place < len(self._places):
            place, create = self._places[self._place]
            folder = place
            try:
                folder = Path.cwd() if place is None else place
                if create:
                    folder.mkdir(parents=True, exist_ok=True)
                self.files.append(write_new_file(folder, name, text))
                self.rows += rows
                return True
            except OSError as exc:
                self.problems.append(f"{folder or 'the working folder'}: "
                                     f"{exc.strerror or exc}")
                self._place += 1
        return False

    def _appended(self, path: Path, data: bytes) -> bool:
        """Append to the file; on failure cut it back to whole lines and move on."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            self._give_up(path, exc)
            return False
        size = os.fstat(fd).st_size
        try:
            write_all(fd, data)
            os.fsync(fd)
            return True
        except OSError as exc:
            # Failing that, a cut-off line stays last: a restore leaves it out, saying so.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            self._give_up(path, exc)
            return False
        finally:
            os.close(fd)

    def _give_up(self, path: Path, exc: OSError) -> None:
        self.problems.append(f"{path.parent}: {exc.strerror or exc}")
        self._place += 1


def restore_command(saved: Path, where: str) -> str:
    return f"adsbwatch store restore {shlex.quote(str(saved))} --db {shlex.quote(where)}"


def restore_hint(files: list[Path], where: str) -> str:
    return "restore them with " + " and ".join(
        f"`{restore_command(f, where)}`" for f in files)


def announcement(count: int, where: str, reason: str, spill: SpillFile,
                 home: Path | None) -> str:
    """The one line that says what happened to `count` rows not written to `where`
    (`home`: the folder the file should have gone to)."""
    head = f"could not write {count} rows to {where}: {reason}"
    if not spill.files:
        return f"{head}; could not save them to a file either ({'; '.join(spill.problems)})"
    elsewhere = (f" (the database's folder could not take them: {spill.problems[0]})"
                 if home is not None and spill.files[0].parent != home and spill.problems
                 else "")
    saved = " and ".join(str(f) for f in spill.files)
    return f"{head}; saved them to {saved}{elsewhere}; {restore_hint(spill.files, where)}"


# ------------------------------------------------------------------------------ reading

@dataclass
class SavedRows:
    """The rows of an unsaved-rows file, checked and converted like buffered rows."""

    batch: RowBatch = field(default_factory=RowBatch)
    rows: int = 0  # lines of rows read (a state saved twice is two, as when it was saved)
    cut_off: int | None = None  # the number of a last line left unfinished, left out


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    rows: int  # the file's rows written (again, for rows already stored)
    left_out: int  # points and events whose visit is in neither the file nor the store
    cut_off: int | None  # the number of an unfinished last line, left out


# Columns a file written before may lack (the aircraft database's, schema v5; sites, v7
# and a minute's, v8):
# not known.
_LATER = {*VISIT_INFO_COLUMNS, "first_site", "site"}


def _values(row: dict, columns: tuple[str, ...]) -> list:
    return [row.get(c) if c in _LATER else row[c] for c in columns]


def _add(batch: RowBatch, table: str, row: dict) -> None:
    if table == "visits":
        values = visit_values(visit_from(_values(row, VISIT_COLUMNS)))
        batch.visits[values[0]] = values
    elif table == "track_points":
        point = PointRow(**{c: row[c] for c in POINT_COLUMNS[1:-1]})
        batch.points.append(point_values(row["visit_id"], point, row.get("site")))
    elif table == "events":
        batch.events.append(event_values(row["visit_id"], row["t"], row["kind"],
                                         row["value"], row.get("site")))
    elif table == "sessions":
        values = session_values(session_from(_values(row, SESSION_COLUMNS)))
        batch.sessions[values[0]] = values
    elif table == "minutes":
        values = minute_values(minute_from(_values(row, MINUTE_COLUMNS)))
        batch.minutes[minute_key(values)] = values
    else:
        raise ValueError(f"unknown table {table!r}")


def _problem(line: bytes) -> str | None:
    """Why a line is not a line of saved rows; None if it is one (added to nothing)."""
    try:
        item = json.loads(line)
        _add(RowBatch(), item["table"], item["row"])
    except KeyError as exc:
        return f"no {exc.args[0]!r}"
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        return str(exc)
    except RecursionError:
        return "nested too deep"
    return None


def read_unsaved(path: Path) -> SavedRows:
    """Every row of the file; UnsavedFileError naming file:line at the first bad line. A
    bad last line without its newline was cut off by a stop while appending: left out."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnsavedFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    saved = SavedRows()
    lines = data.split(b"\n")  # the last item: what follows the last newline
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        problem = _problem(line)
        if problem is None:
            item = json.loads(line)
            _add(saved.batch, item["table"], item["row"])
            saved.rows += 1
        elif number == len(lines):
            saved.cut_off = number
        else:
            raise UnsavedFileError(f"{path}:{number}: not a line of saved rows ({problem})")
    return saved
