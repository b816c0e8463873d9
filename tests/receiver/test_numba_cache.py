"""Where compiled kernels are kept: a folder per state of the kernels' sources for every
run (numba_cache), the CLI's choice for a read-only install, and the test session's
cache folder (conftest), the one the CLI in a subprocess takes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import KERNEL_CACHES, remove_tree, use_kernel_cache_for_these_sources
from support import checkout_env

from adsbwatch.receiver.cli import numba_cache
from adsbwatch.receiver.cli.numba_cache import (
    KERNEL_FOLDERS,
    PACKAGE,
    kernel_cache_name,
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
        monkeypatch.setattr(numba_cache, "can_hold_files",
                            lambda folder: folder.parent in writable)
        monkeypatch.setattr(numba_cache, "private_temp_folder", lambda: temp)
        warnings: list[str] = []
        prepare_kernel_cache(environ, warnings.append)
        return environ, warnings, bool(uncached)

    return run


HOME_ENV = {"HOME": "/home/svc"}
IN_TREE = PACKAGE / "__pycache__"
USER_WIDE = Path("/home/svc/.cache/numba")
NAME = kernel_cache_name()
PRIVATE = Path("/tmp/adsbwatch-numba-7")


def test_the_kernels_cache_where_numba_would_under_their_sources_name(decide) -> None:
    assert re.fullmatch(r"adsbwatch-kernels-[0-9a-f]{16}", NAME)
    # Beside the package first (Numba's __pycache__ choice), then the user-wide folder.
    everywhere = {IN_TREE, USER_WIDE, PRIVATE}
    assert decide(dict(HOME_ENV), everywhere, PRIVATE) == (
        {**HOME_ENV, "NUMBA_CACHE_DIR": f"{IN_TREE}/{NAME}"}, [], False)
    assert decide(dict(HOME_ENV), {USER_WIDE, PRIVATE}, PRIVATE) == (
        {**HOME_ENV, "NUMBA_CACHE_DIR": f"{USER_WIDE}/{NAME}"}, [], False)


def test_nothing_writable_takes_the_private_temp_folder_with_one_warning(decide) -> None:
    environ, warnings, uncached = decide(dict(HOME_ENV), {PRIVATE}, PRIVATE)
    assert environ == {**HOME_ENV, "NUMBA_CACHE_DIR": f"{PRIVATE}/{NAME}"}
    assert warnings == [
        f"cannot write Numba's kernel cache beside the package ({PACKAGE}) or in "
        f"{USER_WIDE}; keeping it in {PRIVATE}/{NAME} (set NUMBA_CACHE_DIR to a writable "
        "folder to choose)"]
    assert not uncached


def test_without_even_a_temp_folder_the_kernels_go_uncached(decide) -> None:
    environ, warnings, uncached = decide(dict(HOME_ENV), set(), None)
    assert environ == HOME_ENV and uncached
    assert len(warnings) == 1
    assert warnings[0].startswith("no writable folder for Numba's kernel cache")
    assert "kernels compile on every run" in warnings[0]


def test_a_cache_dir_the_user_chose_holds_the_folder_of_these_sources(decide) -> None:
    chosen = {**HOME_ENV, "NUMBA_CACHE_DIR": "/srv/cache"}
    assert decide(dict(chosen), set(), None) == (
        {**HOME_ENV, "NUMBA_CACHE_DIR": f"/srv/cache/{NAME}"}, [], False)
    # The adsbwatch that started this one (or a test session) chose it already.
    keyed = {**HOME_ENV, "NUMBA_CACHE_DIR": f"/srv/cache/{NAME}"}
    assert decide(dict(keyed), set(), None) == (keyed, [], False)


def test_folders_of_other_sources_unused_for_a_month_are_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "numba")
    base = tmp_path / "numba"
    old, recent = base / "adsbwatch-kernels-0123456789abcdef", base / "adsbwatch-kernels-old1"
    unrelated = base / "someone-elses"
    for folder in (old, recent, unrelated):
        (folder / "frames_x").mkdir(parents=True)
    forty_days_ago = time.time() - 40 * 86_400
    for folder in (old, unrelated):
        os.utime(folder, (forty_days_ago, forty_days_ago))
    def only_in_base(folder: Path) -> bool:  # not beside the package: the user-wide one
        if folder.parent != base:
            return False
        folder.mkdir(exist_ok=True)
        return True

    monkeypatch.setattr(numba_cache, "can_hold_files", only_in_base)
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    prepare_kernel_cache(environ, pytest.fail)
    assert environ["NUMBA_CACHE_DIR"] == str(base / NAME)
    assert sorted(p.name for p in base.iterdir()) == sorted(
        [NAME, recent.name, unrelated.name])


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


def run_adsbwatch_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], env=checkout_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


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


def test_kernel_sources_digest_follows_every_byte_and_name_of_the_kernels(
        tmp_path: Path) -> None:
    for folder in KERNEL_FOLDERS:
        (tmp_path / folder).mkdir(parents=True)
    kernel = tmp_path / "decoder" / "demod" / "kernel.py"
    kernel.write_text("THRESHOLD = 0.85\n")
    (tmp_path / "decoder" / "frames" / "formats.py").write_text("LONG_BITS = 112\n")
    before = kernel_cache_name(tmp_path)
    assert kernel_cache_name(tmp_path) == before  # the same sources, the same folder
    (tmp_path / "decoder" / "frames" / "formats.py").write_text("LONG_BITS = 113\n")
    changed = kernel_cache_name(tmp_path)  # a table module the kernels take constants from
    assert changed != before
    kernel.rename(kernel.with_name("kernels.py"))
    renamed = kernel_cache_name(tmp_path)
    assert renamed not in (before, changed)
    (tmp_path / "decoder" / "demod" / "notes.txt").write_text("not a source")
    (tmp_path / "decoder" / "messages").mkdir()
    (tmp_path / "decoder" / "messages" / "tracker.py").write_text("EXPIRE_S = 60\n")
    assert kernel_cache_name(tmp_path) == renamed  # nothing the kernels are made from


def test_kernel_modules_import_nothing_of_adsbwatch_beyond_the_kernel_folders() -> None:
    """What the folder's name is a hash of must be all the kernels are made from."""
    outside = []
    for folder in KERNEL_FOLDERS:
        for path in (PACKAGE / folder).rglob("*.py"):
            for module in re.findall(r"^\s*(?:from|import) (adsbwatch[\w.]*)",
                                     path.read_text(), re.MULTILINE):
                inside = module.removeprefix("adsbwatch.").replace(".", "/")
                if not any(inside.startswith(kept) for kept in KERNEL_FOLDERS):
                    outside.append(f"{path.relative_to(PACKAGE)}: {module}")
    assert outside == []


