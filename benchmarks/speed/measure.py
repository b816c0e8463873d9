"""The measurement from start to end: the inputs, the interpreter and the package made
ready, then every run interleaved (start-up, warm/cold, throughput), the breakdown last."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .breakdown import Breakdown, breakdown
from .config import ATTEMPTS, REC_20, REC_24, ROOT, WORK, Failure, Recording
from .environment import check_our_package, clean_venv, command_output, find_peer, our_command
from .inputs import head_of, one_second_file, read_through, repeated, signal_seconds
from .report import Results, header
from .runner import Run, Runner, cache_written_since
from .snapshot import Snapshot, TreeWatch, source_digest, take_snapshot, tree_changes
from .startup import startup_commands, startup_rounds, warm_and_cold


def our_argv(ours: list[str], path: Path, rec: Recording) -> list[str]:
    argv = [*ours, "replay", str(path), "--raw", "-q"]
    return argv if rec is REC_24 else [*argv, "--rate", rec.rate_arg]


def build_inputs(recordings: Path, repeat: int) -> tuple[dict[str, Path], dict[str, Path]]:
    """By rate label ("2.4", "2.0"): the throughput inputs (read once, so that no decoder
    pays the disk) and their first 10 ms; and the breakdown's warm-up input, all under
    benchmarks/work/."""
    print("speed: building inputs in benchmarks/work/ ...", file=sys.stderr)
    big = {rec.label: repeated(rec.path(recordings), repeat,
                               WORK / f"modes1_{rec.label}_x{repeat}.cu8")
           for rec in (REC_24, REC_20)}
    for path in big.values():
        read_through(path)
    tiny = {rec.label: head_of(rec.path(recordings), 0.010, rec.rate,
                               WORK / f"modes1_{rec.label}_10ms.cu8")
            for rec in (REC_24, REC_20)}
    for rec in (REC_24, REC_20):  # the breakdown's warm-up input
        repeated(rec.path(recordings), 1, WORK / f"modes1_{rec.label}_warmup.cu8")
    return big, tiny


def ready_package(args: argparse.Namespace, python: str, ours: list[str],
                  tiny: dict[str, Path]) -> tuple[Snapshot, Runner]:
    """The package to measure (a copy, unless --live) with its Numba cache warm. A copy
    caught mid-edit (a file saved half-way) fails its warm-up: taken again later."""
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
            warm_up(runner, ours, tiny)
            return snap, runner
        except Failure as exc:
            if attempt == ATTEMPTS:
                raise
            print(f"speed: {exc}; trying again in 30 s", file=sys.stderr)
            time.sleep(30)
    raise AssertionError("unreachable")


def warm_up(runner: Runner, ours: list[str], tiny: dict[str, Path]) -> None:
    """Loads (or after an edit, rebuilds) the Numba cache, at both rates."""
    runner.run("warm-up", our_argv(ours, tiny["2.4"], REC_24))
    runner.run("warm-up", our_argv(ours, tiny["2.0"], REC_20))


class Session:
    """Measured runs: each logged as it ends, one that compiled run again."""

    def __init__(self, runner: Runner, watch: TreeWatch, log: Path) -> None:
        self.runner = runner
        self.watch = watch
        self.log = log  # every run as it ends, in case a later step fails
        log.write_text("# round\tlabel\tuser_s\tsys_s\twall_s\tframes\tnote\n")

    def timed(self, label: str, argv: list[str], rnd: int,
              env: dict[str, str] | None = None) -> Run:
        """One measured run. A run that compiled (it wrote to our Numba cache: the sources
        were saved since the last run) is run again, up to ATTEMPTS times in all."""
        watch = self.watch
        notes: list[str] = []
        for attempt in range(1, ATTEMPTS + 1):
            notes.append(watch.before())
            print(f"speed: round {rnd}: {label} ...", file=sys.stderr)
            started = time.time()
            try:
                run = watch.after(self.runner.run(label, argv, rnd, env), "")
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
        with open(self.log, "a") as f:
            f.write(f"{rnd}\t{label}\t{run.user:.3f}\t{run.sys:.3f}\t{run.wall:.3f}\t"
                    f"{run.frames}\t{run.note}\n")
        return run


def throughput(session: Session, ours: list[str], peer: Path, big: dict[str, Path],
               rounds: int) -> dict[str, list[Run]]:
    """Ours at 2.4, theirs at 2.4, ours at 2.0, round after round: the machine's noise
    hits both alike."""
    main: dict[str, list[Run]] = {"ours-2.4": [], "theirs-2.4": [], "ours-2.0": []}
    for rnd in range(1, rounds + 1):
        main["ours-2.4"].append(session.timed("ours-2.4", our_argv(ours, big["2.4"], REC_24),
                                              rnd))
        main["theirs-2.4"].append(session.timed("theirs-2.4", [str(peer), "--ifile",
                                                               str(big["2.4"]), "--raw"], rnd))
        main["ours-2.0"].append(session.timed("ours-2.0", our_argv(ours, big["2.0"], REC_20),
                                              rnd))
    return main


def breakdowns(args: argparse.Namespace, recordings: Path, snap: Snapshot,
               watch: TreeWatch) -> tuple[list[Breakdown], list[str]]:
    """The in-process breakdown at both rates, and a note for each that failed."""
    found: list[Breakdown] = []
    notes: list[str] = []
    if args.breakdown_repeat <= 0:
        return found, notes
    for rec in (REC_24, REC_20):
        path = repeated(rec.path(recordings), args.breakdown_repeat,
                        WORK / f"modes1_{rec.label}_x{args.breakdown_repeat}.cu8")
        print(f"speed: in-process breakdown at {rec.label} MS/s ...", file=sys.stderr)
        watch.before()
        try:
            found.append(breakdown(path, rec, args.breakdown_repeat, args.breakdown_runs,
                                   args.cpu, snap.tree))
        except Exception as exc:  # noqa: BLE001 - the tree is being edited: keep the runs
            notes.append(f"The in-process breakdown at {rec.label} MS/s failed: "
                         f"{type(exc).__name__}: {exc}")
    return found, notes


def closing_notes(args: argparse.Namespace, runner: Runner, watch: TreeWatch,
                  snap: Snapshot, main: dict[str, list[Run]]) -> list[str]:
    notes = []
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
    return notes


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

    big, tiny = build_inputs(recordings, args.repeat)
    snap, runner = ready_package(args, python, ours, tiny)
    # The in-process parts import the measured package, not the tree this runs from.
    sys.path.insert(0, str(snap.tree))
    one_s, sent = one_second_file(WORK / "one_second_2.4M.cu8")
    watch = TreeWatch(snap.tree, lambda: warm_up(runner, ours, tiny))
    session = Session(runner, watch, WORK / "speed-runs.log")

    startup = startup_rounds(session.timed,
                             startup_commands(python, our_argv(ours, tiny["2.4"], REC_24)),
                             args.startup_runs)
    warm, cold = warm_and_cold(session.timed, our_argv(ours, one_s, REC_24), args.runs)
    main = throughput(session, ours, peer, big, args.runs)
    found, late_notes = breakdowns(args, recordings, snap, watch)

    notes = late_notes + closing_notes(args, runner, watch, snap, main)
    head = header(args, snap, python, ours, peer, bool(runner.pin), load_before)
    signal = {rec.label: signal_seconds(big[rec.label], rec.rate) for rec in (REC_24, REC_20)}
    return Results(head, main, signal, startup, warm, cold, sent, found, notes)
