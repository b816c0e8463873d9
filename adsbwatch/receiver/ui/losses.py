"""What a live source lost, as every view says it: samples dropped while connected (the
machine or the link did not keep up) apart from the time the source was away (a dongle
unplugged, an rtl_tcp server gone), which is no fault of the machine and never counted
as dropped."""

from __future__ import annotations


def away_text(away_samples: int, reconnects: int, rate: int) -> str | None:
    """"away 12 s, reconnected" (the time away, and whether the source came back);
    None when it never went."""
    if not away_samples and not reconnects:
        return None
    text = f"away {away_samples / rate:.0f} s" if rate else "away"
    if reconnects:
        text += ", reconnected" + ("" if reconnects == 1 else f" {reconnects} times")
    return text
