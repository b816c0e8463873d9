"""Times typed by users: ISO dates and times, spans ago, today and yesterday."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.receiver.when import parse_when

# 2026-11-24 15:30:00 UTC
NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC).timestamp()


def utc(*fields: int) -> float:
    return datetime(*fields, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-24", utc(2026, 11, 24)),
    ("2026-11-24T10:00", utc(2026, 11, 24, 10)),
    ("2026-11-24 10:00:30", utc(2026, 11, 24, 10, 0, 30)),
    ("2026-11-24T10:00Z", utc(2026, 11, 24, 10)),
    ("2026-11-24T10:00+02:00", utc(2026, 11, 24, 8)),
    ("2026-11-24T10:00:00.250-05:00", utc(2026, 11, 24, 15) + 0.25),
    ("  2026-11-24T10:00Z\n", utc(2026, 11, 24, 10)),
])
def test_iso_dates_and_times_naive_ones_in_utc(text: str, expected: float) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(("text", "seconds_ago"), [
    ("30m", 1800), ("2h", 7200), ("3d", 3 * 86400), ("1w", 7 * 86400),
    ("1.5h", 5400), ("0m", 0), ("2 H", 7200), ("90M", 5400),
])
def test_spans_count_back_from_now(text: str, seconds_ago: float) -> None:
    assert parse_when(text, NOW) == NOW - seconds_ago


def test_today_and_yesterday_are_utc_midnights() -> None:
    assert parse_when("today", NOW) == utc(2026, 11, 24)
    assert parse_when("Yesterday", NOW) == utc(2026, 11, 23)
    # just after midnight UTC, today is already the new day
    assert parse_when("today", utc(2026, 1, 1) + 1) == utc(2026, 1, 1)
    assert parse_when("yesterday", utc(2026, 1, 1)) == utc(2025, 12, 31)


@pytest.mark.parametrize("text", [
    "", "soon", "2h ago", "-2h", "2y", "2026-13-01", "2026-11-24T25:00", "1e3h", "h",
    "tomorrow", "10:00", "1700000000",
])
def test_anything_else_is_a_value_error_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_when(text, NOW)
    message = str(info.value)
    assert message.startswith(f"{text!r} is not a time: use an ISO date")
    assert "30m, 2h, 3d, 1w" in message
    assert "\n" not in message


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30))
def test_arbitrary_text_gives_a_float_or_a_value_error(text: str) -> None:
    try:
        value = parse_when(text, NOW)
    except ValueError as exc:
        assert "is not a time" in str(exc)
    else:
        assert isinstance(value, float)
