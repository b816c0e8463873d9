"""The decoding stage's cost with watch rules: the frames of the simulated 150-aircraft
scene (60 s, the real ADS-B schedule; frames straight from the encoder, no IQ) decoded,
tracked and checked against a 20-line watchlist, by two checkouts in turns.

Four runs a round, the order rotated every round: BEFORE with 20 addresses and blocks
(all it can read), AFTER with the same list, AFTER with 20 rules (addresses, blocks,
callsign globs, squawk lists, type, country, military...), AFTER with 20 rules that
match no aircraft of the scene (the cost of checking rules alone). CPU time of the decoding loop
(time.process_time in the child, best of 3 passes); the median of the per-round ratios.

    python benchmarks/watch_rules.py /work/main . --rounds 7
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ADDRESSES = """\
{w0}
{w1}
{w2}
{w3}
{w4}
300000-30FFFF
4C0000-4CFFFF
3C6DD4
484506
3F4D7A
3B7C2F
100000-1FFFFF
A00001
A00002
A00003
A00004
A00005
A00006
A00007
A00008
"""
RULES = """\
{w0}
{w1}
{w2}
300000-30FFFF
4C0000-4CFFFF
callsign:KLM*
callsign:DLH1*
callsign:*7
callsign:RYR??
squawk:7500,7600,7700 emergency
squawk:{s0},{s1}
squawk:{s2}
type:IL62
type:B738 callsign:EZY*
military
country:RU military
interesting
reg:PH-GOV
operator:"Air Force"
400000-43FFFF callsign:BAW*
"""
# 20 rules of every kind that no aircraft of the scene matches: what checking rules costs
# when they raise nothing (the same aircraft followed as with the 20 addresses).
UNMATCHED = """\
callsign:ZZZ*
callsign:QQ1*
callsign:*XQ
callsign:JJJ??
squawk:7500,7600,7700 emergency
squawk:0001,0002
squawk:0003
type:IL62
type:B738 callsign:EZY*
type:A124
country:KP
country:RU military
reg:RA-86496
reg:PH-GOV
operator:"Air Force"
400000-43FFFF callsign:XXX*
type:C17
callsign:RFF*
squawk:0004
country:IR type:IL76
"""


def child(watchlist_text: str) -> None:
    """In the checkout on PYTHONPATH: decode the scene's frames 3 times, print the best
    CPU seconds, the messages and the sightings."""
    import numpy as np

    from adsbwatch.decoder.frames.batch import FrameBatch
    from adsbwatch.decoder.frames.formats import CLOCK_HZ
    from adsbwatch.decoder.messages.tracker import TrackerConfig
    from adsbwatch.decoder.messages.watchlist import Watchlist, parse_watchlist
    from adsbwatch.decoder.sim.scene import benchmark_scene, transmissions
    from adsbwatch.receiver.station.pipeline import Pipeline

    scene = benchmark_scene(150, np.random.default_rng(150))
    sent = transmissions(scene.aircraft, 60.0, np.random.default_rng(150),
                         scene.receiver)
    fill = {f"w{k}": f"{ac.icao:06X}" for k, ac in enumerate(scene.aircraft[:5])}
    fill |= {f"s{k}": ac.squawk for k, ac in enumerate(scene.aircraft[5:8])}
    watchlist = Watchlist(parse_watchlist(watchlist_text.format(**fill), "bench"))
    batches = []
    for start in np.arange(0.0, 60.0, 0.1):  # a batch every 0.1 s, as a source hands them
        part = [tr for tr in sent if start <= tr.t < start + 0.1]
        msg = np.zeros((len(part), 14), np.uint8)
        for i, tr in enumerate(part):
            msg[i, :len(tr.data)] = np.frombuffer(tr.data, np.uint8)
        ticks = np.array([round(tr.t * CLOCK_HZ) for tr in part], np.int64)
        batches.append(FrameBatch(msg, ticks, np.full(len(part), 0.5, np.float32),
                                  np.zeros(len(part), np.uint8),
                                  round((start + 0.1) * CLOCK_HZ)))
    best = float("inf")
    for _ in range(3):
        kwargs = {}
        if "info_of" in inspect.signature(Pipeline).parameters:
            kwargs["info_of"] = None  # no database: as main, which asks none
        pipe = Pipeline(tracker_config=TrackerConfig(receiver=scene.receiver),
                        watchlist=watchlist, record_all=False, visit_gap_s=600.0,
                        sighting_wait_s=10.0, **kwargs)
        started = time.process_time()
        for batch in batches:
            pipe.decode(batch, 0.0)
            pipe.advance(pipe.now)
        pipe.finish()
        best = min(best, time.process_time() - started)
    print(f"{best:.4f} {pipe.totals.messages} {pipe.totals.sightings}")


def run(checkout: Path, which: str, cpu: str) -> tuple[float, int, int]:
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()), NUMBA_NUM_THREADS="1")
    out = subprocess.run(["taskset", "-c", cpu, sys.executable, __file__, "--child", which],
                         capture_output=True, text=True, env=env, check=True).stdout
    seconds, messages, sightings = out.split()
    return float(seconds), int(messages), int(sightings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, nargs="?")
    parser.add_argument("after", type=Path, nargs="?")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu", default="0")
    parser.add_argument("--child", choices=("addresses", "rules", "unmatched"))
    args = parser.parse_args()
    if args.child:
        child({"addresses": ADDRESSES, "rules": RULES, "unmatched": UNMATCHED}[args.child])
        return 0
    if args.before is None or args.after is None:
        parser.error("give the BEFORE and AFTER checkouts")
    runs = {"before, 20 addresses": (args.before, "addresses"),
            "after, 20 addresses": (args.after, "addresses"),
            "after, 20 rules": (args.after, "rules"),
            "after, 20 rules matching nothing": (args.after, "unmatched")}
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, tuple[int, int]] = {}
    for k in range(args.rounds):
        for name in names[k % len(names):] + names[:k % len(names)]:
            seconds, messages, sightings = run(*runs[name], args.cpu)
            times[name].append(seconds)
            counts[name] = (messages, sightings)
        print(f"round {k + 1}: " + ", ".join(f"{n} {times[n][-1]:.3f} s" for n in names),
              flush=True)
    base = times[names[0]]
    for name in names:
        ratio = statistics.median(t / b for t, b in zip(times[name], base, strict=True))
        messages, sightings = counts[name]
        print(f"{name}: median {statistics.median(times[name]):.3f} CPU s, "
              f"{messages} messages, {sightings} sightings, ratio to before {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
