"""Watch rules: each condition's form, each malformed form's message and line, the rules
matching what is known of an aircraft (truth tables), and fuzzing of the line reader."""

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
    parse_rule,
    parse_watchlist,
    parse_watchlist_lines,
)
from adsbwatch.decoder.messages.watchrules import Seen
from adsbwatch.decoder.registry.info import INTERESTING, MILITARY, AircraftInfo

IL62 = AircraftInfo(registration="RA-86496", type_code="IL62", description="ILYUSHIN Il-62",
                    operator="Russia - Air Force", country="RU", country_name="Russia",
                    flags=MILITARY)
AEROFLOT = AircraftInfo(registration="RA-73001", type_code="A320", operator="Aeroflot",
                        country="RU", country_name="Russia")
PH_GOV = AircraftInfo(registration="PH-GOV", type_code="B737", country="NL",
                      country_name="Netherlands", flags=INTERESTING)


def rule(text: str) -> WatchEntry:
    return parse_rule(text)


# ------------------------------------------------------------------------------ forms

@pytest.mark.parametrize(("line", "text", "label"), [
    ("484506", "484506", ""),
    ("100000-1fffff Russia", "100000-1FFFFF", "Russia"),
    ("reg:ra-86496", "reg:RA-86496", ""),
    ("type:il62 the Il-62M", "type:IL62", "the Il-62M"),
    ("country:ru", "country:RU", ""),
    ("country:Russia", "country:Russia", ""),
    ('country:"United Kingdom"', 'country:"United Kingdom"', ""),
    ('operator:"Russia - Air Force" RuAF', 'operator:"Russia - Air Force"', "RuAF"),
    ("operator:Aeroflot", "operator:Aeroflot", ""),
    ("military", "military", ""),
    ("interesting", "interesting", ""),
    ("callsign:rff**", "callsign:RFF*", ""),
    ("callsign:?FL1?3", "callsign:?FL1?3", ""),
    ("squawk:7700,7500,7600,7700 emergency", "squawk:7500,7600,7700", "emergency"),
    ("military country:RU", "country:RU military", ""),
    ("100000-1FFFFF type:IL62 military", "100000-1FFFFF type:IL62 military", ""),
    ('type:IL62 "military transport"', "type:IL62", "military transport"),
    ('reg:RA-86496 "the Il-62M"', "reg:RA-86496", "the Il-62M"),
    ("3C6DD4 Note: seen daily", "3C6DD4", "Note: seen daily"),
    ("3C6DD4 ABCDEF", "3C6DD4", "ABCDEF"),  # a label that looks like an address
    ("000000-FFFFFF military", "military", ""),  # the whole space: no address to name
    ("000000-FFFFFF", "000000-FFFFFF", ""),
])
def test_each_form_reads_as_its_rule_and_label(line: str, text: str, label: str) -> None:
    entry = rule(line)
    assert (entry.rule(), entry.label) == (text, label)
    assert parse_rule(entry.text()) == entry  # the canonical line reads back


def test_the_same_conditions_in_another_order_are_one_rule_the_later_label_wins() -> None:
    text = "country:RU military first\n100000-1FFFFF\nmilitary country:ru second\n"
    assert [e.text() for e in parse_watchlist(text, "w")] == [
        "country:RU military second", "100000-1FFFFF"]


def test_a_label_that_would_read_as_a_condition_is_written_in_quotes() -> None:
    entries = [WatchEntry(0x484506, 0x484506, "military"),
               WatchEntry(label="reg:X", conditions=rule("type:IL62").conditions),
               WatchEntry(label='"quoted"', conditions=rule("interesting").conditions),
               WatchEntry(label="484506 too", conditions=rule("squawk:7700").conditions)]
    text = format_watchlist(entries)
    assert text == ('484506 "military"\ntype:IL62 "reg:X"\ninteresting ""quoted""\n'
                    'squawk:7700 "484506 too"\n')
    assert parse_watchlist(text, "w") == entries


