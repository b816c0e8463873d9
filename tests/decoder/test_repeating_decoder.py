"""The repeating decoder: a frame heard again gets the very message decoded the first
time, a position never (each is decoded anew), and it keeps no more than its bound."""

from __future__ import annotations

from pathlib import Path

from frames_support import demodulate_file
from pymodes_reference import assert_matches_reference

from adsbwatch.decoder.messages.decode import RepeatingDecoder
from adsbwatch.decoder.sim import encode

MODES1 = "modes1_resampled_cu8_2400k.bin"


def test_a_repeated_frame_gets_the_same_message_a_position_a_new_one() -> None:
    decode = RepeatingDecoder()
    velocity = encode.airborne_velocity(0x484506, 420, 90.0, -1024)
    position = encode.airborne_position(0x484506, 52.3, 4.8, 30000, odd=False)
    first, again = decode(velocity), decode(bytes(velocity))  # equal bytes, other object
    assert first is again
    p1, p2 = decode(position), decode(position)
    assert p1 == p2 and p1 is not p2
    assert len(decode) == 1  # the velocity only


def test_every_frame_of_a_capture_twice(recordings: Path) -> None:
    frames = demodulate_file(recordings / MODES1).frames
    decode = RepeatingDecoder()
    first = [decode(frame) for frame in frames]
    again = [decode(frame) for frame in frames]
    for message, frame in zip(again, frames, strict=True):
        assert_matches_reference(message, frame)
    kept = [a is b for a, b in zip(first, again, strict=True)]
    positions = [frame[0] >> 3 == 17 and 9 <= frame[4] >> 3 <= 18 for frame in frames]
    assert sum(positions) == 100
    assert kept == [not p for p in positions]
    assert len(decode) == len({f for f, p in zip(frames, positions, strict=True) if not p})


def test_the_bound_holds(recordings: Path) -> None:
    frames = demodulate_file(recordings / MODES1).frames
    small = RepeatingDecoder(remembered=50)
    sizes = []
    for frame in frames * 2:
        message = small(frame)
        assert_matches_reference(message, frame)
        sizes.append(len(small))
    assert max(sizes) == 50 and min(sizes[100:]) < 50  # filled up, then started again
