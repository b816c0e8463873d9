"""Where compiled kernels are kept: the CLI's choice for a read-only install (numba_cache),
and the test session's cache folder per state of the sources (conftest)."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    KERNEL_CACHES,
    kernel_sources_digest,
    remove_tree,
    use_kernel_cache_for_these_sources,
)

from adsbwatch.receiver.cli import numba_cache
from adsbwatch.receiver.cli.numba_cache import (
    KERNEL_FOLDERS,
    PACKAGE,
    prepare_kernel_cache,
    private_temp_folder,
    user_wide_cache_dir,
)

# ------------------------------------------------------------- the CLI's decision


@pytest.fixture
def decide(monkeypatch: pytest.MonkeyPatch):
    """prepare_kernel_cache as in a fresh process (numba not yet imported), with the
    folders that can be written given by the test, and the uncached fallback recorded."""
    monkeypatch.delitem(sys.modules, "numba")
    uncached: list[bool] = []
    monkeypatch.setattr(numba_cache, "leave_kernels_uncached", lambda: uncached.append(True))

    def run(environ: dict[str, str], writable: set[Path],
            temp: Path | None) -> tuple[dict[str, str], list[str], bool]:
        monkeypatch.setattr(numba_cache, "can_hold_files", lambda folder: folder in writable)
        monkeypatch.setattr(numba_cache, "private_temp_folder", lambda: temp)
        warnings: list[str] = []
        prepare_kernel_cache(environ, warnings.append)
        return environ, warnings, bool(uncached)

    return run


IN_TREE = {PACKAGE / folder / "__pycache__" for folder in KERNEL_FOLDERS}
HOME_ENV = {"HOME": "/home/svc"}
USER_WIDE = Path("/home/svc/.cache/numba")


def test_a_writable_package_or_user_cache_needs_nothing(decide) -> None:
    assert decide(dict(HOME_ENV), IN_TREE, None) == (HOME_ENV, [], False)
    assert decide(dict(HOME_ENV), {USER_WIDE}, None) == (HOME_ENV, [], False)


def test_one_read_only_kernel_folder_is_enough_to_need_the_user_cache(decide) -> None:
    one = {PACKAGE / KERNEL_FOLDERS[0] / "__pycache__"}
    environ, warnings, uncached = decide(dict(HOME_ENV), one, Path("/tmp/adsbwatch-numba-7"))
    assert environ["NUMBA_CACHE_DIR"] == "/tmp/adsbwatch-numba-7"
    assert len(warnings) == 1 and not uncached


def test_nothing_writable_takes_the_private_temp_folder_with_one_warning(decide) -> None:
    environ, warnings, uncached = decide(dict(HOME_ENV), set(), Path("/tmp/adsbwatch-numba-7"))
    assert environ == {**HOME_ENV, "NUMBA_CACHE_DIR": "/tmp/adsbwatch-numba-7"}
    assert warnings == [
        f"cannot write Numba's kernel cache beside the package ({PACKAGE}) or in "
        f"{USER_WIDE}; keeping it in /tmp/adsbwatch-numba-7 (set NUMBA_CACHE_DIR to a "
        "writable folder to choose)"]
    assert not uncached


def test_without_even_a_temp_folder_the_kernels_go_uncached(decide) -> None:
    environ, warnings, uncached = decide(dict(HOME_ENV), set(), None)
    assert environ == HOME_ENV and uncached
    assert len(warnings) == 1
    assert warnings[0].startswith("no writable folder for Numba's kernel cache")
    assert "kernels compile on every run" in warnings[0]


def test_a_cache_dir_the_user_chose_is_left_alone(decide) -> None:
    chosen = {**HOME_ENV, "NUMBA_CACHE_DIR": "/srv/cache"}
    assert decide(dict(chosen), set(), None) == (chosen, [], False)


def test_once_numba_is_imported_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "numba" in sys.modules  # the test session has compiled kernels by now
    environ: dict[str, str] = {}
    monkeypatch.setattr(numba_cache, "can_hold_files", lambda folder: False)
    prepare_kernel_cache(environ, pytest.fail)
    assert environ == {}


def test_user_wide_folder_is_numbas_rule() -> None:
    assert user_wide_cache_dir({"HOME": "/h"}) == Path("/h/.cache/numba")
    assert user_wide_cache_dir({"HOME": "/h", "XDG_CACHE_HOME": "/x"}) == Path("/x/numba")


def test_kernel_folders_list_every_module_with_cached_kernels() -> None:
    """Every kernel compiled with `cache=True` sits in a folder the probe checks."""
    cached_kernel = re.compile(r"^\s*@(?:numba\.)?n?jit\(.*\bcache=True", re.MULTILINE)
    found = {path.parent.relative_to(PACKAGE).as_posix()
             for path in PACKAGE.rglob("*.py") if cached_kernel.search(path.read_text())}
    assert found == set(KERNEL_FOLDERS)


# ------------------------------------------------------------ the private temp folder


def test_private_folder_is_created_for_this_user_only(tmp_path: Path) -> None:
    folder = private_temp_folder([str(tmp_path)])
    assert folder == tmp_path / f"adsbwatch-numba-{os.getuid()}"
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    assert private_temp_folder([str(tmp_path)]) == folder  # and found again next time


@pytest.mark.parametrize("planted", ["other owner", "group writable", "symlink", "file"])
def test_a_folder_someone_else_left_there_is_refused(tmp_path: Path, planted: str) -> None:
    """Cached kernels are pickles: another user's would run their code in ours."""
    name = tmp_path / f"adsbwatch-numba-{os.getuid()}"
    if planted == "other owner":
        if os.getuid() != 0:
            pytest.skip("only root can make a folder someone else owns")
        name.mkdir(mode=0o700)
        os.chown(name, 65534, 65534)
    elif planted == "group writable":
        name.mkdir()
        name.chmod(0o770)
    elif planted == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        name.symlink_to(tmp_path / "elsewhere")
    else:
        name.write_text("")
    good = tmp_path / "later"
    good.mkdir()
    assert private_temp_folder([str(tmp_path)]) is None
    assert private_temp_folder([str(tmp_path), str(good)]) == good / name.name


