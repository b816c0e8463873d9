"""Speed: whole-process CPU time of `adsbwatch replay FILE --raw -q` against
`dump1090-mutability --ifile FILE --raw` on the same real recording, single core.

Both run as child processes pinned to one CPU (`taskset`), single-threaded, stdout to a
file; CPU time is the child's user + sys from os.wait4, wall time is measured around it.
The runs are interleaved (ours, theirs, ours at 2.0 MS/s, then again) so that the noise
of a shared machine hits both alike; the report gives medians and ratios. Besides the
throughput runs it measures:

- start-up: a bare interpreter, `import numpy`, `import numba`, `import` of our CLI, and
  a replay of a 10 ms file, so our fixed cost can be told from demodulation;
- warm and cold start: a simulated 1-second 2.4 MS/s recording replayed with the Numba
  cache present, and with NUMBA_CACHE_DIR set to an empty directory (compile time);
- an in-process breakdown (after warm-up) of the replay loop into reading, magnitudes,
  Demodulator.process (noise estimate, the Numba kernel) and AVR formatting.

    python benchmarks/speed.py --runs 3
    python benchmarks/speed.py --repeat 100 --runs 1      # a quicker look

Inputs are built under benchmarks/work/ (git-ignored) and reused while their size fits.
The package is measured from a copy taken at the start (benchmarks/work/snapshot/, with
its `git diff HEAD` beside it), so that edits made while this runs do not change the code
under test halfway; --live measures the working tree instead. Numba's cache for these runs
is benchmarks/work/numba-cache/, written by nothing else, so a run that wrote to it has
compiled and is run again. The report is printed and written to
benchmarks/work/speed-latest.md; benchmarks/work/speed-runs.log gets every run as it ends.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import inspect
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
RECORDINGS = ROOT.parent / "shared" / "recordings"
PEER_NAME = "dump1090-mutability"
PEER_PATH = Path("/usr/bin") / PEER_NAME
INSTALL_HINT = f"apt-get install -y {PEER_NAME}"
WARM_BAR_S = 2.0  # the goal for a warm start of a 1-second file
# Our own Numba cache: other processes on the machine (tests of a tree being edited) write
# the default one beside the sources, and Numba recompiles whenever a source file's time
# stamp changes. Only our runs write this one, so a write during a run means it compiled.
CACHE_DIR = WORK / "numba-cache"
VENV = WORK / "venv"
ATTEMPTS = 3  # runs of one measurement while it keeps compiling (the sources keep changing)
SINGLE_THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS would otherwise start a thread per core
    "MKL_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Recording:
    label: str  # "2.4" or "2.0"
    source: str  # file name in the recordings folder
    rate: int
    rate_arg: str  # our --rate

    def path(self, recordings: Path) -> Path:
        return recordings / self.source


REC_24 = Recording("2.4", "modes1_resampled_cu8_2400k.bin", 2_400_000, "2.4M")
REC_20 = Recording("2.0", "modes1_cu8_2000k.bin", 2_000_000, "2.0M")


class Failure(Exception):
    """An expected failure: one line for the user, and an exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Run:
    label: str
    rnd: int  # the round it belongs to
    user: float
    sys: float
    wall: float
    frames: int
    note: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


@dataclass
class Runner:
    """Starts children pinned to one CPU with single-threaded settings and times them."""

    cpu: int
    out_dir: Path
    tree: Path  # PYTHONPATH: where our package is imported from
    pin: list[str] = field(init=False)
    base_env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        taskset = shutil.which("taskset")
        self.pin = [taskset, "-c", str(self.cpu)] if taskset else []
        env = dict(os.environ)
        env["NUMBA_CACHE_DIR"] = str(CACHE_DIR)  # ours alone: see CACHE_DIR
        env.pop("NUMBA_DISABLE_JIT", None)
        env.update(SINGLE_THREAD_ENV)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(self.tree),
                                                          env.get("PYTHONPATH"))))
        self.base_env = env

    def run(self, label: str, argv: Sequence[str], rnd: int = 0,
            extra_env: dict[str, str] | None = None) -> Run:
        """Run one command to completion; stdout and stderr go to files in out_dir."""
        env = dict(self.base_env)
        env.update(extra_env or {})
        full = [*self.pin, *argv]
        exe = full[0] if os.sep in full[0] else shutil.which(full[0])
        if exe is None:
            raise Failure(f"{full[0]}: command not found")
        stem = "run-" + "".join(c if c.isalnum() else "_" for c in label)
        out_path = self.out_dir / f"{stem}.out"
        err_path = self.out_dir / f"{stem}.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            actions = [
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ]
            started = time.perf_counter()
            pid = os.posix_spawn(exe, full, env, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            tail = err_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise Failure(f"{' '.join(argv)} exited with status {code}: "
                          f"{tail[0] if tail else 'no message'} (see {err_path})")
        # (ru_maxrss is left out: posix_spawn's vfork-style child inherits this process's
        # high-water mark before its exec, so it reads as ours, not the child's.)
        return Run(label, rnd, usage.ru_utime, usage.ru_stime, wall, count_frames(out_path))


def count_frames(path: Path) -> int:
    """AVR lines (`*HEX;`, or `@TIMESTAMPHEX;`) in a decoder's output."""
    count = 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1] in (b"*", b"@") and line.rstrip().endswith(b";"):
                count += 1
    return count


