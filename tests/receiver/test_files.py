"""Files written whole or not at all: exports replace a file only once the new text is
complete, saved rows never replace another file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from adsbwatch.receiver.store import files
from adsbwatch.receiver.store.files import replace_file, write_new_file


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    real = files.write_all

    def write_then_fail(fd: int, data: bytes) -> None:
        real(fd, data[:room])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "write_all", write_then_fail)


def test_a_replaced_file_is_whole_or_untouched(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "track.kml"
    path.write_text("old and good\n")
    _disk_full_after(monkeypatch, 3)
    with pytest.raises(OSError, match="No space left"):
        replace_file(path, "new text, longer than the room left\n")
    assert path.read_text() == "old and good\n"
    assert os.listdir(tmp_path) == ["track.kml"]
    monkeypatch.undo()
    replace_file(path, "new\n")
    assert path.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["track.kml"]


def test_a_new_export_gets_the_umask_mode(tmp_path: Path) -> None:
    mask = os.umask(0o027)
    try:
        replace_file(tmp_path / "a.csv", "x\n")
    finally:
        os.umask(mask)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o640


def test_a_link_keeps_pointing_at_the_replaced_file(tmp_path: Path) -> None:
    real = tmp_path / "real.gpx"
    real.write_text("old\n")
    link = tmp_path / "link.gpx"
    link.symlink_to(real)
    replace_file(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_a_device_is_written_in_place() -> None:
    replace_file(Path(os.devnull), "into the void\n")  # not replaced by a regular file
    assert Path(os.devnull).is_char_device()
    assert list(Path(os.devnull).parent.glob(".null.*.tmp")) == []


def test_saved_rows_never_replace_a_file(tmp_path: Path) -> None:
    first = write_new_file(tmp_path, "a.db.unsaved-1", "one\n")
    second = write_new_file(tmp_path, "a.db.unsaved-1", "two\n")
    assert (first.name, second.name) == ("a.db.unsaved-1.jsonl", "a.db.unsaved-1-1.jsonl")
    assert (first.read_text(), second.read_text()) == ("one\n", "two\n")


def test_a_failed_save_leaves_no_partial_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _disk_full_after(monkeypatch, 2)
    with pytest.raises(OSError):
        write_new_file(tmp_path, "a.db.unsaved-1", "rows\n")
    assert os.listdir(tmp_path) == []
