"""Make the bundled airport sample: one second of traffic at Amsterdam Schiphol.

    python samples/make_airport_sample.py

writes, deterministically (fixed seed):

- samples/airport_2400k.cu8: 1.0 s at 2.4 MS/s, cu8 (4.8 MB);
- samples/airport_2400k.truth.json: the aircraft, every position they sent, the
  receiver (52.3086 N, 4.7639 E) and the start time;
- samples/watchlist.txt: the Dutch government jet NAF01 (484506), which is in the scene,
  plus entries that are not (two government/military jets and the Russian block).

Eight aircraft (`adsbwatch.decoder.sim.scene.airport_scene`) each send in this second at
least one identification and an even and an odd position, which the script checks by
demodulating the file it wrote: it exits with status 1 if any is missing.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from adsbwatch.decoder.demod.demodulator import Demodulator
from adsbwatch.decoder.demod.magnitude import magnitude
from adsbwatch.decoder.sim import scene as sc
from adsbwatch.receiver.cli.simulate import write_recording, write_truth

RATE = 2_400_000
SECONDS = 1.0
SEED = 20250516
NOISE_RMS = 0.04
IDENT_PHASE_S = 0.85  # every first identification inside the second
POSITION_PHASE_S = 0.3  # first position by 0.3 s, the other format 0.4-0.6 s later
HERE = Path(__file__).resolve().parent
RECORDING = HERE / "airport_2400k.cu8"
TRUTH = HERE / "airport_2400k.truth.json"
WATCHLIST = HERE / "watchlist.txt"


def make() -> list[sc.Transmission]:
    scene = sc.airport_scene()
    rng = np.random.default_rng(SEED)
    trs = sc.transmissions(scene.aircraft, SECONDS, rng, scene.receiver,
                           ident_phase=IDENT_PHASE_S, position_phase=POSITION_PHASE_S,
                           signal=scene.signal)
    frames = sc.to_sim_frames(trs, rng)
    with RECORDING.open("wb") as fh:
        write_recording(fh, frames, RATE, round(SECONDS * RATE), "cu8", rng, NOISE_RMS)
    meta = {"rate": RATE, "start_time": scene.start_time, "receiver": scene.receiver,
            "scene": scene.name, "format": "cu8", "duration_s": SECONDS, "seed": SEED,
            "noise_rms": NOISE_RMS, "recording": RECORDING.name,
            "made_by": "samples/make_airport_sample.py"}
    write_truth(TRUTH, scene.aircraft, trs, meta)
    WATCHLIST.write_text(sc.watchlist_text(scene), encoding="utf-8")
    return trs


def check(trs: list[sc.Transmission]) -> list[str]:
    """Aircraft whose identification, even or odd position the demodulator misses."""
    mag = magnitude(np.fromfile(RECORDING, np.uint8), "cu8")
    demod = Demodulator(RATE)
    batch = demod.process(np.concatenate([mag, np.zeros(demod.lookahead, np.float32)]),
                          0, mag.size)
    got = {batch.msg[i, : batch.nbytes[i]].tobytes() for i in range(len(batch))}
    heard: dict[int, set[str]] = defaultdict(set)
    for tr in trs:
        if tr.data in got:
            heard[tr.icao].add(tr.kind.replace("surface", "position"))
    need = {"ident", "position_even", "position_odd"}
    missing = [f"{icao:06X} lacks {', '.join(sorted(need - heard[icao]))}"
               for icao in sorted({tr.icao for tr in trs}) if not need <= heard[icao]]
    found = sum(tr.data in got for tr in trs)
    print(f"{len(trs)} frames sent, {found} demodulated bit-exact, {len(batch)} frames found")
    return missing


def main() -> int:
    trs = make()
    missing = check(trs)
    for line in missing:
        print(f"make_airport_sample: {line}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
