"""What a position's type code says of its accuracy and integrity, by ADS-B version:
NIC and the radius of containment (Rc, whole metres), and for version 0, which sends no
operational status, the NACp and SIL its type code implies (ED-102A tables N-7, N-8;
DO-260B table 2-69 for NIC and Rc). The figures dump1090-fa and readsb show."""

from __future__ import annotations

import math

NM_M = 1852.0

# type code -> (nic, rc in metres) where version and supplements do not matter.
_PLAIN: dict[int, tuple[int, float | None]] = {
    5: (11, 7.5), 6: (10, 25.0), 9: (11, 7.5), 10: (10, 25.0), 12: (7, 0.2 * NM_M),
    14: (5, 1.0 * NM_M), 15: (4, 2.0 * NM_M), 17: (1, 20.0 * NM_M), 18: (0, None),
    20: (11, 7.5), 21: (10, 25.0), 22: (0, None),
}

# Version 0: NACp and SIL implied by the position's type code.
V0_NAC_P = {0: 0, 5: 11, 6: 10, 7: 8, 8: 0, 9: 11, 10: 10, 11: 8, 12: 7, 13: 6, 14: 5,
            15: 4, 16: 1, 17: 1, 18: 0, 20: 11, 21: 10, 22: 0}
V0_SIL = {tc: 0 if tc in (0, 18, 22) else 2 for tc in V0_NAC_P}


def nic_rc(typecode: int, version: int, nic_a: int, nic_b: int) -> tuple[int, int | None] | None:
    """(NIC, Rc in metres rounded up; None unknown) of a position of this type code, or
    None for a type code that carries no position. NIC supplement C (surface, version
    2) is not read: taken as 0."""
    if typecode in _PLAIN:
        nic, rc = _PLAIN[typecode]
    elif typecode in (7, 11):
        # Version 1 reads NIC-A alone; version 2 airborne needs A and B, surface A and
        # not C; version 0 knows neither.
        both = nic_a == 1 and (version == 1 or typecode == 7 or nic_b == 1)
        nic, rc = (9, 75.0) if version > 0 and both else (8, 0.1 * NM_M)
    elif typecode == 8:
        nic, rc = (6, 0.3 * NM_M) if version == 2 and nic_a == 1 else (0, None)
    elif typecode == 13:
        nic = 6
        if version == 0:
            rc = 0.5 * NM_M
        elif version == 1:
            rc = (0.6 if nic_a == 1 else 0.5) * NM_M
        else:
            rc = {(0, 1): 0.3 * NM_M, (0, 0): 0.5 * NM_M, (1, 1): 0.6 * NM_M}.get(
                (nic_a, nic_b))  # type: ignore[assignment]
    elif typecode == 16:
        nic = 3 if nic_a == 1 and nic_b == 1 else 2  # whatever the version
        both = nic_a == 1 and (version == 1 or nic_b == 1)
        rc = 10.0 * NM_M if version == 0 else (4.0 if both else 8.0) * NM_M
    else:
        return None
    return nic, None if rc is None else math.ceil(rc - 1e-9)
