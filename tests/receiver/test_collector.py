"""The garbage collector around a command's start-up (receiver/core/collector.py): a
process that is the command freezes what start-up left once its station runs, so the
collector's later passes (the interpreter's last one too) leave it alone; a caller of
main() that goes on (these tests) gets its collector back as it was."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from support import REPO, checkout_env, cli

SAMPLE = REPO / "samples" / "airport_2400k.cu8"
# Runs the command as `python -m adsbwatch` does (main() with no argv), then says what
# the collector holds frozen.
WRAPPER = """
import gc, json, sys
from adsbwatch.receiver.cli.main import main
sys.argv = ["adsbwatch", *sys.argv[1:]]
status = main()
print(json.dumps({"status": status, "frozen": gc.get_freeze_count(),
                  "threshold": list(gc.get_threshold())}), file=sys.stderr)
"""


def test_the_command_freezes_what_start_up_left() -> None:
    done = subprocess.run([sys.executable, "-c", WRAPPER, "replay", str(SAMPLE), "--no-db",
                           "--raw", "-q"], env=checkout_env(), capture_output=True, text=True,
                          timeout=300)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["status"] == 0
    frames = done.stdout.split()
    assert len(frames) == 46 and all(f.startswith("*") and f.endswith(";") for f in frames)
    # numpy, Numba, pyModeS and the kernels: far more than the run makes afterwards.
    assert report["frozen"] > 50_000
    assert report["threshold"] == list(gc.get_threshold())  # the defaults, as here


def test_a_caller_that_goes_on_keeps_its_collector() -> None:
    before = gc.get_threshold(), gc.get_freeze_count()
    status, out, _ = cli("replay", str(SAMPLE), "--no-db", "--raw", "-q")
    assert status == 0 and len(out.split()) == 46
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
