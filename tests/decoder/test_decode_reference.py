"""Every frame of the real captures and of simulated scenes decodes to the message
pyModeS' decode of the same frame says, field by field (tests/pymodes_reference.py has
the mapping and the documented differences, ground speed worked out from the raw bits)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyModeS
import pytest
from frames_support import demodulate_file
from pymodes_reference import assert_matches_reference, rounded_groundspeed

from adsbwatch.decoder.messages.decode import decode
from adsbwatch.decoder.messages.message import AirborneVelocity
from adsbwatch.decoder.sim import scene as sc

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "airport_2400k.cu8"
DUMP1090RS = ("1641427457780", "1641428106243", "1641428165033")


def assert_all_match(frames: list[bytes]) -> Counter:
    """Every frame as the reference says; the kinds seen, by class name."""
    assert frames
    kinds: Counter = Counter()
    for frame in frames:
        message = decode(frame)
        assert_matches_reference(message, frame)
        kinds[type(message).__name__] += 1
    return kinds


def truncation_differs(frames: list[bytes]) -> int:
    """Velocity frames whose rounded ground speed is not pyModeS' truncated one (each
    also checked to be ours)."""
    differ = 0
    for frame in frames:
        message = decode(frame)
        if isinstance(message, AirborneVelocity) and message.groundspeed is not None:
            theirs = pyModeS.decode(frame.hex())["groundspeed"]
            if theirs != message.groundspeed:
                assert message.groundspeed == theirs + 1 == rounded_groundspeed(
                    frame, {"subtype": message.subtype})
                differ += 1
    return differ


@pytest.mark.parametrize(("name", "rate"), [("modes1_cu8_2000k.bin", 2_000_000),
                                            ("modes1_resampled_cu8_2400k.bin", None)])
def test_every_frame_of_modes1_at_both_rates(recordings: Path, name: str,
                                             rate: int | None) -> None:
    kinds = assert_all_match(demodulate_file(recordings / name, rate=rate).frames)
    # One real aircraft (4d2023): all-calls, identification, positions, velocities, ACAS,
    # surveillance and Comm-B replies.
    assert {"AllCall", "Identification", "AirbornePosition", "AirborneVelocity", "Acas",
            "Surveillance", "CommB"} <= set(kinds)


@pytest.mark.parametrize("capture", DUMP1090RS)
def test_every_frame_of_the_dump1090rs_captures(recordings: Path, capture: str) -> None:
    assert_all_match(demodulate_file(
        recordings / f"dump1090rs_{capture}_cs16qi_2400k.iq", "cs16").frames)


def test_every_frame_of_the_bundled_sample() -> None:
    kinds = assert_all_match(demodulate_file(SAMPLE).frames)
    assert kinds["SurfacePosition"] > 0 and kinds["AirbornePosition"] > 0


@pytest.fixture(scope="module")
def benchmark_frames() -> list[bytes]:
    scene = sc.benchmark_scene(150)
    sent = sc.transmissions(scene.aircraft, 20.0, np.random.default_rng(5), scene.receiver)
    return [tr.data for tr in sent]


def test_every_frame_of_a_simulated_150_aircraft_scene(benchmark_frames: list[bytes]) -> None:
    kinds = assert_all_match(benchmark_frames)
    assert {"TargetState", "OperationalStatus", "SurfacePosition", "AirborneVelocity",
            "Surveillance", "AllCall", "Identification"} <= set(kinds)


def test_rounding_the_ground_speed_differs_from_pymodes_truncation(
        benchmark_frames: list[bytes]) -> None:
    # Whole-knot components make a vector whose length's fraction is anything: about
    # half of the velocities round up where pyModeS truncates.
    velocities = sum(isinstance(decode(f), AirborneVelocity) for f in benchmark_frames)
    assert 0.3 * velocities < truncation_differs(benchmark_frames) < 0.7 * velocities
