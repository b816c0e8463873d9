"""Where Numba keeps the compiled kernels, chosen before any kernel module is imported.

The kernels are compiled with `cache=True`. Numba looks for a writable place in this order:
`NUMBA_CACHE_DIR`, the `__pycache__` folder beside each kernel's source, then its user-wide
folder (`$XDG_CACHE_HOME/numba` or `~/.cache/numba`); when none can be written it refuses to
define the kernel ("no locator available"). A service account with a read-only HOME and a
read-only installation meets exactly that. Then we name a private folder in the temp dir,
and if even that cannot be had, we leave the kernels uncached (they compile on every run).

This module only probes folders: importing numba here would cost every command its start-up.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import stat
import sys
import tempfile
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from types import ModuleType

CACHE_DIR_VARIABLE = "NUMBA_CACHE_DIR"
PACKAGE = Path(__file__).resolve().parents[2]  # the `adsbwatch` folder
# The folders whose modules define `cache=True` kernels (a test keeps this list true).
KERNEL_FOLDERS = ("decoder/frames", "decoder/demod")

Warn = Callable[[str], None]


def _stderr_warning(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


def prepare_kernel_cache(environ: MutableMapping[str, str] | None = None,
                         warn: Warn = _stderr_warning) -> None:
    """Make sure Numba will find a place for the kernels' cache (see the module's text).
    Does nothing once numba is imported: it has read its settings by then."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_VARIABLE) or "numba" in sys.modules:
        return
    in_tree = [PACKAGE / folder / "__pycache__" for folder in KERNEL_FOLDERS]
    if all(map(can_hold_files, in_tree)) or can_hold_files(user_wide_cache_dir(env)):
        return
    private = private_temp_folder()
    if private is not None:
        env[CACHE_DIR_VARIABLE] = str(private)
        warn(f"cannot write Numba's kernel cache beside the package ({PACKAGE}) or in "
             f"{user_wide_cache_dir(env)}; keeping it in {private} (set {CACHE_DIR_VARIABLE} "
             "to a writable folder to choose)")
        return
    leave_kernels_uncached()
    warn(f"no writable folder for Numba's kernel cache (the package, "
         f"{user_wide_cache_dir(env)}, the temp dir): kernels compile on every run, which "
         f"takes about 30 s; set {CACHE_DIR_VARIABLE} to a writable folder")


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
