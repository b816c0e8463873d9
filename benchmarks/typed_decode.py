"""Frame decoding speed, old against new in the same run: this checkout's typed `decode`
against another checkout's decoder (its `decode_bytes` dicts, or its `decode`).

    python benchmarks/typed_decode.py --old ../main --rounds 5

Each round runs one Python process per checkout, alternately, on the same frames: every
frame of modes1 (demodulated once, here) looped `--loops` times, and every frame a
simulated 150-aircraft scene sends in 30 s. A process times, after a warm-up pass, the
plain decode of every frame and a fresh repeating decoder over all of them (what the
pipeline runs), and the plain decode of each format and type code, in CPU time, the
fastest of a few passes. Printed: microseconds per frame, the median of the rounds, and
new/old.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
MODES1 = HERE.parent / "shared" / "recordings" / "modes1_cu8_2000k.bin"
# Passes a process times of each measure, keeping the fastest: the CPU time of a pass,
# not the wall clock, and the least disturbed of them on a shared machine.
PASSES = 3


def frames_to_time(loops: int) -> dict[str, list[str]]:
    """The frames, as hex: modes1 looped, and a simulated scene's."""
    sys.path.insert(0, str(HERE / "tests"))
    import numpy as np
    from frames_support import demodulate_file

    from adsbwatch.decoder.sim import scene as sc

    modes1 = [frame.hex() for frame in demodulate_file(MODES1, rate=2_000_000).frames]
    scene = sc.benchmark_scene(150)
    sent = sc.transmissions(scene.aircraft, 30.0, np.random.default_rng(5), scene.receiver)
    return {"modes1": modes1 * loops, "scene150": [tr.data.hex() for tr in sent]}


def worker(path: str) -> None:
    """In a checkout's process: time its decoder on the frames in `path`."""
    from adsbwatch.decoder.messages import decode as module

    decode = getattr(module, "decode", None) or module.decode_bytes  # old: dicts
    out = {}
    for name, hexes in json.loads(Path(path).read_text()).items():
        frames = [bytes.fromhex(h) for h in hexes]

        def plain(frames: list[bytes] = frames) -> None:
            for frame in frames:  # all of a decodable format, in old and new
                decode(frame)

        def repeating(frames: list[bytes] = frames) -> None:
            remembering = module.RepeatingDecoder()
            for frame in frames:
                remembering(frame)

        plain()  # warm-up: imports, pyModeS' first calls
        for label, run in (("plain", plain), ("repeating", repeating)):
            passes = []
            for _ in range(PASSES):
                start = time.process_time()
                run()
                passes.append((time.process_time() - start) / len(frames) * 1e6)
            out[f"{name} {label}"] = min(passes)
    out.update(by_kind(decode, [bytes.fromhex(h) for hexes in json.loads(
        Path(path).read_text()).values() for h in hexes]))
    print(json.dumps(out))


def kind_of(frame: bytes) -> str:
    df = frame[0] >> 3
    return f"DF{df} TC{frame[4] >> 3}" if df in (17, 18) else f"DF{df}"


def by_kind(decode: Callable[[bytes], object], frames: list[bytes]) -> dict[str, float]:
    """Plain decoding per format and type code: the fastest of PASSES, in CPU time."""
    groups: dict[str, list[bytes]] = {}
    for frame in frames:
        groups.setdefault(kind_of(frame), []).append(frame)
    out = {}
    for kind, group in sorted(groups.items(), key=lambda item: -len(item[1])):
        passes = []
        for _ in range(PASSES):
            start = time.process_time()
            for frame in group:
                decode(frame)
            passes.append((time.process_time() - start) / len(group) * 1e6)
        out[f"  {kind} ({len(group)})"] = min(passes)
    return out


def run_checkout(checkout: Path, path: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, __file__, "--worker", path], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="the checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loops", type=int, default=20, help="times modes1 is played")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.old is None:
        parser.error("--old CHECKOUT is needed")
    frames = frames_to_time(args.loops)
    counts = ", ".join(f"{name} {len(hexes)} frames" for name, hexes in frames.items())
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(frames, fh)
    results: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    try:
        for _ in range(args.rounds):
            for label, checkout in (("old", args.old.resolve()), ("new", HERE)):
                for key, us in run_checkout(checkout, fh.name).items():
                    results[label].setdefault(key, []).append(us)
    finally:
        os.unlink(fh.name)
    print(f"{counts}; median of {args.rounds} rounds, microseconds per frame")
    print(f"{'':26} {'old':>7} {'new':>7} {'new/old':>8}")
    streams = [key for key in results["new"] if not key.startswith("  ")]
    kinds = [key for key in results["new"] if key.startswith("  ")]
    for key in [*streams, "plain, by format and type code (frames):", *kinds]:
        if key not in results["new"]:
            print(key)
            continue
        old, new = (statistics.median(results[side][key]) for side in ("old", "new"))
        print(f"{key:26} {old:7.2f} {new:7.2f} {new / old:8.2f}")

if __name__ == "__main__":
    main()
