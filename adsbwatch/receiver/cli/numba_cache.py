"""Where Numba keeps the compiled kernels, chosen before any kernel module is imported.

The kernels are compiled with `cache=True`, and Numba checks a cached kernel against its
own source file only: a kernel that inlines a function or takes a constant from another
module (a table in `formats.py`) would be served stale after that module changed. So
every run keeps its kernels in a folder named by a hash of all the kernel modules'
sources (`adsbwatch-kernels-<hash>`): other sources, another folder. The hash reads a few
small files, no import.

The folder sits in `NUMBA_CACHE_DIR` when the user set it, else where Numba itself would
look first: beside the package (its `__pycache__`), then its user-wide folder
(`$XDG_CACHE_HOME/numba` or `~/.cache/numba`). A service account with a read-only
installation and HOME gets a private folder in the temp dir, and if even that cannot be
had, the kernels go uncached (they compile on every run); either is said on one line.
Folders of other sources unused for a month are removed.

This module only probes folders: importing numba here would cost every command its start-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from types import ModuleType

from adsbwatch.receiver.kernel_cache import UNCACHED, note_cache_folder

CACHE_DIR_VARIABLE = "NUMBA_CACHE_DIR"
PACKAGE = Path(__file__).resolve().parents[2]  # the `adsbwatch` folder
# The folders whose modules define `cache=True` kernels and all that those modules import
# of adsbwatch (tests keep both true): what the kernels are made from.
KERNEL_FOLDERS = ("decoder/frames", "decoder/demod")
CACHE_PREFIX = "adsbwatch-kernels-"
STALE_CACHE_S = 30 * 86_400  # a folder of other sources unused this long is removed

Warn = Callable[[str], None]


def _stderr_warning(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def kernel_sources_digest(package: Path = PACKAGE) -> str:
    """A hash of every source file in the kernel folders of `package`, names and contents."""
    digest = hashlib.sha256()
    for folder in KERNEL_FOLDERS:
        for path in sorted((package / folder).rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def kernel_cache_name(package: Path = PACKAGE) -> str:
    """The cache folder's name for the kernels of these sources."""
    return CACHE_PREFIX + kernel_sources_digest(package)


def prepare_kernel_cache(environ: MutableMapping[str, str] | None = None,
                         warn: Warn = _stderr_warning, package: Path = PACKAGE) -> None:
    """Point Numba at the cache folder of these kernel sources (see the module's text).
    Does nothing once numba is imported: it has read its settings by then."""
    env = os.environ if environ is None else environ
    if "numba" in sys.modules:
        return
    name = kernel_cache_name(package)
    chosen = env.get(CACHE_DIR_VARIABLE)
    if chosen:
        if Path(chosen).name != name:  # not already chosen by the adsbwatch that started us
            env[CACHE_DIR_VARIABLE] = str(Path(chosen) / name)
        note_cache_folder(Path(env[CACHE_DIR_VARIABLE]))
        return
    in_tree, user_wide = package / "__pycache__", user_wide_cache_dir(env)
    for base in (in_tree, user_wide):
        if can_hold_files(base / name):
            _use(env, base, name)
            return
    private = private_temp_folder()
    if private is not None and can_hold_files(private / name):
        _use(env, private, name)
        warn(f"cannot write Numba's kernel cache beside the package ({package}) or in "
             f"{user_wide}; keeping it in {private / name} (set {CACHE_DIR_VARIABLE} to a "
             "writable folder to choose)")
        return
    leave_kernels_uncached()
    note_cache_folder(UNCACHED)
    warn(f"no writable folder for Numba's kernel cache (the package, {user_wide}, the temp "
         f"dir): kernels compile on every run, which takes about 30 s; set "
         f"{CACHE_DIR_VARIABLE} to a writable folder")


def _use(env: MutableMapping[str, str], base: Path, name: str) -> None:
    """Cache in base/name (marked as in use), and remove long unused folders of other
    sources beside it."""
    folder = base / name
    env[CACHE_DIR_VARIABLE] = str(folder)
    note_cache_folder(folder)
    with contextlib.suppress(OSError):
        os.utime(folder)
    now = time.time()
    with contextlib.suppress(OSError):
        for other in base.iterdir():
            if other.name.startswith(CACHE_PREFIX) and other.name != name \
                    and now - other.stat().st_mtime > STALE_CACHE_S:
                shutil.rmtree(other, ignore_errors=True)


def user_wide_cache_dir(environ: MutableMapping[str, str]) -> Path:
    """Numba's user-wide cache folder on Linux and other XDG systems (its appdirs rule)."""
    base = environ.get("XDG_CACHE_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return Path(base) / "numba"


def can_hold_files(folder: Path) -> bool:
    """Whether Numba could use `folder`: it creates it if needed and writes a file there,
    so do the same (an unnamed temporary file, gone when closed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def private_temp_folder(temp_dirs: Sequence[str] | None = None) -> Path | None:
    """`<temp>/adsbwatch-numba-<uid>`, created 0700, or None when no temp dir can take it.
    A folder of that name left by someone else is refused: Numba's cache files are pickles,
    and loading another user's would run their code."""
    try:
        candidates = list(temp_dirs) if temp_dirs is not None else [tempfile.gettempdir()]
    except OSError:  # gettempdir() tried every usual place and could write none
        return None
    uid = os.getuid()
    for temp in candidates:
        folder = Path(temp) / f"adsbwatch-numba-{uid}"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            found = os.lstat(folder)
        except OSError:
            continue
        mine = stat.S_ISDIR(found.st_mode) and found.st_uid == uid
        if mine and not found.st_mode & 0o077 and can_hold_files(folder):
            return folder
    return None


def leave_kernels_uncached() -> None:
    """Have Numba ignore `cache=True` from now on. Numba has no setting for that, so when
    its dispatcher module is first imported, its `enable_caching` (what `cache=True` calls)
    is made to keep the dispatcher's default, a cache that stores nothing."""
    if not any(isinstance(finder, _UncachedDispatcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, _UncachedDispatcher())


def _keep_null_cache(dispatcher: object) -> None:
    """Stands in for `Dispatcher.enable_caching`: the dispatcher keeps its NullCache."""


class _UncachedDispatcher(importlib.abc.MetaPathFinder):
    """Finds `numba.core.dispatcher` as usual and patches it once it has run."""

    TARGET = "numba.core.dispatcher"

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.TARGET:
            return None
        sys.meta_path.remove(self)  # the real finders take over from here
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            run_module(module)
            module.Dispatcher.enable_caching = _keep_null_cache

        spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec
