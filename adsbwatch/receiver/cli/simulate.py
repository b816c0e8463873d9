"""`adsbwatch simulate`: write a simulated recording, its ground truth and a watchlist.

The recording is made chunk by chunk, so a minute of 150 aircraft needs memory for a
few seconds of samples only. Every frame that overlaps a chunk is simulated in it
(whole, then cut at the chunk's edges), so frames across a boundary come out intact.
numpy, the simulator (which loads Numba) and the sources (numpy) are imported by the
functions that use them: every command's parser is built from this module.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.sim.defaults import DEFAULT_START_TIME
from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.kernel_cache import say_if_compiling
from adsbwatch.receiver.rates import check_format, parse_rate
from adsbwatch.receiver.when import iso_time, iso_utc

if TYPE_CHECKING:
    import numpy as np

    from adsbwatch.decoder.sim import scene as sc
    from adsbwatch.decoder.sim import simulate as sim

CHUNK_S = 2.0
DEFAULT_DURATION_S = {"airport": 10.0, "benchmark": 60.0}
MAX_DURATION_S = 3600.0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "simulate", help="write a simulated IQ recording with its ground truth",
        description="Simulate aircraft near a receiver and write OUT (IQ samples), "
                    "OUT's stem + .truth.json, and for the airport scene + .watchlist.txt.")
    p.add_argument("out", metavar="OUT", help="recording to write, e.g. scene.cu8")
    p.add_argument("--scene", choices=("airport", "benchmark"), default="airport",
                   help="airport: 8 aircraft at Schiphol, one watched (default); "
                        "benchmark: many aircraft within 250 km")
    p.add_argument("--duration", type=float, metavar="S",
                   help="seconds (default 10 for airport, 60 for benchmark)")
    p.add_argument("--rate", default="2.4M", help="sample rate, 2.4M or 2.0M (default 2.4M)")
    p.add_argument("--format", choices=sorted(FORMATS),
                   help="sample format (default: from OUT's extension, else cu8)")
    p.add_argument("--aircraft", type=int, metavar="N",
                   help="aircraft in the benchmark scene (default 150)")
    p.add_argument("--seed", type=int, default=1090, help="random seed (default 1090)")
    p.add_argument("--noise-rms", type=float, default=0.04,
                   help="noise RMS in full-scale units (default 0.04)")
    p.add_argument("--start-time", default=None,
                   help="ISO-8601 UTC time of the first sample for the truth "
                        f"(default {DEFAULT_START_TIME})")
    p.set_defaults(handler=run)  # main() reports UserError / RuntimeFailure
    return p


def _options(args: argparse.Namespace) -> tuple[int, str, float]:
    from adsbwatch.receiver.sources.resolve import EXTENSIONS

    rate = parse_rate(args.rate)
    fmt = check_format(args.format or EXTENSIONS.get(Path(args.out).suffix.lower(), "cu8"))
    # A SigMF pair: OUT.sigmf-data and its .sigmf-meta, written alongside.
    duration = args.duration if args.duration is not None else DEFAULT_DURATION_S[args.scene]
    if not 0.001 <= duration <= MAX_DURATION_S:  # also rejects nan
        raise UserError(f"--duration {duration:g} s is out of range: use 0.001 to "
                        f"{MAX_DURATION_S:g} seconds")
    if not args.noise_rms > 0 or args.noise_rms > 0.5:
        raise UserError(f"--noise-rms {args.noise_rms:g} is out of range: use a value "
                        "above 0 and up to 0.5 (full scale is 1.0)")
    parent = Path(args.out).resolve().parent
    if not parent.is_dir():
        raise UserError(f"cannot write {args.out}: folder {parent} does not exist")
    if args.aircraft is not None and args.scene != "benchmark":
        raise UserError("--aircraft applies to --scene benchmark only")
    if args.aircraft is not None and not 1 <= args.aircraft <= 5000:
        raise UserError(f"--aircraft {args.aircraft} is out of range: use 1 to 5000")
    return rate, fmt, duration


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from adsbwatch.decoder.sim import scene as sc

    rate, fmt, duration = _options(args)
    say_if_compiling()  # the simulator's kernels, like the demodulator's
    rng = np.random.default_rng(args.seed)
    if args.scene == "airport":
        scene = sc.airport_scene()
    else:
        scene = sc.benchmark_scene(args.aircraft or 150, rng)
    if args.start_time:
        scene = replace(scene, start_time=_utc_iso(args.start_time))
    trs = sc.transmissions(scene.aircraft, duration, rng, scene.receiver,
                           signal=scene.signal)
    frames = sc.to_sim_frames(trs, rng)
    out = Path(args.out)
    meta = {"rate": rate, "start_time": scene.start_time, "receiver": scene.receiver,
            "scene": scene.name, "format": fmt, "duration_s": duration, "seed": args.seed,
            "noise_rms": args.noise_rms, "recording": out.name}
    try:
        with out.open("wb") as fh:
            write_recording(fh, frames, rate, round(duration * rate), fmt, rng, args.noise_rms)
        write_truth(truth_path(out), scene.aircraft, trs, meta)
        if scene.name == "airport":
            watchlist_path(out).write_text(sc.watchlist_text(scene), encoding="utf-8")
        if out.suffix == ".sigmf-data":
            out.with_suffix(".sigmf-meta").write_text(
                sigmf_meta(fmt, rate, scene.start_time, scene.receiver), encoding="utf-8")
    except OSError as exc:
        raise RuntimeFailure(f"cannot write {exc.filename or out}: "
                             f"{exc.strerror or exc}") from None
    print(f"adsbwatch: wrote {out} ({duration:g} s at {rate / 1e6:g} MS/s {fmt}, "
          f"{len(scene.aircraft)} aircraft, {len(trs)} frames) and {truth_path(out)}",
          file=sys.stderr)
    return 0


def _utc_iso(text: str) -> str:
    """An ISO-8601 time as UTC with a Z; a time without a zone is taken as UTC."""
    when = iso_time(text.strip())
    if when is None:
        raise UserError(f"--start-time {text!r} is not an ISO-8601 time: use e.g. "
                        "2025-05-16T09:30:00Z")
    return iso_utc(when)


def sigmf_meta(fmt: str, rate: int, start_time: str, receiver: tuple[float, float]) -> str:
    """SigMF metadata for a simulated recording: `adsbwatch replay` then takes its format,
    rate, start time and receiver position from it."""
    from adsbwatch.receiver.sources.sigmf import SIGMF_DATATYPES

    datatype = {ours: theirs for theirs, ours in SIGMF_DATATYPES.items()}[fmt]
    return json.dumps({
        "global": {"core:datatype": datatype, "core:sample_rate": rate,
                   "core:version": "1.0.0", "core:recorder": "adsbwatch simulate",
                   "core:geolocation": {"type": "Point",
                                        "coordinates": [receiver[1], receiver[0]]}},
        "captures": [{"core:sample_start": 0, "core:frequency": 1090e6,
                      "core:datetime": start_time}],
        "annotations": []}, indent=1) + "\n"


def truth_path(recording: Path) -> Path:
    return recording.with_name(recording.stem + ".truth.json")


def watchlist_path(recording: Path) -> Path:
    return recording.with_name(recording.stem + ".watchlist.txt")


def write_recording(fh: BinaryIO, frames: Sequence[sim.SimFrame], rate: int, n_samples: int,
                    fmt: str, rng: np.random.Generator, noise_rms: float,
                    chunk_s: float = CHUNK_S) -> None:
    """Simulate and write `n_samples` in chunks; frames must be sorted by start time."""
    from adsbwatch.decoder.sim import simulate as sim

    factor = sim.grid_factor(rate)
    chunk = max(1, round(chunk_s * rate))
    ticks = [sim.start_tick(f) for f in frames]
    ends = [t + round(sim.frame_duration_s(f.data) * sim.GRID_HZ)
            for t, f in zip(ticks, frames, strict=True)]
    lo = 0  # first frame that may still overlap the current chunk
    for first in range(0, n_samples, chunk):
        n = min(chunk, n_samples - first)
        t0, t1 = first * factor, (first + n) * factor  # chunk bounds on the 24 MHz grid
        while lo < len(frames) and ends[lo] + factor <= t0:
            lo += 1
        local = []
        for k in range(lo, len(frames)):
            if ticks[k] >= t1:
                break
            if ends[k] + factor > t0:
                # Exact grid arithmetic: the frame lands on the same tick in every chunk.
                local.append(sim.SimFrame(frames[k].data, (ticks[k] - t0) / sim.GRID_HZ,
                                          frames[k].snr_db, frames[k].freq_offset_hz,
                                          frames[k].carrier_phase))
        fh.write(sim.quantize(sim.simulate_iq(local, rate, n, rng, noise_rms), fmt))


def write_truth(path: Path | str, aircraft: Sequence[sc.Aircraft],
                transmissions: Sequence[sc.Transmission], meta: dict[str, Any]) -> None:
    from adsbwatch.decoder.sim import scene as sc

    Path(path).write_text(sc.truth_json(aircraft, transmissions, meta), encoding="utf-8")
