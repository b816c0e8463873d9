"""The pulse response: what a half-bit pulse of unit amplitude adds to a sample.

`response[d + REACH]` is the magnitude a 0.5 us pulse starting d ticks (12 MHz) before
a sample's start adds to that sample, for d in [-REACH, REACH]. The box model's response
is the overlap of the sample's period with the pulse, over the period; a real tuner's
filter rounds and widens it (calibration.py learns it). Scaled so that its largest value
is 1: a frame's amplitude is then the height of a lone pulse's strongest sample.
"""

from __future__ import annotations

import numpy as np

TICKS_PER_US = 12
HALF_TICKS = 6  # a half-bit pulse is 0.5 us
REACH = 30  # ticks either side: 2.5 us, past any tuner filter's tails at these rates


def box_response(ticks_per_sample: int) -> np.ndarray:
    """The box model's response for samples `ticks_per_sample` ticks long."""
    d = np.arange(-REACH, REACH + 1)
    overlap = np.clip(np.minimum(d + ticks_per_sample, HALF_TICKS) - np.maximum(d, 0), 0, None)
    return overlap / ticks_per_sample


def normalised(response: np.ndarray) -> np.ndarray:
    """`response` scaled to a peak of 1."""
    return response / response.max()
