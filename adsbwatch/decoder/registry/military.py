"""Addresses in military blocks: the ranges readsb flags as military whatever its aircraft
database says (readsb's aircraft.c, updateTypeReg; ranges it has commented out, such as
Slovenia's, Chile's and Australia's 7D0000-7FFFFF, are left out here as well)."""

from __future__ import annotations

from adsbwatch.decoder.registry.ranges import RangeTable

# (first, last, whose), in address order; adjacent ranges of one state kept apart as
# readsb's comments name them.
RANGES: tuple[tuple[int, int, str], ...] = (
    (0x010070, 0x01008F, "Egypt"),
    (0x0A4000, 0x0A4FFF, "Algeria"),
    (0x33FF00, 0x33FFFF, "Italy"),
    (0x350000, 0x37FFFF, "Spain"),
    (0x3AA000, 0x3AFFFF, "France"),
    (0x3B7000, 0x3BFFFF, "France"),
    (0x3EA000, 0x3EBFFF, "Germany"),
    (0x3F4000, 0x3FBFFF, "Germany"),
    (0x400000, 0x40003F, "United Kingdom"),
    (0x43C000, 0x43CFFF, "United Kingdom"),
    (0x444000, 0x446FFF, "Austria"),
    (0x44F000, 0x44FFFF, "Belgium"),
    (0x457000, 0x457FFF, "Bulgaria"),
    (0x45F400, 0x45F4FF, "Denmark"),
    (0x468000, 0x4683FF, "Greece"),
    (0x473C00, 0x473C0F, "Hungary"),
    (0x478100, 0x4781FF, "Norway"),
    (0x480000, 0x480FFF, "Netherlands"),
    (0x48D800, 0x48D87F, "Poland"),
    (0x497C00, 0x497CFF, "Portugal"),
    (0x498420, 0x49842F, "Czechia"),
    (0x4B7000, 0x4B7FFF, "Switzerland"),
    (0x4B8200, 0x4B82FF, "Türkiye"),
    (0x70C070, 0x70C07F, "Oman"),
    (0x710258, 0x71028F, "Saudi Arabia"),
    (0x710380, 0x71039F, "Saudi Arabia"),
    (0x738A00, 0x738AFF, "Israel"),
    (0x7C822E, 0x7C84FF, "Australia"),
    (0x7C8800, 0x7C88FF, "Australia"),
    (0x7C9000, 0x7CAFFF, "Australia"),
    (0x7CF800, 0x7CFAFF, "Australia"),
    (0x800200, 0x8002FF, "India"),
    (0xADF7C8, 0xAFFFFF, "United States"),  # above the last N-number, ADF7C7
    (0xC20000, 0xC3FFFF, "Canada"),
    (0xE40000, 0xE41FFF, "Brazil"),
)

_TABLE = RangeTable(RANGES)


def military_range(address: int) -> str | None:
    """Whose military range holds `address`; None when none does."""
    return _TABLE.find(address)


def is_military(address: int) -> bool:
    return _TABLE.find(address) is not None