@pytest.mark.parametrize(("line", "message"), [
    ("foo:bar", "unknown key 'foo:' (keys: reg, type, country, operator, callsign, squawk; "
                "a label that starts with it needs double quotes)"),
    ("military tpye:IL62", "unknown key 'tpye:' (keys: reg, type, country, operator, "
                           "callsign, squawk; a label that starts with it needs double "
                           "quotes)"),
    ("reg:", "reg: has no value (e.g. reg:RA-86496)"),
    ('operator:""', 'operator: has no value (e.g. operator:"Russia - Air Force")'),
    ("type:", "type: has no value (e.g. type:IL62)"),
    ("reg:RA_86496", "reg:RA_86496 is not a registration (letters, digits and '-', "
                     "e.g. reg:RA-86496)"),
    ("type:IL62M", "type:IL62M is not an ICAO type designator (2 to 4 letters and digits, "
                   "e.g. type:IL62)"),
    ("country:XX", "country:XX: no country has the ISO 3166 code XX"),
    ("country:1", "country:1 is not a country code (2 letters, e.g. country:RU) or name "
                  "(e.g. country:Russia)"),
    ('operator:"Russia - Air Force', 'operator:"Russia - Air Force has no closing double '
                                     'quote'),
    ('operator:"Russia"Air', 'operator:"Russia"Air: a space must follow the closing quote'),
    ('operator:Rus"sia', 'operator:Rus"sia has a double quote inside: quote the whole '
                         'value (operator:"...")'),
    ("callsign:RF-*", "callsign:RF-* has '-': a callsign has letters and digits only (and "
                      "the wildcards * and ?)"),
    ("callsign:[RF]*", "callsign:[RF]* has '[': a callsign has letters and digits only (and "
                       "the wildcards * and ?)"),
    ("callsign:ABCDEFGHI", "callsign:ABCDEFGHI can never match: a callsign has at most 8 "
                           "characters"),
    ("squawk:7800", "squawk:7800: '7800' is not a squawk (4 octal digits 0-7, e.g. 7700)"),
    ("squawk:770", "squawk:770: '770' is not a squawk (4 octal digits 0-7, e.g. 7700)"),
    ("squawk:7500,,7700", "squawk:7500,,7700 has an empty code (codes are separated by "
                          "single commas)"),
    ("squawk:7700,", "squawk:7700, has an empty code (codes are separated by single "
                     "commas)"),
    ("military:yes", "'military' takes no value: write military alone"),
    ("military military", "military is given twice on the line (a rule's conditions must "
                          "all hold; list squawks with commas)"),
    ("squawk:7500 squawk:7700", "squawk is given twice on the line (a rule's conditions "
                                "must all hold; list squawks with commas)"),
    ("military 484506", "484506: an address or block comes first on the line"),
    ("militray", "'militray' is not a condition (an address HEX or block LO-HI, key:value, "
                 "military or interesting)"),
    ("Lufthansa", "'Lufthansa' is not a 6-digit hex ICAO address"),
])
def test_each_malformed_form_is_one_line_naming_file_and_line(line: str, message: str) -> None:
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(f"# rules\n484506\n\n{line}\nmilitary\n", "rules.txt")
    assert (info.value.line, info.value.message) == (4, message)
    assert str(info.value) == f"rules.txt:4: {message}"


def test_a_rule_from_the_command_line_takes_one_label() -> None:
    assert parse_rule("country:RU military", "Russian military").text() == \
        "country:RU military Russian military"
    with pytest.raises(ValueError, match="two labels"):
        parse_rule("type:IL62 Il-62", "again")
    with pytest.raises(ValueError, match="no rule given"):
        parse_rule("  # just a comment")


def test_lines_keep_their_numbers_for_watchlist_test() -> None:
    text = "# x\n484506 PH-GOV\n\nmilitary\nmilitary again\n"
    assert [(n, e.text()) for n, e in parse_watchlist_lines(text, "w")] == [
        (2, "484506 PH-GOV"), (4, "military"), (5, "military again")]


