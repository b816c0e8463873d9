"""Make the bundled sample recording and its ground truth with adsbwatch's simulator.

    python samples/make_sample.py

writes samples/sample_2400k.cu8 (0.4 s at 2.4 MS/s) and samples/sample_2400k.truth.txt
(one line per frame: hex, 12 MHz timestamp of the first preamble pulse, SNR dB).
Six aircraft send DF17 squitters and DF11 all-call replies between 8 and 30 dB above
the noise, at random sub-sample phases and carrier offsets, one of them at 2.0 dB
steps down to where frames start to be lost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adsbwatch.decoder.sim import simulate as sim

RATE = 2_400_000
SECONDS = 0.4
SEED = 1090
AIRCRAFT = (0x4CA8E5, 0x3C6586, 0x406B90, 0x48418A, 0xAE01C5, 0x43C6F1)


def main() -> None:
    rng = np.random.default_rng(SEED)
    frames: list[sim.SimFrame] = []
    t = 200e-6
    while t < SECONDS - 300e-6:
        icao = AIRCRAFT[int(rng.integers(len(AIRCRAFT)))]
        data = sim.random_df17(rng, icao) if rng.random() < 0.7 else sim.random_df11(rng, icao)
        snr = float(rng.uniform(8.0, 30.0))
        frames.append(sim.SimFrame(data, t + float(rng.uniform(0, 1 / RATE)), snr,
                                   freq_offset_hz=float(rng.uniform(-80e3, 80e3)),
                                   carrier_phase=float(rng.uniform(0, 2 * np.pi))))
        t += sim.frame_duration_s(data) + float(rng.uniform(150e-6, 900e-6))
    iq = sim.simulate_iq(frames, RATE, int(SECONDS * RATE), rng)
    here = Path(__file__).resolve().parent
    (here / "sample_2400k.cu8").write_bytes(sim.quantize(iq, "cu8"))
    lines = [f"{f.data.hex()} {sim.truth_timestamp(f)} {f.snr_db:.1f}" for f in frames]
    (here / "sample_2400k.truth.txt").write_text(
        "# frame hex, 12 MHz ticks of the first preamble pulse, SNR dB (made by "
        "samples/make_sample.py)\n" + "\n".join(lines) + "\n")
    print(f"{len(frames)} frames written")


if __name__ == "__main__":
    main()
