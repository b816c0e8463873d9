"""Whether a checkout's demodulator gives the very frames another one gave: `replay --raw
--avr-timestamps` (every frame and its 12 MHz time) of the shared recordings at each
`--fix`, digests written to a file per checkout, then compared.

    python benchmarks/avr_identity.py /work/wt-cpu-base /tmp/base.txt
    python benchmarks/avr_identity.py HEAD /tmp/new.txt --against /tmp/base.txt

A checkout is a directory, or a commit, taken with `git archive` into
benchmarks/work/identity/ (so that editing the tree meanwhile changes nothing).

`--extra FILE:RATE` adds a recording (e.g. modes1 concatenated 100 times) at fix 0-2.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT.parent / "shared" / "recordings"
WORK = ROOT / "benchmarks" / "work" / "identity"


def checkout_of(where: str) -> Path:
    """A directory as it is, else the commit's tree under WORK."""
    if Path(where).is_dir():
        return Path(where).resolve()
    sha = subprocess.run(["git", "rev-parse", "--short", where], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    dest = WORK / sha
    if not dest.is_dir():
        subprocess.run(["git", "archive", "--output", f"{dest}.tar", sha,
                                  "adsbwatch"], cwd=ROOT, check=True)
        with tarfile.open(f"{dest}.tar") as tar:
            tar.extractall(dest, filter="data")
        Path(f"{dest}.tar").unlink()
    return dest


def cases(recordings: Path, extra: list[str]) -> list[tuple[str, list[str]]]:
    """(name, replay arguments) of every comparison."""
    out = []
    modes1 = [(recordings / "modes1_resampled_cu8_2400k.bin", "2.4M"),
              (recordings / "modes1_cu8_2000k.bin", "2.0M")]
    modes1 += [(Path(e.rsplit(":", 1)[0]), e.rsplit(":", 1)[1]) for e in extra]
    for path, rate in modes1:
        for fix in ("0", "1", "2"):
            out.append((f"{path.name} {rate} fix {fix}",
                        [str(path), "--rate", rate, "--fix", fix]))
    for path in sorted(recordings.glob("dump1090rs_*_cs16qi_2400k.iq")):
        for fix in ("1", "2"):
            out.append((f"{path.name} fix {fix}",
                        [str(path), "--format", "cs16", "--rate", "2.4M", "--fix", fix]))
    return out


def digest(checkout: Path, args: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-m", "adsbwatch", "replay", *args, "--raw", "-q",
                          "--avr-timestamps"], env=env, cwd=checkout, check=True,
                         capture_output=True).stdout
    return f"{hashlib.sha256(out).hexdigest()[:16]} {out.count(b';')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", help="a directory or a commit")
    parser.add_argument("out", type=Path)
    parser.add_argument("--against", type=Path, help="digests of the other checkout")
    parser.add_argument("--extra", action="append", default=[], metavar="FILE:RATE")
    parser.add_argument("--recordings", type=Path, default=RECORDINGS)
    parser.add_argument("--jobs", type=int, default=1)
    a = parser.parse_args()
    todo = cases(a.recordings, a.extra)
    WORK.mkdir(parents=True, exist_ok=True)
    checkout = checkout_of(a.checkout)
    with ThreadPoolExecutor(a.jobs) as pool:
        digests = list(pool.map(lambda c: digest(checkout, c[1]), todo))
    lines = [f"{d}  {name}" for (name, _), d in zip(todo, digests, strict=True)]
    a.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if a.against is None:
        return 0
    before = a.against.read_text().splitlines()
    differ = [f"{x}  !=  {y}" for x, y in zip(before, lines, strict=True) if x != y]
    print("\n".join(differ) if differ else f"all {len(lines)} identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
