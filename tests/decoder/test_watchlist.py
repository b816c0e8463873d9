"""The watchlist format and the address lookup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.messages.watchlist import (
    MAX_ICAO,
    WatchEntry,
    Watchlist,
    WatchlistError,
    format_watchlist,
    label_problem,
    parse_address,
    parse_watchlist,
)

EXAMPLE = """\
# my watchlist
3c6dd4 Lufthansa A320 (D-AIPX)
A1B2C3

100000-1FFFFF Russia   # a block
  4CA8F1   Ryanair#1 of 2\t  # trailing comment
06A0F7# not a comment start, so this is an error
"""


def test_parses_addresses_blocks_labels_and_comments() -> None:
    entries = parse_watchlist(EXAMPLE.replace("06A0F7# not", "# 06A0F7# not"), "w.txt")
    assert entries == [
        WatchEntry(0x3C6DD4, 0x3C6DD4, "Lufthansa A320 (D-AIPX)"),
        WatchEntry(0xA1B2C3, 0xA1B2C3, ""),
        WatchEntry(0x100000, 0x1FFFFF, "Russia"),
        WatchEntry(0x4CA8F1, 0x4CA8F1, "Ryanair#1 of 2"),
    ]


def test_a_hash_glued_to_the_address_is_an_error_on_its_line() -> None:
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(EXAMPLE, "w.txt")
    assert info.value.source == "w.txt"
    assert info.value.line == 7
    assert str(info.value) == "w.txt:7: '06A0F7#' is not a 6-digit hex ICAO address"


@pytest.mark.parametrize(("line", "message"), [
    ("ABCDEG", "'ABCDEG' is not a 6-digit hex ICAO address"),
    ("ABCDE label", "'ABCDE' has 5 hex digits; an ICAO address has 6"),
    ("0ABCDEF", "'0ABCDEF' has 7 hex digits; an ICAO address has 6"),
    ("0x3C6DD4", "'0x3C6DD4' is not a 6-digit hex ICAO address"),
    ("+3C6DD", "'+3C6DD' is not a 6-digit hex ICAO address"),
    ("17FFFF-140000 x", "block '17FFFF-140000' runs backwards: its start is above its end"),
    ("140000- Russia", "block '140000-' has no end address after '-'"),
    ("-17FFFF", "block '-17FFFF' has no start address before '-'"),
    ("140000-150000-160000", "'140000-150000-160000' is not an address or a block LO-HI "
                             "(too many '-')"),
    ("140000-1XFFFF", "'1XFFFF' is not a 6-digit hex ICAO address"),
    ("~3C6DD4", "'~3C6DD4' is not a 6-digit hex ICAO address"),
    ("3C6DD4 a\rb", "a label cannot contain a line break: 'a\\rb'"),
])
def test_error_messages_say_what_is_wrong(line: str, message: str) -> None:
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(f"# header\n\n{line}\n", "watch.txt")
    assert (info.value.line, info.value.message) == (3, message)
    assert str(info.value) == f"watch.txt:3: {message}"


def test_error_line_numbers_count_crlf_and_ignore_form_feeds() -> None:
    text = "A1B2C3 one\r\n\x0c\r\nA1B2C4 two \x0c three\r\nnope\r\n"
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(text, "w")
    assert info.value.line == 4


def test_only_the_first_bad_line_is_reported() -> None:
    with pytest.raises(WatchlistError) as info:
        parse_watchlist("A1B2C3\nbad1\nbad2\n", "w")
    assert info.value.line == 2
    assert "bad1" in info.value.message


def test_duplicates_keep_the_first_position_and_the_last_label() -> None:
    text = "A1B2C3 old\n100000-1FFFFF Russia\na1b2c3 new\n100000-1fffff\n"
    assert parse_watchlist(text, "w") == [
        WatchEntry(0xA1B2C3, 0xA1B2C3, "new"),
        WatchEntry(0x100000, 0x1FFFFF, ""),
    ]


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted() -> None:
    assert parse_watchlist("\ufeffA1B2C3 x\r\n", "w") == [WatchEntry(0xA1B2C3, 0xA1B2C3, "x")]


def test_empty_and_comment_only_text_is_an_empty_watchlist() -> None:
    assert parse_watchlist("", "w") == []
    assert parse_watchlist("\n  \n# nothing\n\t# here\n", "w") == []


def test_parse_address() -> None:
    assert parse_address("00000a") == (10, 10)
    assert parse_address("000000-FFFFFF") == (0, MAX_ICAO)
    with pytest.raises(ValueError, match="runs backwards"):
        parse_address("000002-000001")


def test_entry_text_and_validation() -> None:
    assert WatchEntry(0x3C6DD4, 0x3C6DD4, "DLH 1").text() == "3C6DD4 DLH 1"
    assert WatchEntry(0x00000A, 0x00000A).text() == "00000A"
    assert WatchEntry(0x100000, 0x1FFFFF, "Russia").text() == "100000-1FFFFF Russia"
    with pytest.raises(ValueError, match="not an address block"):
        WatchEntry(5, 4)
    with pytest.raises(ValueError, match="not an address block"):
        WatchEntry(0, MAX_ICAO + 1)
    with pytest.raises(ValueError, match="comment"):
        WatchEntry(1, 1, "a #b")
    with pytest.raises(ValueError, match="whitespace"):
        WatchEntry(1, 1, " a")
    assert label_problem("N#1 x") is None


# ------------------------------------------------------------------------------ fuzzing

watchlist_like = st.one_of(
    st.text(),
    st.lists(
        st.one_of(
            st.from_regex(r"\A\s*[0-9a-fA-FxX#~+-]{0,14}(\s+[^\n]{0,12})?\Z"),
            st.sampled_from(["# c", "", "140000-17FFFF R", "3C6DD4", "3C6DD4-", "-", "#"]),
        ),
        max_size=8,
    ).map("\n".join),
)


@settings(max_examples=400, deadline=None)
@given(text=watchlist_like)
def test_arbitrary_text_parses_or_raises_only_watchlist_error(text: str) -> None:
    lines = text.removeprefix("\ufeff").split("\n")
    try:
        entries = parse_watchlist(text, "fuzz.txt")
    except WatchlistError as exc:
        assert 1 <= exc.line <= len(lines)
        assert "\n" not in str(exc)
        assert str(exc).startswith(f"fuzz.txt:{exc.line}: ")
        # every line before the bad one parses on its own
        parse_watchlist("\n".join(lines[:exc.line - 1]), "prefix")
        with pytest.raises(WatchlistError):
            parse_watchlist(lines[exc.line - 1], "alone")
    else:
        assert parse_watchlist(format_watchlist(entries), "again") == entries


labels = st.text(max_size=20).map(str.strip).filter(lambda s: label_problem(s) is None)


@st.composite
def entries(draw: st.DrawFn) -> WatchEntry:
    lo = draw(st.integers(0, MAX_ICAO))
    hi = draw(st.one_of(st.just(lo), st.integers(lo, MAX_ICAO)))
    return WatchEntry(lo, hi, draw(labels))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(entries(), max_size=10, unique_by=lambda e: (e.lo, e.hi)))
def test_format_then_parse_round_trips(items: list[WatchEntry]) -> None:
    text = format_watchlist(items)
    assert text.count("\n") == len(items)
    assert parse_watchlist(text, "w") == items


# ------------------------------------------------------------------------------ lookup

def test_match_prefers_singles_then_narrower_blocks() -> None:
    wl = Watchlist([
        WatchEntry(0x100000, 0x1FFFFF, "Russia"),
        WatchEntry(0x150000, 0x1500FF, "a sub-block"),
        WatchEntry(0x150010, 0x150010, "one aircraft"),
        WatchEntry(0xA1B2C3, 0xA1B2C3, "US"),
    ])
    assert len(wl.entries) == 4
    assert wl.match(0x150010).label == "one aircraft"
    assert wl.match(0x150011).label == "a sub-block"
    assert wl.match(0x150100).label == "Russia"
    assert wl.match(0x0FFFFF) is None
    assert wl.match(0x17FFFF).label == "Russia"
    assert wl.match(0x1FFFFF).label == "Russia"
    assert wl.match(0x200000) is None
    assert wl.match(0xA1B2C3).label == "US"
    assert wl.match(0x140000).label == "Russia"
    assert wl.match(0x000001) is None


def test_an_empty_watchlist_matches_nothing() -> None:
    wl = Watchlist()
    assert wl.entries == []
    assert wl.match(0) is None


def test_a_block_listed_twice_keeps_the_later_label() -> None:
    wl = Watchlist([WatchEntry(0, 9, "old"), WatchEntry(0, 9, "new")])
    assert wl.entries == [WatchEntry(0, 9, "new")]
    assert wl.match(5).label == "new"


def _reference_match(items: list[WatchEntry], icao: int) -> WatchEntry | None:
    latest = {(e.lo, e.hi): e for e in items}
    covering = [e for e in latest.values() if e.lo <= icao <= e.hi]
    if not covering:
        return None
    return min(covering, key=lambda e: (e.is_range, e.hi - e.lo, e.lo))


small_entries = st.builds(
    lambda lo, width, label: WatchEntry(lo, min(lo + width, 200), label),
    st.integers(0, 200), st.sampled_from([0, 0, 1, 3, 10, 50, 200]),
    st.sampled_from(["", "a", "b"]),
)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(small_entries, max_size=12))
def test_match_agrees_with_a_brute_force_search(items: list[WatchEntry]) -> None:
    wl = Watchlist(items)
    for icao in range(0, 203):
        assert wl.match(icao) == _reference_match(items, icao), hex(icao)


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f"])
def test_a_label_with_a_control_character_is_refused_where_it_is_read(control: str) -> None:
    """A NUL in a label once reached the alert command's environment and stopped the
    recording of a service run: labels are checked when the watchlist is read."""
    text = f"484506 NAF01\n4840D6 KLM{control}1023\n"
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(text, "w.txt")
    assert str(caught.value) == (f"w.txt:2: a label cannot contain the control character "
                                 f"U+{ord(control):04X}: {'KLM' + control + '1023'!r}")
    with pytest.raises(ValueError, match="control character"):
        WatchEntry(0x4840D6, 0x4840D6, "KLM\x001023")
