"""One batch, many sinks: every demodulated batch goes to every output in turn.

Each sink fails on its own: one that fails is reported, counted and dropped, and the
others go on; one whose reader went away (stdout closed by `| head`) is dropped without
a word. The station stops when no sink is left to serve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from adsbwatch.decoder.frames.batch import FrameBatch


class OutletGone(Exception):
    """A sink's reader went away (a closed pipe): not a failure, nothing left to serve."""


class Sink(Protocol):
    name: str  # what the user calls it, in messages: "stdout (AVR)", "decoding"

    def on_batch(self, batch: FrameBatch) -> None:
        """Take one batch (also an empty one: time passes on the sample clock)."""

    def close(self) -> None:
        """Write what is pending; the station is done. Failures raise."""


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


@dataclass
class FanOut:
    sinks: list[Sink]
    warn: Callable[[str], None]
    failures: list[str] = field(default_factory=list)  # one line per failed sink
    unreported: list[str] = field(default_factory=list)  # of those, not yet warned of

    def deliver(self, batch: FrameBatch) -> bool:
        """Hand `batch` to every sink; False once none is left."""
        for sink in list(self.sinks):
            try:
                sink.on_batch(batch)
            except OutletGone:
                self._drop(sink, failed=True)
            except Exception as exc:  # noqa: BLE001 - one output must not stop the rest
                self._fail(sink, exc)
        return bool(self.sinks)

    def close(self, sinks: Iterable[Sink] | None = None) -> None:
        """Close every sink still served, each whatever the others did."""
        for sink in list(self.sinks if sinks is None else sinks):
            try:
                sink.close()
            except OutletGone:
                pass
            except Exception as exc:  # noqa: BLE001 - the others still get closed
                self.failures.append(describe(exc))
                self.unreported.append(describe(exc))
            finally:
                if sink in self.sinks:
                    self.sinks.remove(sink)

    def _drop(self, sink: Sink, failed: bool = False) -> None:
        """Stop serving `sink`; closing a failed one may fail again: said once already."""
        self.sinks.remove(sink)
        try:
            sink.close()
        except Exception:  # noqa: BLE001, S110
            if not failed:
                raise

    def _fail(self, sink: Sink, exc: Exception) -> None:
        """Drop a failed sink. The last one's failure ends the run: the caller reports it
        as the error; while others remain, a warning says so at once."""
        message = describe(exc)
        self.failures.append(message)
        if len(self.sinks) > 1:
            self.warn(f"{message}; dropped {sink.name}, the other outputs go on")
        else:
            self.unreported.append(message)
        self._drop(sink, failed=True)
