"""The built-in tables of the aircraft database: ICAO's country blocks, readsb's military
ranges, and US N-numbers both ways."""

from __future__ import annotations

import pytest

from adsbwatch.decoder.registry.builtin import with_builtins
from adsbwatch.decoder.registry.countries import BLOCKS, country_of
from adsbwatch.decoder.registry.info import INTERESTING, MILITARY, AircraftInfo
from adsbwatch.decoder.registry.military import is_military, military_range
from adsbwatch.decoder.registry.nnumber import FIRST, LAST, address_of_n_number, n_number
from adsbwatch.decoder.registry.ranges import RangeTable

# Published pairs: N1 and N99999, the ends of the FAA's allocation (A00001..ADF7C7);
# N12345 = A061D9 and ABCDEF = N86QU (guillaumemichel/icao-nnumber_converter's README);
# N747NA = AA0DB8 (NASA's 747 SCA; engelsjk/hex2reg's README, a port of tar1090's
# registrations.js); N2085A = A1B2C3 and N8437D = AB8E4F (unit tests of two other ports
# of the converter).
PUBLISHED = [("N1", 0xA00001), ("N99999", 0xADF7C7), ("N12345", 0xA061D9),
             ("N86QU", 0xABCDEF), ("N747NA", 0xAA0DB8), ("N2085A", 0xA1B2C3),
             ("N8437D", 0xAB8E4F)]
# The order of the allocation itself: after N1 come its letter suffixes (N1A, N1AA, N1AB
# .. N1AZ, N1B), 601 of them with N1, then N10.
ORDER = [("N1A", 0xA00002), ("N1AA", 0xA00003), ("N1AB", 0xA00004),
         ("N1AZ", 0xA00002 + 24), ("N1B", 0xA00002 + 25), ("N1ZZ", 0xA00001 + 600),
         ("N10", 0xA00001 + 601), ("N2", 0xA00001 + 101711), ("N9", 0xA00001 + 8 * 101711),
         ("N1000Z", 0xA00001 + 601 + 601 + 601 + 24), ("N10000", 0xA00001 + 3 * 601 + 25)]


@pytest.mark.parametrize(("registration", "address"), PUBLISHED + ORDER)
def test_n_numbers_both_ways(registration: str, address: int) -> None:
    assert address_of_n_number(registration) == address
    assert n_number(address) == registration


def test_n_number_lookup_takes_any_case_and_no_n() -> None:
    # N1, then the second digit 2 (past N1's 601 suffixes and N10's, N11's blocks of
    # 10111), then the suffix AB (after none and A: the third).
    assert address_of_n_number("n12ab") == address_of_n_number("12AB") \
        == 0xA00001 + 601 + 2 * 10111 + 3
    assert n_number(address_of_n_number("N12AB")) == "N12AB"  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["N0", "N", "N01", "N1I", "N1O", "N1ABC", "N123456",
                                  "N1A1", "N12345A", "N1234AB", "G-ABCD", "N1-A", ""])
def test_what_is_no_n_number(text: str) -> None:
    assert address_of_n_number(text) is None


@pytest.mark.parametrize("address", [0xA00000, 0xADF7C8, 0xAFFFFF, 0x484506, 0])
def test_addresses_outside_the_n_numbers_have_none(address: int) -> None:
    assert n_number(address) is None


def test_every_us_address_has_one_n_number_and_back() -> None:
    seen = set()
    for address in range(FIRST, LAST + 1):
        registration = n_number(address)
        assert registration is not None and address_of_n_number(registration) == address
        seen.add(registration)
    assert len(seen) == LAST - FIRST + 1 == 915_399


