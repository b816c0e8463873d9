"""--write-json DIR: each file written whole to a temporary file in DIR, then renamed
over the old one, so a reader (tar1090's web server) never sees a partial file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from adsbwatch.receiver.errors import UserError


def check_json_dir(path: str) -> Path:
    """DIR, created if missing; a one-line error when it cannot be written."""
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".adsbwatch-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(f"--write-json {path}: cannot write there ({reason})") from None
    return directory


def write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Replace DIR/name by `data` in one rename; raises OSError (the temp file removed)."""
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)  # readable by a web server running as another user
        os.replace(temp, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
