"""Calls into pyrtlsdr's RtlSdr that its own error handling cannot turn into a freed
device under a running read, a hang or a dongle claimed for good (issue 15: H5, H6, M8).

pyrtlsdr (0.5.1) closes the device whenever librtlsdr returns an error from a setter or
from `rtlsdr_cancel_async`, and librtlsdr's `rtlsdr_close` waits, forever, for an
asynchronous read to end before it frees the device:
- a cancel that comes before librtlsdr has started the read gets -2; pyrtlsdr then
  closes the device, and the capture thread starts its read on freed memory;
- a setter that fails while the read runs closes the device from the setter's thread:
  the close waits for a read that nobody will cancel;
- `open()` raises without closing when a step after librtlsdr's open fails (e.g. its
  reset_buffer): the USB interface stays claimed and every later open is BUSY.
`device_opened` and `read_async_canceling` are the instance's own flags that pyrtlsdr's
close and cancel consult; they are set here so that its error paths do not close.
"""

from __future__ import annotations

import contextlib
from typing import Any


def open_device(rtlsdr_class: type, index: int) -> Any:
    """An opened RtlSdr for dongle `index`; on failure the handle librtlsdr may already
    have opened is closed (its USB interface released) and the OSError raised."""
    sdr = rtlsdr_class.__new__(rtlsdr_class)
    try:
        sdr.open(device_index=index)
    except OSError:
        # Failed before pyrtlsdr marked it opened (no `device_opened` of its own yet)
        # although librtlsdr handed out a handle: pyrtlsdr's close would skip it.
        if "device_opened" not in vars(sdr) and getattr(sdr, "dev_p", None):
            sdr.device_opened = True
        with contextlib.suppress(OSError):
            sdr.close()
        raise
    return sdr


def cancel_from_outside(sdr: Any) -> None:
    """Cancel the asynchronous read from another thread. Marked as cancelling first: when
    no read runs yet (librtlsdr's -2), pyrtlsdr then neither closes the device nor
    raises; a read that starts later clears the mark and must be cancelled from its
    callback."""
    sdr.read_async_canceling = True
    with contextlib.suppress(OSError):
        sdr.cancel_read_async()


def cancel_from_callback(sdr: Any) -> None:
    """Cancel the asynchronous read from its own callback, where librtlsdr's read is
    certain to run: the cancel cannot fail."""
    with contextlib.suppress(OSError):
        sdr.cancel_read_async()


def set_while_reading(sdr: Any, name: str, value: Any) -> OSError | None:
    """Set `sdr.<name>` while a read may run in another thread; the error, if it failed.
    Marked closed for the call, so that pyrtlsdr's close on the error does nothing: the
    device stays open and the read goes on."""
    sdr.device_opened = False
    try:
        setattr(sdr, name, value)
    except OSError as exc:
        return exc
    finally:
        sdr.device_opened = True
    return None
