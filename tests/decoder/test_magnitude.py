"""Magnitudes and a block's mean power (the noise figure), from one pass over raw IQ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.demod.magnitude import POWER_CHUNK, magnitude, magnitude_and_power


def reference(raw: np.ndarray, fmt: str) -> np.ndarray:
    """The magnitudes worked out plainly in float64: I and Q around the format's centre,
    over its full scale."""
    centre, full = {"cu8": (127.5, 127.5), "cs16": (0.0, 32768.0)}[fmt]
    values = raw.view(np.uint8 if fmt == "cu8" else "<i2").astype(np.float64) - centre
    return np.hypot(values[0::2], values[1::2]) / full


@settings(max_examples=60, deadline=None)
@given(fmt=st.sampled_from(["cu8", "cs16"]), samples=st.integers(0, 3 * POWER_CHUNK + 7),
       powered=st.integers(0, 4 * POWER_CHUNK), seed=st.integers(0, 2**32 - 1))
def test_mean_power_of_the_first_samples(fmt: str, samples: int, powered: int,
                                         seed: int) -> None:
    width = 2 if fmt == "cu8" else 4
    raw = np.random.default_rng(seed).integers(0, 256, samples * width + 1, dtype=np.uint8)
    mags, power = magnitude_and_power(raw, fmt, powered=powered)
    expected = reference(raw[:samples * width], fmt)
    assert mags.size == samples  # the odd last byte is no sample
    np.testing.assert_allclose(mags, expected, rtol=1e-6, atol=1e-7)
    counted = min(powered, samples)
    want = float(np.mean(expected[:counted] ** 2)) if counted else 0.0
    assert power == pytest.approx(want, rel=1e-5)


def test_the_power_pass_gives_the_same_magnitudes() -> None:
    raw = np.random.default_rng(7).integers(0, 256, 2 * 50_000, dtype=np.uint8)
    alone = magnitude(raw, "cu8")
    for powered in (0, 1, POWER_CHUNK, POWER_CHUNK + 1, 50_000):
        assert np.array_equal(magnitude_and_power(raw, "cu8", powered=powered)[0], alone)


def test_full_scale_power_is_one() -> None:
    # cs16 at (-32768, 0) on every sample: a magnitude of exactly 1, power 1.
    raw = np.tile(np.array([-32768, 0], dtype="<i2"), 10_000).view(np.uint8)
    mags, power = magnitude_and_power(raw, "cs16")
    assert np.all(mags == 1.0) and power == 1.0