# ------------------------------------------------------------------------------ matching

SCENE = {  # address: (info, callsign, squawk)
    0x150001: (IL62, "RFF7001", "1234"),
    0x150002: (AEROFLOT, "AFL123  ", "2345"),
    0x484506: (PH_GOV, "NAF01", "7700"),
    0xA00001: (None, "RFF7001", None),  # no database entry: only what it sends
    0x150003: (None, None, None),  # nothing known but the address
}

TRUTH = [  # rule, the addresses it matches
    ("484506", {0x484506}),
    ("100000-1FFFFF", {0x150001, 0x150002, 0x150003}),
    ("reg:RA-86496", {0x150001}),
    ("reg:ph-gov", {0x484506}),
    ("type:IL62", {0x150001}),
    ("type:a320", {0x150002}),
    ("country:RU", {0x150001, 0x150002}),
    ("country:russia", {0x150001, 0x150002}),
    ("country:NL", {0x484506}),
    ("country:RU military", {0x150001}),
    ('operator:"air force"', {0x150001}),
    ("operator:aeroflot", {0x150002}),
    ("military", {0x150001}),
    ("interesting", {0x484506}),
    ("callsign:RFF*", {0x150001, 0xA00001}),
    ("callsign:afl123", {0x150002}),  # trailing spaces ignored, either case
    ("callsign:?FL1?3", {0x150002}),
    ("callsign:AFL12", set()),  # a glob matches the whole callsign
    ("squawk:7500,7600,7700", {0x484506}),
    ("squawk:1234,2345", {0x150001, 0x150002}),
    ("100000-1FFFFF callsign:RFF*", {0x150001}),
    ("country:RU squawk:7700", set()),
]


@pytest.mark.parametrize(("text", "expected"), TRUTH)
def test_each_rule_matches_exactly_its_aircraft(text: str, expected: set[int]) -> None:
    wl = Watchlist([rule(text)])
    matched = {address for address, (info, callsign, squawk) in SCENE.items()
               if wl.matches(Seen(address, info, callsign, squawk))}
    assert matched == expected


def test_matches_name_the_address_rule_first_then_the_others_in_order() -> None:
    wl = Watchlist(parse_watchlist("squawk:7700 emergency\n484506 PH-GOV\n400000-4FFFFF\n"
                                   "interesting\nmilitary\n", "w"))
    found = wl.matches(Seen(0x484506, PH_GOV, "NAF01", "7700"))
    assert [e.text() for e in found] == ["484506 PH-GOV", "squawk:7700 emergency",
                                         "interesting"]
    assert [e.sighting_label for e in found] == ["PH-GOV", "emergency", "interesting"]
    assert wl.match(0x484506) == found[0]  # the address index alone, as before
    assert wl.blocks == [found[0], WatchEntry(0x400000, 0x4FFFFF)]


def test_a_rule_with_conditions_covers_the_whole_address_space_unless_it_names_one() -> None:
    assert (rule("military").lo, rule("military").hi) == (0, MAX_ICAO)
    assert rule("military").by_address is False
    assert rule("484506").by_address is True


# ------------------------------------------------------------------------------ fuzzing

words = st.sampled_from([
    "484506", "100000-1FFFFF", "reg:PH-GOV", "type:IL62", "country:RU", "country:xx",
    'operator:"Russia - Air Force"', 'operator:"open', "military", "interesting",
    "callsign:RFF*", "callsign:R-", "squawk:7500,7700", "squawk:9", "foo:bar", '"',
    '"label"', "label", "#", "reg:", ":", "key:", "Type:", "-", "x" * 3])
rule_lines = st.lists(st.one_of(words, st.text(max_size=6)), max_size=6).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(rule_lines, max_size=5))
def test_rule_lines_parse_or_raise_only_watchlist_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        entries = parse_watchlist(text, "fuzz.txt")
    except WatchlistError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"fuzz.txt:{exc.line}: ")
    else:
        assert parse_watchlist(format_watchlist(entries), "again") == entries
