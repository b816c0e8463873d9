"""`_nrt=False` for the kernels that allocate nothing (kernel.py says why: no reference
counts at all, 5% of the demodulator). It is a private option of Numba's CPU target:
where a Numba release no longer has it, the kernels compile without it, a little
slower, rather than fail."""

from __future__ import annotations


def _numba_takes_nrt_option() -> bool:
    try:
        from numba.core.cpu import CPUTargetOptions
    except ImportError:
        return False
    return hasattr(CPUTargetOptions, "_nrt")


NO_REFCOUNTS: dict[str, bool] = {"_nrt": False} if _numba_takes_nrt_option() else {}
