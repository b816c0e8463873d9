"""A service account: its HOME cannot be written, nor can the installed package. Numba then
has nowhere to cache the kernels (`cache=True`) and refuses them ("no locator available");
the CLI must find them a folder or run them uncached, and say so on one line.

Tests run as root, whom file modes do not stop, so the commands run unprivileged: as
`nobody` where that account can reach this interpreter and its packages, otherwise as root
without capabilities (then the kernel checks root's writes against the modes like anyone's).
The package is a copy of the checkout's in a folder nobody may write."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import KERNEL_CACHE, REPO, remove_tree
from frames_support import demodulate_file

from adsbwatch.receiver.cli.numba_cache import kernel_cache_name

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
ROOT_WITHOUT_CAPABILITIES = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]
READ_ONLY_FILE, READ_ONLY_FOLDER = 0o444, 0o555
NO_LOCATOR = "no locator available"


@dataclass
class Account:
    """How to run a command as the service account, and its folders."""

    prefix: list[str]
    uid: int
    install: Path  # holds the read-only copy of `adsbwatch`
    home: Path  # read-only
    temp: Path  # TMPDIR: the one place it may write (kept from run to run, like /tmp)
    fresh_temp: Path  # another, empty at the start of the session

    def run(self, *argv: str, tempdir: Path | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items()
               if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}
        env.update(HOME=str(self.home), TMPDIR=str(tempdir or self.temp),
                   PYTHONPATH=str(self.install))  # the copy, not the checkout
        return subprocess.run([*self.prefix, sys.executable, *argv], env=env, cwd=self.home,
                              capture_output=True, text=True, timeout=600)

    def private_cache(self, temp: Path | None = None) -> Path:
        """Where its kernels go: its private folder, the folder of these sources in it."""
        return (temp or self.temp) / f"adsbwatch-numba-{self.uid}" / kernel_cache_name()


def _writes_are_refused(prefix: list[str], folder: Path) -> bool:
    """Whether `prefix` runs this interpreter with numba importable and `folder` (read-only,
    root's) refuses its writes."""
    probe = (f"import numba, numpy\nopen({str(folder / 'probe')!r}, 'w')")
    try:
        result = subprocess.run([*prefix, sys.executable, "-c", probe], capture_output=True,
                                text=True, timeout=120)
    except OSError:  # no setpriv
        return False
    return result.returncode != 0 and "PermissionError" in result.stderr


def _make_read_only(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(folder, name), READ_ONLY_FILE)
        os.chmod(folder, READ_ONLY_FOLDER)


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    # Kept beside the session's kernel cache (one per state of the sources) so the private
    # cache folder is reused by later runs; a lock keeps two sessions from sharing it.
    base = KERNEL_CACHE / "read-only-install"
    base.mkdir(exist_ok=True)
    base.chmod(0o755)
    with open(KERNEL_CACHE / "read-only-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in ("install", "home", "fresh-temp"):
            if (base / old).exists():
                remove_tree(base / old)
        install, home, temp = base / "install", base / "home", base / "temp"
        fresh_temp = base / "fresh-temp"
        shutil.copytree(REPO / "adsbwatch", install / "adsbwatch",
                        ignore=shutil.ignore_patterns("__pycache__"))
        home.mkdir()
        for folder in (temp, fresh_temp):
            folder.mkdir(exist_ok=True)
            folder.chmod(0o1777)  # like /tmp: anyone may add a folder of their own
        _make_read_only(install)
        _make_read_only(home)
        ways = [(prefix, uid) for prefix, uid in ((NOBODY, 65534),
                                                  (ROOT_WITHOUT_CAPABILITIES, 0))
                if _writes_are_refused(prefix, home)]
        if not ways:
            pytest.skip("no way here to run a command whose writes file modes refuse "
                        "(setpriv to nobody or to root without capabilities)")
        yield Account(*ways[0], install, home, temp, fresh_temp)


def kernel_then(code: str) -> str:
    """Python that imports a kernel module, then runs `code` (syndrome_of in scope)."""
    return f"from adsbwatch.decoder.frames.crc import syndrome_of\n{code}"


DF17 = "8d4840d6202cc371c32ce0576098"  # a frame from the literature: its CRC holds
PRINT_SYNDROME = f"print(syndrome_of(bytes.fromhex({DF17!r})))"


def test_the_account_reproduces_the_fault_without_the_fix(account: Account) -> None:
    """The setting is the reported one: a kernel module imported with nothing prepared
    fails in Numba. (Without this the tests below could pass for a writable setting.)"""
    result = account.run("-c", kernel_then(PRINT_SYNDROME))
    assert result.returncode == 1
    assert NO_LOCATOR in result.stderr.splitlines()[-1]


def test_prepared_kernels_cache_in_a_private_temp_folder(account: Account) -> None:
    code = ("from adsbwatch.receiver.cli.numba_cache import prepare_kernel_cache\n"
            "prepare_kernel_cache()\n" + kernel_then(PRINT_SYNDROME))
    result = account.run("-c", code, tempdir=account.fresh_temp)
    assert (result.returncode, result.stdout) == (0, "0\n"), result.stderr
    cache = account.private_cache(account.fresh_temp)
    package = account.install / "adsbwatch"
    assert result.stderr == (
        f"adsbwatch: warning: cannot write Numba's kernel cache beside the package "
        f"({package}) or in {account.home}/.cache/numba; keeping it in {cache} (set "
        "NUMBA_CACHE_DIR to a writable folder to choose)\n")
    private = cache.parent
    assert private.stat().st_mode & 0o777 == 0o700 and private.stat().st_uid == account.uid
    assert list(cache.glob("frames_*/crc.syndrome-*.nbi"))  # the kernel was cached there


def test_without_a_writable_temp_dir_kernels_run_uncached(account: Account) -> None:
    """`tempfile` is told the only temp dir is read-only (gettempdir() would else fall
    back to /tmp, which the test cannot take away)."""
    code = (f"import tempfile\ntempfile.tempdir = {str(account.home)!r}\n"
            "from adsbwatch.receiver.cli.numba_cache import prepare_kernel_cache\n"
            "prepare_kernel_cache()\n" + kernel_then(PRINT_SYNDROME))
    before = sorted(p.name for p in account.temp.iterdir())
    result = account.run("-c", code)
    assert (result.returncode, result.stdout) == (0, "0\n"), result.stderr
    warning, = result.stderr.splitlines()
    assert warning.startswith("adsbwatch: warning: no writable folder for Numba's kernel "
                              f"cache (the package, {account.home}/.cache/numba, the temp dir)")
    assert sorted(p.name for p in account.temp.iterdir()) == before


# The CLI itself: it can prepare the cache as nothing imports numba before main() runs.


def test_version_on_the_service_account(account: Account) -> None:
    result = account.run("-m", "adsbwatch", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("adsbwatch ")
    warning, = result.stderr.splitlines()  # one line, no traceback
    assert warning.startswith("adsbwatch: warning: cannot write Numba's kernel cache ")


def test_replay_on_the_service_account(account: Account) -> None:
    result = account.run("-m", "adsbwatch", "replay", str(SAMPLE), "--raw")
    assert result.returncode == 0, result.stderr
    expected = demodulate_file(SAMPLE).hexes
    assert len(expected) >= 40
    assert result.stdout.splitlines() == [f"*{frame};" for frame in expected]
    lines = result.stderr.splitlines()
    # a private cache that holds no kernels yet: the run says it compiles them
    compiling = [line for line in lines if line.startswith("adsbwatch: compiling the ")]
    assert len(compiling) <= 1
    warning, summary = [line for line in lines if line not in compiling]
    assert warning.startswith("adsbwatch: warning: cannot write Numba's kernel cache ")
    assert warning.endswith(f"keeping it in {account.private_cache()} (set NUMBA_CACHE_DIR "
                            "to a writable folder to choose)")
    assert summary.startswith(f"adsbwatch: {len(expected)} frames (")
