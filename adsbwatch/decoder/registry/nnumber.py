"""US registrations (N-numbers) and their ICAO addresses, both ways.

The FAA gives the US block's addresses to N-numbers in their sorted order: A00001 is N1,
then N1A, N1AA, N1AB ... N1AZ, N1B ..., N10, N100 ... and ADF7C7 is N99999, the last. An
N-number is N, a digit 1-9, up to four more digits, then up to two letters (I and O are
never used), at most five characters after the N: so after the fifth character only one
letter or digit may follow, and letters end the registration.
"""

from __future__ import annotations

FIRST = 0xA00001  # N1
LAST = 0xADF7C7  # N99999
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
DIGITS = "0123456789"

# How many registrations a letter suffix of up to two letters gives: none, or one letter
# followed by none or another.
SUFFIXES = 1 + len(LETTERS) * (1 + len(LETTERS))  # 601
# After the fourth digit: nothing, one letter or one digit.
LAST_PLACE = 1 + len(LETTERS) + len(DIGITS)  # 35
# How many registrations follow each digit of the 2nd, 3rd and 4th places (and the 1st):
# the suffixes right after it, then ten of the next place's.
_AFTER_FOURTH = LAST_PLACE
_AFTER_THIRD = SUFFIXES + len(DIGITS) * _AFTER_FOURTH  # 951
_AFTER_SECOND = SUFFIXES + len(DIGITS) * _AFTER_THIRD  # 10111
_AFTER_FIRST = SUFFIXES + len(DIGITS) * _AFTER_SECOND  # 101711
_NEXT_SIZES = (_AFTER_SECOND, _AFTER_THIRD, _AFTER_FOURTH)


def _suffix_offset(letters: str) -> int | None:
    if len(letters) > 2 or any(c not in LETTERS for c in letters):
        return None
    offset = 0
    if letters:
        offset += 1 + LETTERS.index(letters[0]) * (1 + len(LETTERS))
    if len(letters) == 2:
        offset += 1 + LETTERS.index(letters[1])
    return offset


def _suffix(offset: int) -> str:
    if offset == 0:
        return ""
    first, second = divmod(offset - 1, 1 + len(LETTERS))
    return LETTERS[first] + (LETTERS[second - 1] if second else "")


def address_of_n_number(registration: str) -> int | None:
    """The ICAO address of a US registration ("N12AB", any case, with or without its N);
    None for text that is not an N-number."""
    text = registration.strip().upper()
    text = text[1:] if text.startswith("N") else text
    if not 1 <= len(text) <= 5 or text[0] not in "123456789":
        return None
    offset = (int(text[0]) - 1) * _AFTER_FIRST
    rest = text[1:]
    for size in _NEXT_SIZES:
        if not rest or rest[0] in LETTERS:
            suffix = _suffix_offset(rest)
            return None if suffix is None else FIRST + offset + suffix
        if rest[0] not in DIGITS:
            return None
        offset += SUFFIXES + int(rest[0]) * size
        rest = rest[1:]
    # After the fourth digit (five characters so far with the first): at most one more.
    if not rest:
        return FIRST + offset
    if len(rest) > 1:
        return None
    if rest in LETTERS:
        return FIRST + offset + 1 + LETTERS.index(rest)
    if rest in DIGITS:
        return FIRST + offset + 1 + len(LETTERS) + int(rest)
    return None


def n_number(address: int) -> str | None:
    """The US registration of an address in A00001..ADF7C7; None outside it."""
    if not FIRST <= address <= LAST:
        return None
    first, rest = divmod(address - FIRST, _AFTER_FIRST)
    text = f"N{first + 1}"
    for size in _NEXT_SIZES:
        if rest < SUFFIXES:
            return text + _suffix(rest)
        digit, rest = divmod(rest - SUFFIXES, size)
        text += str(digit)
    if rest == 0:
        return text
    rest -= 1
    return text + (LETTERS[rest] if rest < len(LETTERS) else DIGITS[rest - len(LETTERS)])
