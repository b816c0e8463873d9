"""The noise floor depends on the stream alone, never on how it is cut into blocks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.demod.noisefloor import STRIDE, WINDOW, NoiseFloor


def floors_by_window(mag: np.ndarray, block: int) -> dict[int, float]:
    """Each window's floor as seen by the blocks of a stream cut every `block` samples."""
    noise = NoiseFloor()
    seen: dict[int, float] = {}
    for start in range(0, mag.size, block):
        chunk = mag[start:start + block]
        noise.feed(chunk, start)
        first, levels = noise.floors(start, chunk.size)
        for k, level in enumerate(levels.tolist()):
            assert seen.setdefault(first + k, level) == level  # one floor per window
    return seen


# Windows of rising noise: each window's median differs, so a floor taken from the wrong
# window shows.
RISING = np.repeat(np.linspace(0.01, 0.2, 12), WINDOW).astype(np.float32)


def test_floor_follows_window_medians_two_windows_late() -> None:
    seen = floors_by_window(RISING, RISING.size)
    assert seen[0] == seen[1] == 0.0  # nothing known yet
    assert seen[2] == RISING[0]  # the first window's median, as it stands
    assert RISING[WINDOW] > seen[3] > seen[2]  # then smoothed towards the next ones


@settings(max_examples=40, deadline=None)
@given(block=st.integers(STRIDE, 3 * WINDOW))
def test_any_block_size_gives_the_same_floors(block: int) -> None:
    assert floors_by_window(RISING, block) == floors_by_window(RISING, RISING.size)


def test_block_starting_just_after_a_window_finished() -> None:
    # Window 5's last strided sample lies 32 samples before its end; a block starting in
    # between must not take the next window's median for window 5's (the bug of 9825).
    block = 9825
    assert 5 * block // WINDOW == 5 and 5 * block > 6 * WINDOW - STRIDE
    assert floors_by_window(RISING, block) == floors_by_window(RISING, RISING.size)


# Magnitudes with many equal values, as quantised noise gives (cu8: a few distinct levels).
_levels = st.lists(st.sampled_from([0.0, 0.011, 0.011, 0.0157, 0.022, 0.5, 1.0]), min_size=1,
                   max_size=80)


@settings(max_examples=300, deadline=None)
@given(values=st.one_of(_levels, st.lists(st.floats(0.0, 1.0, width=32), min_size=1,
                                          max_size=80)))
def test_window_median_is_numpys(values: list[float]) -> None:
    from adsbwatch.decoder.demod.noisefloor import _median_in_place

    a = np.array(values, dtype=np.float32)
    assert _median_in_place(a.copy()) == np.median(a)


def test_after_a_gap_the_level_before_it_stands_then_measuring_starts_again() -> None:
    noise = NoiseFloor()
    noise.feed(RISING[:4 * WINDOW], 0)  # windows 0-3 measured
    before = noise.floors(0, 6 * WINDOW)[1]
    level = before[5]  # the level after window 3: what stands over the gap
    gap_end = 1000 * WINDOW + 100  # 996 windows lost, landing inside window 1000
    noise.skip_to(gap_end)
    tail = RISING[:3 * WINDOW]
    noise.feed(tail, gap_end)
    first, levels = noise.floors(gap_end, tail.size)
    assert first == 1000
    # Window 1000 is cut by the gap: it measures nothing. Windows 1001 and 1002 read the
    # levels after windows 999 and 1000, both the level from before the gap; window
    # 1003 the level after 1001, the first window measured again (its own median).
    assert levels[0] == 0.0  # window 998's: inside the gap, never measured
    assert levels[1] == levels[2] == level
    assert levels[3] == level + 0.25 * (float(np.median(tail[WINDOW - 100:2 * WINDOW - 100:
                                                              STRIDE])) - level)