def test_the_cli_compiles_into_the_folder_of_its_kernel_sources(tmp_path: Path) -> None:
    """A copy of the package, run as the CLI runs (nothing chosen): its kernels cached in
    the folder its sources name, beside it; a changed table module, another folder."""
    package = tmp_path / "install" / "adsbwatch"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import os\n"
            "from adsbwatch.receiver.cli.numba_cache import prepare_kernel_cache\n"
            "prepare_kernel_cache()\n"
            "from adsbwatch.decoder.frames.crc import syndrome_of\n"
            "print(syndrome_of(bytes.fromhex('8d4840d6202cc371c32ce0576098')), "
            "os.environ['NUMBA_CACHE_DIR'])\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH")}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=str(package.parent))

    def run() -> Path:
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, timeout=300, cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        syndrome, folder = result.stdout.split()
        assert syndrome == "0"
        return Path(folder)

    first = run()
    assert first == package / "__pycache__" / kernel_cache_name(package)
    assert list(first.glob("frames_*/crc.syndrome-*.nbi"))  # compiled and kept there
    assert run() == first
    formats = package / "decoder" / "frames" / "formats.py"
    formats.write_text(formats.read_text() + "\n# a table changed\n")
    second = run()
    assert second != first and second.parent == first.parent
    assert list(second.glob("frames_*/crc.syndrome-*.nbi"))


def test_this_session_compiles_into_its_own_cache_folder() -> None:
    from numba.core import config

    from adsbwatch.decoder.frames.crc import syndrome_of

    folder = Path(os.environ["NUMBA_CACHE_DIR"])
    assert folder == KERNEL_CACHES / kernel_cache_name()
    assert str(folder) == config.CACHE_DIR
    # The CLI started by a test takes the same folder (the session's kernels, no compile).
    chosen = run_adsbwatch_python("from adsbwatch.receiver.cli.numba_cache import "
                                  "prepare_kernel_cache as p; import os; p(); "
                                  "print(os.environ['NUMBA_CACHE_DIR'])")
    assert chosen == str(folder)
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