# --- inputs -----------------------------------------------------------------------------

def repeated(source: Path, times: int, dest: Path) -> Path:
    """`source` concatenated `times` times at `dest`; an existing file of the right size
    is reused. Written under a temporary name first, so a cut-off build is never reused."""
    size = source.stat().st_size
    if dest.exists() and dest.stat().st_size == size * times:
        return dest
    data = source.read_bytes()
    partial = dest.with_name(dest.name + ".part")
    with open(partial, "wb") as f:
        for _ in range(times):
            f.write(data)
    os.replace(partial, dest)
    return dest


def read_through(path: Path, chunk: int = 1 << 24) -> None:
    """Read a file once, so that it sits in the page cache before the first measured run:
    otherwise whichever decoder reads it first pays the disk (a second of system time)."""
    with open(path, "rb") as f:
        while f.read(chunk):
            pass


def head_of(source: Path, seconds: float, rate: int, dest: Path) -> Path:
    """The first `seconds` of a cu8 recording."""
    nbytes = round(seconds * rate) * 2
    with open(source, "rb") as f:
        data = f.read(nbytes)
    if len(data) < nbytes:
        raise Failure(f"{source} is shorter than {seconds:g} s", 2)
    if not (dest.exists() and dest.read_bytes() == data):
        dest.write_bytes(data)
    return dest


def one_second_file(dest: Path, n_frames: int = 100, rate: int = 2_400_000) -> tuple[Path, int]:
    """A simulated 1-second cu8 recording with `n_frames` DF17 frames, 10 ms apart."""
    import numpy as np

    from adsbwatch.decoder.sim import simulate as sim

    rng = np.random.default_rng(1090)
    addresses = [0x4CA000 + 0x35 * k for k in range(8)]
    frames = sim.schedule(rng, n_frames, rate, 1.0 / n_frames * 0.99, (14.0, 24.0),
                          addresses, max_freq_offset_hz=50e3)
    iq = sim.simulate_iq(frames, rate, rate, np.random.default_rng([1090, 1]))
    dest.write_bytes(sim.quantize(iq, "cu8"))
    return dest, len(frames)


def cache_written_since(started: float) -> bool:
    """Whether any file of our Numba cache was written at or after `started`."""
    return any(p.stat().st_mtime >= started - 0.01 for p in CACHE_DIR.rglob("*") if p.is_file())


def signal_seconds(path: Path, rate: int) -> float:
    return path.stat().st_size // 2 / rate


# --- facts for the report ---------------------------------------------------------------

