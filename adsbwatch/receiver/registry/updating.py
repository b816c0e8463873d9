"""`db update`: tar1090-db's aircraft.csv.gz downloaded beside the database, imported, the
download removed. Any failure (the network, an HTTP error, a cut-off or damaged file, no
aircraft in it) leaves the old database as it was."""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from adsbwatch import __version__
from adsbwatch.receiver.defaults import AIRCRAFT_DB_URL
from adsbwatch.receiver.registry.importing import ImportFailure, ImportSummary, import_file

TIMEOUT_S = 60.0  # of silence from the server, not of the whole download
CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]  # (bytes so far, bytes in all or None)


def download(url: str, destination: Path, progress: Progress | None = None) -> int:
    """`url`'s body into `destination`; its size. ImportFailure when the server fails or
    sends less than it announced."""
    request = urllib.request.Request(url, headers={"User-Agent": f"adsbwatch/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, \
                open(destination, "wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise ImportFailure(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise ImportFailure(f"cannot download {url} ({exc.reason})") from None
    except (OSError, ValueError) as exc:  # a reset, a timeout, a full disk, a bad URL
        raise ImportFailure(f"cannot download {url} ({exc})") from None
    if total is not None and done < total:
        raise ImportFailure(f"the download of {url} stopped after {done} of {total} bytes")
    return done


def update(target: Path, url: str = AIRCRAFT_DB_URL,
           progress: Progress | None = None) -> ImportSummary:
    """The database at `target` made anew from the file at `url`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".download")
    except OSError as exc:
        raise ImportFailure(f"cannot write beside {target} ({exc.strerror or exc})") from None
    os.close(fd)
    downloaded = Path(name)
    try:
        download(url, downloaded, progress)
        return import_file(downloaded, target, source=url)
    finally:
        with contextlib.suppress(FileNotFoundError):
            downloaded.unlink()
