"""Files the store and its commands write whole or not at all: a new file that never
replaces another (saved rows), and a file replaced only once its new text is complete
(exports), so a full disk leaves the earlier good file in place."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_new_file(folder: Path, name: str, text: str) -> Path:
    """Write `text` to a new file `name[-n].jsonl` in `folder`; no partial file remains."""
    data = text.encode("utf-8")
    for n in range(100):
        target = folder / (f"{name}.jsonl" if n == 0 else f"{name}-{n}.jsonl")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            target.unlink(missing_ok=True)
            raise
        os.close(fd)
        return target
    raise FileExistsError(f"too many saved files named {name}*.jsonl")


def _new_file_mode(path: Path) -> int:
    """The mode the file has, or what a newly created one gets under the umask."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def replace_file(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    A device, pipe or other non-regular file (`-o /dev/stdout`) is written in place: it
    cannot be replaced, and a partial write cannot cost it an earlier good content.
    """
    data = text.encode("utf-8")
    if path.is_symlink():
        path = path.resolve()  # replace the file the link names, not the link
    if path.exists() and not path.is_file():
        with open(path, "wb") as f:
            f.write(data)
        return
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            os.fchmod(fd, _new_file_mode(path))
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