@pytest.mark.parametrize(("address", "code", "name"), [
    (0x484506, "NL", "Netherlands"), (0x3C4B2A, "DE", "Germany"), (0x3FFFFF, "DE", "Germany"),
    (0x7C1234, "AU", "Australia"), (0x100000, "RU", "Russia"), (0x1FFFFF, "RU", "Russia"),
    (0x155555, "RU", "Russia"), (0x4010EE, "GB", "United Kingdom"),
    (0xA061D9, "US", "United States"), (0xC01234, "CA", "Canada"), (0x899000, "TW", "Taiwan"),
    (0xE94FFF, "BO", "Bolivia"), (0x004000, "ZW", "Zimbabwe"), (0x901000, "CK", "Cook Islands"),
])
def test_country_blocks(address: int, code: str, name: str) -> None:
    assert country_of(address) == (code, name)


@pytest.mark.parametrize("address", [0x000000, 0x003FFF, 0x200000, 0xF00000, 0xFFFFFF,
                                     0x4D4800, 0xE95000])
def test_unallocated_addresses_have_no_country(address: int) -> None:
    assert country_of(address) is None


def test_the_country_table_is_the_annex() -> None:
    codes = [code for _, _, code, _ in BLOCKS]
    assert len(BLOCKS) > 180 and len(set(codes)) == len(codes)  # one block a state
    assert all(len(code) == 2 and code.isupper() for code in codes)


@pytest.mark.parametrize(("address", "whose"), [
    (0xAE1234, "United States"), (0xADF7C8, "United States"), (0xAFFFFF, "United States"),
    (0x3EA000, "Germany"), (0x3F8000, "Germany"), (0x43C123, "United Kingdom"),
    (0x480123, "Netherlands"), (0xC20000, "Canada"), (0x7CF900, "Australia"),
    (0x010070, "Egypt"), (0xE41FFF, "Brazil"),
])
def test_military_ranges(address: int, whose: str) -> None:
    assert military_range(address) == whose and is_military(address)


@pytest.mark.parametrize("address", [0xADF7C7, 0xA061D9, 0x484506, 0x3C4B2A, 0x3E9FFF,
                                     0x7D0000,  # readsb leaves out Australia's 7D-7F
                                     0x506F40,  # and Slovenia's
                                     0xE80600])  # and Chile's
def test_civil_addresses_are_not_military(address: int) -> None:
    assert not is_military(address)


def test_builtins_alone_say_country_military_and_n_number() -> None:
    assert with_builtins(0xAE1234, None) == AircraftInfo(
        country="US", country_name="United States", flags=MILITARY)
    assert with_builtins(0xA061D9, None) == AircraftInfo(
        registration="N12345", country="US", country_name="United States")
    assert with_builtins(0xF00001, None) is None  # ICAO's temporary block: nothing known


def test_builtins_merge_into_a_database_row() -> None:
    row = AircraftInfo("PH-GOV", "B737", "BOEING 737-700", "2017", "Dutch State",
                       flags=INTERESTING)
    assert with_builtins(0x484506, row) == row._replace(country="NL",
                                                        country_name="Netherlands")
    # A military range adds the flag to the database's; a row with no registration of a
    # US address gets its N-number, one with a registration keeps it.
    assert with_builtins(0x480001, row).flags == INTERESTING | MILITARY  # type: ignore[union-attr]
    assert with_builtins(0xA061D9, AircraftInfo(type_code="C172")).registration == "N12345"  # type: ignore[union-attr]
    assert with_builtins(0xA061D9, row).registration == "PH-GOV"  # type: ignore[union-attr]


def test_range_table_refuses_overlaps_and_finds_edges() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        RangeTable([(0x10, 0x20, "a"), (0x20, 0x30, "b")])
    with pytest.raises(ValueError):
        RangeTable([(0x10, 0x1000000, "past 24 bits")])
    table = RangeTable([(0x30, 0x3F, "b"), (0x10, 0x1F, "a")])
    assert [table.find(a) for a in (0x0F, 0x10, 0x1F, 0x20, 0x30, 0x3F, 0x40)] == [
        None, "a", "a", None, "b", "b", None]
