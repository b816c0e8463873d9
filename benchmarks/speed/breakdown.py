"""The in-process breakdown: the station's loop run in this process after a warm-up,
its callees wrapped in timers, to say where our time goes (reading, magnitudes, the
noise floor, the Numba kernel, AVR formatting)."""

from __future__ import annotations

import importlib
import inspect
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import Failure, Recording
from .inputs import signal_seconds


@dataclass
class Breakdown:
    label: str
    repeat: int
    signal_s: float
    frames: int
    stages: dict[str, float]  # seconds, medians over the repetitions
    total: float  # wall of the whole Station.run call, median
    cpu: float  # process CPU of the call, median
    missing: list[str]  # timer targets that do not exist in this tree


STAGES = (
    ("read", "reading blocks (`sources.blocks.cut_blocks`)"),
    ("magnitude", "magnitudes and the block's mean power (`demod.magnitude`)"),
    ("process", "`Demodulator.process`, all of it"),
    ("noise", "  of which the noise floor (window medians)"),
    ("kernel", "  of which the Numba kernel (`demod.kernel._demodulate`)"),
    ("avr", "AVR formatting (`outputs.avr.avr_text`, not written out)"),
)
# (stage, module, attribute path) for every callee of the station's loop worth a timer,
# patched where its caller looks it up (so `_demodulate` in the Demodulator's module,
# which imports it from demod/kernel.py). A target that no longer exists (the code is
# being reworked) is skipped and the report says so; several targets may add up to one
# stage.
TARGETS = (
    ("read", "adsbwatch.receiver.sources.files", "cut_blocks"),
    ("magnitude", "adsbwatch.receiver.station.demodulation", "magnitude_and_power"),
    ("process", "adsbwatch.decoder.demod.demodulator", "Demodulator.process"),
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


@dataclass
class AvrSink:
    """The AVR output's work, its text thrown away: the station needs a consumer to
    serve."""

    format_avr: Callable
    name: str = "AVR, not written out"

    def on_frames(self, batch: object) -> None:
        self.format_avr(batch)

    def close(self) -> None:
        pass


def breakdown(path: Path, rec: Recording, repeat: int, repetitions: int, cpu: int,
              tree: Path) -> Breakdown:
    """Time the stages of the station's own run (`Station.run` with the recording's
    DemodulatedInput, what `adsbwatch replay --raw` runs) in this process, by wrapping
    the functions it calls (in the station's thread and the input's); the first pass
    over the 1x file is a warm-up."""
    from adsbwatch.receiver.outputs.avr import avr_text
    from adsbwatch.receiver.sources.resolve import recording_source
    from adsbwatch.receiver.station.demodulation import DemodulatedInput
    from adsbwatch.receiver.station.station import Station

    def replay(file: Path, format_avr: Callable) -> int:
        source = DemodulatedInput(recording_source(str(file), "cu8", rec.rate), fix=1)
        station = Station(source, start_epoch=0.0, pipeline=None, warn=lambda line: None)
        station.add(AvrSink(format_avr))
        station.run()
        station.close()
        return station.stats.total.frames

    if not Path(inspect.getfile(Station)).resolve().is_relative_to(tree.resolve()):
        raise Failure(f"the breakdown imported {inspect.getfile(Station)}, not the "
                      f"package in {tree}")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    replay(path.parent / f"modes1_{rec.label}_warmup.cu8", avr_text)

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
            frames = replay(path, format_avr)
            wall, used = time.perf_counter() - wall0, time.process_time() - cpu0
            runs.append((dict(acc), wall, used, frames))
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    timed_stages = {stage for stage, _, _ in TARGETS if calls.get(stage)} | {"avr"}
    stages = {name: statistics.median(r[0].get(name, 0.0) for r in runs)
              for name, _ in STAGES if name in timed_stages}
    return Breakdown(rec.label, repeat, signal_seconds(path, rec.rate), runs[-1][3], stages,
                     statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs),
                     missing)
