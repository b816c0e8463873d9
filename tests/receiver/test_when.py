"""Times typed by users: ISO dates and times, spans ago, today and yesterday."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.receiver.when import iso_utc, parse_when, table_time

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


# ------------------------------------------------------------------------------ writing times

# 10000-01-01T00:00:00Z (from day counts in the next test), past datetime's last year
YEAR_10000 = 253_402_300_800.0


@pytest.mark.parametrize(("t", "iso", "table"), [
    (0.0, "1970-01-01T00:00:00.000Z", "1970-01-01 00:00:00"),
    (1_795_000_000.25, "2026-11-18T11:06:40.250Z", "2026-11-18 11:06:40"),
    (1_795_000_000.9996, "2026-11-18T11:06:40.999Z", "2026-11-18 11:06:40"),
    (-86_400.5, "1969-12-30T23:59:59.500Z", "1969-12-30 23:59:59"),
    (YEAR_10000 - 0.5, "9999-12-31T23:59:59.500Z", "9999-12-31 23:59:59"),
    (YEAR_10000 + 0.25, "10000-01-01T00:00:00.250Z", "10000-01-01 00:00:00"),
    # 10000 is a leap year (divisible by 400): Feb 29 exists, and Dec 31 is day 366
    (YEAR_10000 + 59 * 86400 + 3661, "10000-02-29T01:01:01.000Z", "10000-02-29 01:01:01"),
    (YEAR_10000 + 366 * 86400, "10001-01-01T00:00:00.000Z", "10001-01-01 00:00:00"),
])
def test_times_are_written_in_utc_even_after_year_9999(t: float, iso: str, table: str) -> None:
    assert iso_utc(t) == iso
    assert table_time(t) == table


def test_year_10000_starts_where_the_calendar_says() -> None:
    # 2000-01-01 is 10957 days after 1970; 8000 Gregorian years are 20 cycles of 146097 days
    assert YEAR_10000 == (10957 + 20 * 146097) * 86400.0


@settings(max_examples=300, deadline=None)
@given(t=st.floats(min_value=-6e10, max_value=1e13))
def test_every_time_in_range_has_a_iso_form_with_a_zulu_suffix(t: float) -> None:
    text = iso_utc(t)
    assert text.endswith("Z") and text[-5] == "."
    assert table_time(t) == text[:-5].replace("T", " ")