def test_no_temp_dir_at_all_gives_none(tmp_path: Path) -> None:
    assert private_temp_folder([str(tmp_path / "missing" / "deeper")]) is None


# ------------------------------------------------------ the test session's kernel cache


def test_kernel_sources_digest_follows_every_byte_and_name(tmp_path: Path) -> None:
    (tmp_path / "demod").mkdir()
    kernel = tmp_path / "demod" / "kernel.py"
    kernel.write_text("THRESHOLD = 0.85\n")
    (tmp_path / "crc.py").write_text("POLY = 0xFFF409\n")
    before = kernel_sources_digest(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{16}", before)
    assert kernel_sources_digest(tmp_path) == before  # the same sources, the same folder
    kernel.write_text("THRESHOLD = 0.86\n")
    changed = kernel_sources_digest(tmp_path)
    assert changed != before
    kernel.rename(tmp_path / "demod" / "kernels.py")
    assert kernel_sources_digest(tmp_path) not in (before, changed)
    (tmp_path / "notes.txt").write_text("not a source")
    assert kernel_sources_digest(tmp_path) not in (before, changed)  # still the rename


def test_this_session_compiles_into_its_own_cache_folder() -> None:
    from numba.core import config

    from adsbwatch.decoder.frames.crc import syndrome_of

    folder = Path(os.environ["NUMBA_CACHE_DIR"])
    assert folder.parent == KERNEL_CACHES
    assert str(folder) == config.CACHE_DIR
    assert syndrome_of(bytes.fromhex("8d4840d6202cc371c32ce0576098")) == 0
    frames_cache = [p for p in folder.iterdir() if p.name.startswith("frames_")]
    assert frames_cache and any(p.name.startswith("crc.") for p in frames_cache[0].iterdir())


def test_cache_folders_of_sources_long_gone_are_removed() -> None:
    stale, recent = KERNEL_CACHES / "test-stale-sources", KERNEL_CACHES / "test-recent-sources"
    (stale / "read-only").mkdir(parents=True, exist_ok=True)
    (stale / "read-only").chmod(0o555)
    recent.mkdir(exist_ok=True)
    two_days_ago = time.time() - 2 * 86_400
    os.utime(stale, (two_days_ago, two_days_ago))
    try:
        assert use_kernel_cache_for_these_sources() == Path(os.environ["NUMBA_CACHE_DIR"])
        assert not stale.exists()
        assert recent.is_dir()  # another session's, perhaps running now
    finally:
        remove_tree(recent)
        if stale.exists():
            remove_tree(stale)
