"""Navigation integrity of an ADS-B position, as dump1090-fa's aircraft.json shows it:
`nic` and `rc` (radius of containment, whole metres rounded up) from the position's
type code and the NIC supplement bits (DO-260B table 2-69)."""

from __future__ import annotations

import math

NM_M = 1852.0

# type code -> (nic, rc in metres) where the supplements do not matter; rc None: unknown.
_PLAIN: dict[int, tuple[int, float | None]] = {
    5: (11, 7.5), 6: (10, 25.0), 8: (0, None),
    9: (11, 7.5), 10: (10, 25.0), 12: (7, 0.2 * NM_M), 14: (5, 1.0 * NM_M),
    15: (4, 2.0 * NM_M), 17: (1, 20.0 * NM_M), 18: (0, None),
    20: (11, 7.5), 21: (10, 25.0), 22: (0, None),
}


def integrity(typecode: int, nic_a: int, nic_b: int) -> tuple[int, int | None] | None:
    """(nic, rc) of a position of this type code; None for a type code without one."""
    if typecode in _PLAIN:
        nic, rc = _PLAIN[typecode]
    elif typecode in (7, 11):
        # Surface TC 7 reads NIC-A (with NIC-C, not sent here) like airborne TC 11 reads A and B.
        both = nic_a == 1 and (nic_b == 1 or typecode == 7)
        nic, rc = (9, 75.0) if both else (8, 0.1 * NM_M)
    elif typecode == 13:
        nic, rc = 6, (0.6 if nic_b == 1 else 0.5) * NM_M
    elif typecode == 16:
        nic, rc = (3, 4.0 * NM_M) if nic_a == 1 and nic_b == 1 else (2, 8.0 * NM_M)
    else:
        return None
    return nic, None if rc is None else math.ceil(rc)