def command_output(argv: Sequence[str], env: dict[str, str] | None = None,
                   cwd: Path = ROOT) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd,
                              env=env)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def source_digest(tree: Path = ROOT) -> str:
    """A short hash of the package's Python sources under `tree`."""
    h = hashlib.sha256()
    for path in sorted((tree / "adsbwatch").rglob("*.py")):
        h.update(str(path.relative_to(tree)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Snapshot:
    tree: Path  # holds the adsbwatch package that is measured
    digest: str
    commit: str
    changes: str  # uncommitted changes under adsbwatch/ when it was taken


def take_snapshot(dest: Path, quiet_s: float = 5.0, patience_s: float = 300.0) -> Snapshot:
    """Copy the package to `dest` once its sources have rested for `quiet_s` seconds, so
    that every run measures the same code while the demodulator is being edited; the
    copy keeps `git diff HEAD` of the package beside it, to say what was measured."""
    package = ROOT / "adsbwatch"
    give_up = time.monotonic() + patience_s
    while True:
        newest = max(p.stat().st_mtime for p in package.rglob("*.py"))
        if time.time() - newest >= quiet_s or time.monotonic() > give_up:
            before = source_digest()
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(package, dest / "adsbwatch",
                            ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
            diff = command_output(["git", "--no-optional-locks", "diff", "HEAD", "--",
                                   "adsbwatch"])
            commit = command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
            changes = tree_changes()
            if source_digest() == before == source_digest(dest):
                (dest / "tree.diff").write_text(diff + "\n" if diff else "")
                (dest / "commit").write_text(commit + "\n")
                return Snapshot(dest, before, commit, changes)
        if time.monotonic() > give_up:
            raise Failure(f"the sources under {package} kept changing for {patience_s:.0f} s; "
                          "run again later, or pass --live to measure the tree as it changes")
        time.sleep(1.0)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions(python: str) -> str:
    code = ("import sys, numpy, numba; "
            "print(sys.version.split()[0], numpy.__version__, numba.__version__)")
    parts = command_output([python, "-c", code]).split()
    if len(parts) != 3:
        return "unknown"
    return f"Python {parts[0]}, numpy {parts[1]}, numba {parts[2]}"


def our_command(python: str) -> list[str]:
    """The `adsbwatch` console script beside `python` (not a pyenv shim, whose bash
    start-up is not ours), else `python -m adsbwatch`."""
    script = Path(python).parent / "adsbwatch"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [python, "-m", "adsbwatch"]


def clean_venv(dest: Path = VENV) -> str:
    """The Python of a virtual environment holding what `pip install .` installs and
    nothing else: what a user of the README's quick start runs. The interpreter this
    script runs under may hold more (here: SciPy and cffi, which Numba imports at its
    first compile when present: 0.3 s of start-up a user does not pay). Rebuilt when
    pyproject.toml changes; the package itself is then taken from PYTHONPATH."""
    python = dest / "bin" / "python"
    stamp = dest / "pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.is_file() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return str(python)
    print(f"speed: building a clean virtual environment in {dest} ...", file=sys.stderr)
    shutil.rmtree(dest, ignore_errors=True)
    for argv in ([sys.executable, "-m", "venv", str(dest)],
                 [str(python), "-m", "pip", "install", "--quiet", str(ROOT)]):
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
            raise Failure(f"{' '.join(argv)} failed: {tail[0] if tail else 'no message'}")
    stamp.write_text(wanted + "\n")
    return str(python)


def check_our_package(python: str, runner: Runner) -> None:
    where = command_output([python, "-c", "import adsbwatch; print(adsbwatch.__file__)"],
                           runner.base_env, cwd=WORK)
    if not where:
        raise Failure(f"{python} cannot import adsbwatch: run `pip install -e {ROOT}`", 2)
    if not Path(where).resolve().is_relative_to(runner.tree):
        raise Failure(f"adsbwatch is imported from {where}, not from {runner.tree}", 1)


def find_peer(path: str | None, install: bool) -> Path:
    if path is not None:
        candidate = Path(path)
    else:
        found = shutil.which(PEER_NAME)
        candidate = Path(found) if found else PEER_PATH
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate.absolute()
    if not install:
        raise Failure(f"{candidate}: not found; install it with `{INSTALL_HINT}` "
                      f"(as root), or run this script with --install", 2)
    if path is not None:
        raise Failure(f"{candidate}: not found; --install only installs {PEER_PATH}", 2)
    if os.geteuid() != 0:
        raise Failure(f"--install needs root: run `sudo apt-get update && sudo "
                      f"{INSTALL_HINT}` instead", 2)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", PEER_NAME]):
        print(f"speed: running {' '.join(argv)}", file=sys.stderr)
        if subprocess.run(argv, env=env).returncode != 0:
            raise Failure(f"`{' '.join(argv)}` failed; see its messages above")
    if not PEER_PATH.is_file():
        raise Failure(f"{PEER_PATH} is still missing after installing {PEER_NAME}")
    return PEER_PATH


# --- in-process breakdown ---------------------------------------------------------------

@dataclass
class Breakdown:
    label: str
    repeat: int
    signal_s: float
    frames: int
    stages: dict[str, float]  # seconds, medians over the repetitions
    total: float  # wall of the whole demodulate_source call, median
    cpu: float  # process CPU of the call, median
    missing: list[str]  # timer targets that do not exist in this tree


STAGES = (
    ("read", "reading blocks (`sources.read_blocks`)"),
    ("magnitude", "`iqformats.magnitude`"),
    ("process", "`Demodulator.process`, all of it"),
    ("noise", "  of which the noise floor (window medians)"),
    ("kernel", "  of which the Numba kernel (`demod._demodulate`)"),
    ("avr", "AVR formatting (`avr.avr_text`, not written out)"),
)
# (stage, module, attribute path) for every callee of the replay loop worth a timer. The
# demodulator is being reworked, so a target that no longer exists is skipped and the
# report says so; several targets may add up to one stage.
TARGETS = (
    ("read", "adsbwatch.receiver.station.demodulation", "read_blocks"),
    ("magnitude", "adsbwatch.receiver.station.demodulation", "magnitude"),
    ("process", "adsbwatch.decoder.demod.demodulator", "Demodulator.process"),
    ("noise", "adsbwatch.decoder.demod.demodulator", "Demodulator._update_noise"),
    ("noise", "adsbwatch.decoder.demod.noisefloor", "NoiseFloor.feed"),
    ("noise", "adsbwatch.decoder.demod.noisefloor", "NoiseFloor.floors"),
    ("kernel", "adsbwatch.decoder.demod.demodulator", "_demodulate"),
)


def _timed(fn: Callable, name: str, acc: dict[str, float], calls: dict[str, int]) -> Callable:
    if inspect.isgeneratorfunction(fn):  # time each step of the generator, not its creation
        def steps(*args, **kwargs) -> Iterator:
            it = fn(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(it)
                except StopIteration:
                    return
                finally:
                    acc[name] += time.perf_counter() - started
                    calls[name] += 1
                yield item

        return steps

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[name] += time.perf_counter() - started
            calls[name] += 1

    return wrapper


def _resolve(module: str, dotted: str) -> tuple[object, str] | None:
    """(owner, attribute name) of module.dotted, or None where it does not exist."""
    try:
        owner: object = importlib.import_module(module)
    except ImportError:
        return None
    *parents, name = dotted.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    return (owner, name) if name in vars(owner) else None


def breakdown(path: Path, rec: Recording, repeat: int, repetitions: int, cpu: int,
              tree: Path) -> Breakdown:
    """Time the stages of replay's own loop (`replay.demodulate_source`) in this process,
    by wrapping the functions it calls; the first pass over the 1x file is a warm-up."""
    from adsbwatch.receiver.outputs.avr import avr_text
    from adsbwatch.receiver.sources.files import resolve_source
    from adsbwatch.receiver.station import demodulation as replay

    if not Path(replay.__file__).resolve().is_relative_to(tree.resolve()):
        raise Failure(f"the breakdown imported {replay.__file__}, not the package in {tree}")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    spec = resolve_source(str(path), "cu8", rec.rate)
    warm = resolve_source(str(path.parent / f"modes1_{rec.label}_warmup.cu8"), "cu8", rec.rate)
    replay.demodulate_source(warm, lambda batch: avr_text(batch))

    acc: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    patched: list[tuple[object, str, object]] = []
    missing = []
    for stage, module, dotted in TARGETS:
        found = _resolve(module, dotted)
        if found is None:
            missing.append(f"{module}.{dotted}")
            continue
        owner, name = found
        original = vars(owner)[name]
        patched.append((owner, name, original))
        setattr(owner, name, _timed(original, stage, acc, calls))
    format_avr = _timed(avr_text, "avr", acc, calls)
    runs: list[tuple[dict[str, float], float, float, int]] = []
    try:
        for _ in range(repetitions):
            acc.clear()
            calls.clear()
            wall0, cpu0 = time.perf_counter(), time.process_time()
            totals = replay.demodulate_source(spec, format_avr)
            wall, used = time.perf_counter() - wall0, time.process_time() - cpu0
            runs.append((dict(acc), wall, used, totals.frames))
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    timed_stages = {stage for stage, _, _ in TARGETS if calls.get(stage)} | {"avr"}
    stages = {name: statistics.median(r[0].get(name, 0.0) for r in runs)
              for name, _ in STAGES if name in timed_stages}
    return Breakdown(rec.label, repeat, signal_seconds(path, rec.rate), runs[-1][3], stages,
                     statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs),
                     missing)


# --- the report -------------------------------------------------------------------------

def med(runs: Sequence[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def spread(runs: Sequence[Run], attr: str, digits: int = 2) -> str:
    values = [getattr(r, attr) for r in runs]
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}–{hi:.{digits}f}" if len(values) > 1 else f"{lo:.{digits}f}"


def frames_text(runs: Sequence[Run]) -> str:
    counts = sorted({r.frames for r in runs})
    return " / ".join(str(c) for c in counts)


def paired_ratio(ours: Sequence[Run], theirs: Sequence[Run]) -> float:
    by_round = {r.rnd: r.cpu for r in theirs}
    ratios = [r.cpu / by_round[r.rnd] for r in ours if by_round.get(r.rnd)]
    return statistics.median(ratios) if ratios else float("nan")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b > 0 else "n/a"


@dataclass
class Results:
    header: list[str]
    main: dict[str, list[Run]]
    signal: dict[str, float]  # label -> signal seconds of its input
    startup: dict[str, list[Run]]
    warm: list[Run]
    cold: list[Run]
    warm_frames_sent: int
    breakdowns: list[Breakdown]
    notes: list[str]


def report(res: Results, runs: int, repeat: int) -> str:
    lines = list(res.header)
    ours24, theirs24, ours20 = res.main["ours-2.4"], res.main["theirs-2.4"], res.main["ours-2.0"]
    s24, s20 = res.signal["2.4"], res.signal["2.0"]
    lines += [
        "",
        f"## Throughput: modes1 repeated {repeat} times, whole process, single core",
        "",
        f"Medians of {runs} interleaved round(s); ranges in the CPU column. Ratio = "
        "median CPU / dump1090-mutability's median CPU at 2.4 MS/s (in brackets: the median "
        "of the per-round ratios).",
        "",
        "| run | signal s | CPU s (range) | wall s | x real time | frames | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    theirs_cpu = med(theirs24, "cpu")
    rows = (("dump1090-mutability, 2.4 MS/s", theirs24, s24, None),
            ("adsbwatch, 2.4 MS/s", ours24, s24, ours24),
            ("adsbwatch, 2.0 MS/s", ours20, s20, ours20))
    for name, rr, sig, mine in rows:
        cpu, wall = med(rr, "cpu"), med(rr, "wall")
        r = "1" if mine is None else (
            f"{ratio(cpu, theirs_cpu)} ({paired_ratio(mine, theirs24):.1f})")
        if mine is ours20:
            r += " (secondary: 2.0 vs their 2.4)"
        lines.append(f"| {name} | {sig:.1f} | {cpu:.2f} ({spread(rr, 'cpu')}) | {wall:.2f} | "
                     f"{sig / wall:.1f} | {frames_text(rr)} | {r} |")
    lines.append("| dump1090-mutability, 2.0 MS/s | — | not run: it decodes nothing at "
                 "2.0 MS/s | | | 0 | |")

    fixed = med(res.startup["adsbwatch replay, 10 ms file"], "cpu")
    lines += [
        "",
        f"CPU per second of signal: dump1090-mutability {theirs_cpu / s24 * 1e3:.1f} ms; "
        f"adsbwatch {med(ours24, 'cpu') / s24 * 1e3:.1f} ms at 2.4 MS/s, "
        f"{med(ours20, 'cpu') / s20 * 1e3:.1f} ms at 2.0 MS/s.",
        f"Without our fixed start-up (the 10 ms replay below, {fixed:.2f} s CPU): "
        f"{med(ours24, 'cpu') - fixed:.2f} s at 2.4 MS/s, "
        f"{ratio(med(ours24, 'cpu') - fixed, theirs_cpu)}x dump1090-mutability's CPU; "
        f"{med(ours20, 'cpu') - fixed:.2f} s at 2.0 MS/s.",
        "",
        "## Start-up cost (single core)",
        "",
        f"Medians of {len(next(iter(res.startup.values())))} interleaved runs.",
        "",
        "| command | CPU s (range) | wall s | share of our 2.4 MS/s CPU |",
        "|---|---:|---:|---:|",
    ]
    ours_cpu = med(ours24, "cpu")
    for name, rr in res.startup.items():
        cpu = med(rr, "cpu")
        lines.append(f"| `{name}` | {cpu:.3f} ({spread(rr, 'cpu', 3)}) | {med(rr, 'wall'):.3f} | "
                     f"{cpu / ours_cpu:.1%} |")

    warm_wall, cold_wall = med(res.warm, "wall"), med(res.cold, "wall")
    verdict = "met" if warm_wall < WARM_BAR_S else "NOT met"
    lines += [
        "",
        f"## Warm and cold start: a simulated 1 s recording at 2.4 MS/s "
        f"({res.warm_frames_sent} DF17 frames)",
        "",
        "| start | wall s (median) | wall s, every run | CPU s (median) | frames |",
        "|---|---:|---|---:|---:|",
        f"| warm (Numba cache present) | {warm_wall:.2f} | "
        f"{', '.join(f'{r.wall:.2f}' for r in res.warm)} | {med(res.warm, 'cpu'):.2f} | "
        f"{frames_text(res.warm)} |",
        f"| cold (NUMBA_CACHE_DIR = a new empty directory) | {cold_wall:.2f} | "
        f"{', '.join(f'{r.wall:.2f}' for r in res.cold)} | {med(res.cold, 'cpu'):.2f} | "
        f"{frames_text(res.cold)} |",
        "",
        f"Warm start bar (< {WARM_BAR_S:g} s wall): **{verdict}**. "
        f"Compile time (cold − warm wall): **{cold_wall - warm_wall:.1f} s**.",
    ]

    if res.breakdowns:
        b0 = res.breakdowns[0]
        lines += [
            "",
            f"## Where our time goes: in-process, after warm-up, modes1 repeated "
            f"{b0.repeat} times",
            "",
            "`replay.demodulate_source` (the loop `adsbwatch replay` runs) with its callees "
            "wrapped in timers; medians of the repetitions, one CPU, no start-up.",
            "",
            "| stage | " + " | ".join(f"{b.label} MS/s s | share" for b in res.breakdowns) + " |",
            "|---|" + "---:|---:|" * len(res.breakdowns),
        ]
        for name, text in STAGES:
            cells = " | ".join(f"{b.stages[name]:.3f} | {b.stages[name] / b.total:.1%}"
                               if name in b.stages else "n/a | " for b in res.breakdowns)
            lines.append(f"| {text} | {cells} |")
        outer = ("read", "magnitude", "process", "avr")  # the rest is what none of them took
        rests = [b.total - sum(b.stages.get(name, 0.0) for name in outer)
                 for b in res.breakdowns]
        rest = " | ".join(f"{r:.3f} | {r / b.total:.1%}" for r, b in zip(rests, res.breakdowns,
                                                                           strict=True))
        lines.append(f"| the rest (frame counting, loop, timers) | {rest} |")
        lines.append("| **whole loop, wall** | " + " | ".join(
            f"**{b.total:.3f}** | 100%" for b in res.breakdowns) + " |")
        lines.append("| whole loop, process CPU | " + " | ".join(
            f"{b.cpu:.3f} | " for b in res.breakdowns) + " |")
        lines.append("| frames | " + " | ".join(
            f"{b.frames} | " for b in res.breakdowns) + " |")
        lines.append("| x real time (loop only) | " + " | ".join(
            f"{b.signal_s / b.total:.1f} | " for b in res.breakdowns) + " |")
        missing = sorted({m for b in res.breakdowns for m in b.missing})
        if missing:
            lines += ["", "Timer targets absent from this tree (skipped): "
                      + ", ".join(f"`{m}`" for m in missing) + "."]

    lines += ["", "## Every run", "",
              "| round | run | CPU s | user s | sys s | wall s | frames | note |",
              "|---:|---|---:|---:|---:|---:|---:|---|"]
    every = [*(r for rr in res.main.values() for r in rr),
             *(r for rr in res.startup.values() for r in rr), *res.warm, *res.cold]
    for r in sorted(every, key=lambda r: r.rnd):
        lines.append(f"| {r.rnd} | {r.label} | {r.cpu:.3f} | {r.user:.3f} | {r.sys:.3f} | "
                     f"{r.wall:.3f} | {r.frames} | {r.note} |")
    if res.notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in res.notes)]
    return "\n".join(lines) + "\n"


# --- the measurement --------------------------------------------------------------------

class TreeWatch:
    """Notices when the measured sources change between runs (only with --live, where the
    tree being edited is measured as it is): after a change the Numba cache is stale, so a
    warm-up run recompiles before the next timing."""

    def __init__(self, tree: Path, warm_up: Callable[[], None]) -> None:
        self.tree = tree
        self.warm_up = warm_up
        self.digest = source_digest(tree)
        self.seen = [self.digest]

    def before(self) -> str:
        now = source_digest(self.tree)
        if now != self.digest:
            self.digest = now
            self.seen.append(now)
            self.warm_up()
            return f"sources changed before this run (now {now}); re-warmed"
        return ""

    def after(self, run: Run, note: str) -> Run:
        if source_digest(self.tree) != self.digest:
            note = (note + "; " if note else "") + "SOURCES CHANGED DURING THIS RUN"
        run.note = note
        return run


def measure(args: argparse.Namespace) -> Results:
    recordings = Path(args.recordings).absolute()
    for rec in (REC_24, REC_20):
        if not rec.path(recordings).is_file():
            raise Failure(f"{rec.path(recordings)}: recording not found; pass --recordings "
                          f"DIR (the shared recordings folder)", 2)
    peer = find_peer(args.peer, args.install)
    WORK.mkdir(parents=True, exist_ok=True)
    # Children start here: `python -c` puts its working directory first on sys.path, and
    # from the checkout's root that would import the live tree instead of the copy.
    os.chdir(WORK)
    python = sys.executable if args.system_python else clean_venv()
    ours = our_command(python)
    load_before = os.getloadavg()

    print("speed: building inputs in benchmarks/work/ ...", file=sys.stderr)
    big = {rec.label: repeated(rec.path(recordings), args.repeat,
                               WORK / f"modes1_{rec.label}_x{args.repeat}.cu8")
           for rec in (REC_24, REC_20)}
    for path in big.values():
        read_through(path)
    tiny = head_of(REC_24.path(recordings), 0.010, REC_24.rate, WORK / "modes1_2.4_10ms.cu8")
    tiny20 = head_of(REC_20.path(recordings), 0.010, REC_20.rate, WORK / "modes1_2.0_10ms.cu8")
    for rec in (REC_24, REC_20):  # the breakdown's warm-up input
        repeated(rec.path(recordings), 1, WORK / f"modes1_{rec.label}_warmup.cu8")

    def our_argv(path: Path, rec: Recording) -> list[str]:
        argv = [*ours, "replay", str(path), "--raw", "-q"]
        return argv if rec is REC_24 else [*argv, "--rate", rec.rate_arg]

    def warm_up() -> None:  # loads (or after an edit, rebuilds) the Numba cache
        runner.run("warm-up", our_argv(tiny, REC_24))
        runner.run("warm-up", our_argv(tiny20, REC_20))

    for attempt in range(1, ATTEMPTS + 1):
        if args.live:
            snap = Snapshot(ROOT, source_digest(), command_output(
                ["git", "rev-parse", "--short", "HEAD"]) or "unknown", tree_changes())
        else:
            print("speed: copying the package once its sources rest ...", file=sys.stderr)
            snap = take_snapshot(WORK / "snapshot")
        runner = Runner(args.cpu, WORK, snap.tree)
        check_our_package(python, runner)
        print(f"speed: warming up the Numba cache for {snap.tree} ...", file=sys.stderr)
        try:
            warm_up()
            break
        except Failure as exc:  # caught mid-edit (a file saved half-way): try once more
            if attempt == ATTEMPTS:
                raise
            print(f"speed: {exc}; trying again in 30 s", file=sys.stderr)
            time.sleep(30)
    sys.path.insert(0, str(snap.tree))  # the in-process parts import the measured package
    one_s, sent = one_second_file(WORK / "one_second_2.4M.cu8")
    watch = TreeWatch(snap.tree, warm_up)

    log = WORK / "speed-runs.log"  # every run as it ends, in case a later step fails
    log.write_text("# round\tlabel\tuser_s\tsys_s\twall_s\tframes\tnote\n")

    def timed(label: str, argv: list[str], rnd: int, env: dict[str, str] | None = None) -> Run:
        """One measured run. A run that compiled (it wrote to our Numba cache: the sources
        were saved since the last run) is run again, up to ATTEMPTS times in all."""
        notes: list[str] = []
        for attempt in range(1, ATTEMPTS + 1):
            notes.append(watch.before())
            print(f"speed: round {rnd}: {label} ...", file=sys.stderr)
            started = time.time()
            try:
                run = watch.after(runner.run(label, argv, rnd, env), "")
            except Failure:
                # A half-saved source file of the engineer at work: again once it settles.
                if attempt == ATTEMPTS or source_digest(watch.tree) == watch.digest:
                    raise
                notes.append("failed while the sources changed; ran again")
                time.sleep(5)
                continue
            notes.append(run.note)
            if env is None and cache_written_since(started):
                notes.append(f"COMPILED ({run.cpu:.1f} s CPU: the Numba cache was stale)")
                if attempt < ATTEMPTS:
                    notes[-1] += "; ran again"
                    continue
            break
        run.note = "; ".join(n for n in notes if n)
        with open(log, "a") as f:
            f.write(f"{rnd}\t{label}\t{run.user:.3f}\t{run.sys:.3f}\t{run.wall:.3f}\t"
                    f"{run.frames}\t{run.note}\n")
        return run

    startup_cmds = {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import numpy'": [python, "-c", "import numpy"],
        "python -c 'import numba'": [python, "-c", "import numba"],
        "python -c 'import adsbwatch.receiver.cli.main'": [python, "-c",
                                                      "import adsbwatch.receiver.cli.main"],
        "adsbwatch replay, 10 ms file": our_argv(tiny, REC_24),
    }
    startup: dict[str, list[Run]] = {name: [] for name in startup_cmds}
    for rnd in range(1, args.startup_runs + 1):
        for name, argv in startup_cmds.items():
            startup[name].append(timed(name, argv, rnd))

    warm: list[Run] = []
    cold: list[Run] = []
    for rnd in range(1, args.runs + 1):
        warm.append(timed("warm start, 1 s", our_argv(one_s, REC_24), rnd))
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as empty:
            cold.append(timed("cold start, 1 s", our_argv(one_s, REC_24), rnd,
                              {"NUMBA_CACHE_DIR": empty}))

    main: dict[str, list[Run]] = {"ours-2.4": [], "theirs-2.4": [], "ours-2.0": []}
    for rnd in range(1, args.runs + 1):
        main["ours-2.4"].append(timed("ours-2.4", our_argv(big["2.4"], REC_24), rnd))
        main["theirs-2.4"].append(timed("theirs-2.4", [str(peer), "--ifile", str(big["2.4"]),
                                                       "--raw"], rnd))
        main["ours-2.0"].append(timed("ours-2.0", our_argv(big["2.0"], REC_20), rnd))

    breakdowns = []
    late_notes: list[str] = []
    if args.breakdown_repeat > 0:
        for rec in (REC_24, REC_20):
            path = repeated(rec.path(recordings), args.breakdown_repeat,
                            WORK / f"modes1_{rec.label}_x{args.breakdown_repeat}.cu8")
            print(f"speed: in-process breakdown at {rec.label} MS/s ...", file=sys.stderr)
            watch.before()
            try:
                breakdowns.append(breakdown(path, rec, args.breakdown_repeat,
                                            args.breakdown_runs, args.cpu, snap.tree))
            except Exception as exc:  # the tree is being edited: keep the runs above
                late_notes.append(f"The in-process breakdown at {rec.label} MS/s failed: "
                                  f"{type(exc).__name__}: {exc}")

    notes = late_notes
    if not runner.pin:
        notes.append("taskset was not found: the runs were not pinned to one CPU.")
    if len(watch.seen) > 1 or source_digest(watch.tree) != watch.digest:
        notes.append(f"The package sources changed during the measurement (digests "
                     f"{', '.join(watch.seen)} → {source_digest(watch.tree)}): the figures "
                     f"mix versions; see the notes per run.")
    if not args.live and source_digest() != snap.digest:
        notes.append(f"The working tree changed while this ran (its sources now hash to "
                     f"{source_digest()}); the runs all measured the copy taken at the "
                     f"start ({snap.digest}).")
    if any(r.rnd and r.note for rr in main.values() for r in rr):
        notes.append("Some throughput runs carry a note: read them before the medians.")
    head = [
        "# adsbwatch speed against dump1090-mutability",
        "",
        f"- measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `python benchmarks/speed.py "
        f"{' '.join(sys.argv[1:])}`",
        f"- git commit {snap.commit}; uncommitted changes under adsbwatch/: "
        f"{snap.changes or 'none'}; package source digest {snap.digest}; "
        + ("measured live in the working tree (--live)" if args.live else
           f"measured on a copy taken at the start, {snap.tree.relative_to(ROOT)}/ "
           "(with `tree.diff`, its diff against that commit)"),
        f"- {cpu_model()}, {os.cpu_count()} CPUs, load average (1, 5, 15 min) at the start "
        f"{', '.join(f'{x:.2f}' for x in load_before)}, at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; children "
        + (f"pinned with `taskset -c {args.cpu}`" if runner.pin else "not pinned")
        + ", env " + ", ".join(f"{k}=1" for k in SINGLE_THREAD_ENV),
        f"- {versions(python)}; {PEER_NAME} {peer_version() or '(version unknown)'}",
        f"- our interpreter: {python} "
        + ("(this script's, with whatever it has installed)" if args.system_python else
           "(a clean virtual environment: `pip install .` and nothing else, as the README "
           "installs it; the package from the copy above via PYTHONPATH)"),
        f"- ours: `{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(ours))} replay "
        f"FILE --raw -q` (`--rate 2.0M` at 2.0 MS/s); theirs: `{peer} --ifile FILE --raw`; "
        "stdout to a file; CPU = user + sys of the child (os.wait4)",
        f"- our Numba cache: NUMBA_CACHE_DIR={CACHE_DIR.relative_to(ROOT)} (written by these "
        "runs only; a run that compiled is run again and says so in its note)",
    ]
    return Results(head, main, {k: signal_seconds(v, (REC_24 if k == "2.4" else REC_20).rate)
                                for k, v in big.items()},
                   startup, warm, cold, sent, breakdowns, notes)


def tree_changes() -> str:
    status = command_output(["git", "--no-optional-locks", "status", "--porcelain", "--",
                             "adsbwatch"])
    return ", ".join(line.strip() for line in status.splitlines())


def peer_version() -> str:
    return command_output(["dpkg-query", "-W", "-f", "${Version}", PEER_NAME])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3,
                   help="interleaved rounds of the throughput and warm/cold runs (default 3)")
    p.add_argument("--repeat", type=int, default=1000,
                   help="copies of modes1 in the throughput inputs (default 1000: 178 s)")
    p.add_argument("--startup-runs", type=int, default=5,
                   help="rounds of the start-up commands (default 5)")
    p.add_argument("--breakdown-repeat", type=int, default=100,
                   help="copies of modes1 for the in-process breakdown (default 100; 0: skip)")
    p.add_argument("--breakdown-runs", type=int, default=3,
                   help="repetitions of the in-process breakdown (default 3)")
    p.add_argument("--cpu", type=int, default=0, help="the CPU to pin every run to (default 0)")
    p.add_argument("--peer", help=f"path of {PEER_NAME} (default: from PATH, else {PEER_PATH})")
    p.add_argument("--install", action="store_true",
                   help=f"if {PEER_NAME} is missing, run `apt-get update && {INSTALL_HINT}` "
                        "(root only)")
    p.add_argument("--live", action="store_true",
                   help="measure the working tree as it is, not a copy taken at the start "
                        "(with others editing it, runs may then measure different code)")
    p.add_argument("--system-python", action="store_true",
                   help="run ours with this script's interpreter and whatever it has "
                        "installed, not a clean virtual environment (benchmarks/work/venv)")
    p.add_argument("--recordings", default=str(RECORDINGS),
                   help=f"the shared recordings folder (default {RECORDINGS})")
    args = p.parse_args(argv)
    for name in ("runs", "repeat", "startup_runs", "breakdown_runs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.breakdown_repeat < 0:
        p.error("--breakdown-repeat must be 0 or more")
    if args.cpu not in os.sched_getaffinity(0):
        p.error(f"CPU {args.cpu} is not available to this process")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(SINGLE_THREAD_ENV)  # for the in-process breakdown's numba
    os.environ["NUMBA_CACHE_DIR"] = str(CACHE_DIR)
    try:
        results = measure(args)
    except Failure as exc:
        print(f"speed: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    text = report(results, args.runs, args.repeat)
    out = WORK / "speed-latest.md"
    out.write_text(text)
    print(text)
    print(f"speed: written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
