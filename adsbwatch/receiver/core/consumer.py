"""What takes the station's data: a consumer, subscribed to the stages it needs.

The station hands each batch through fixed stages, in this order: the frames (every
CRC-checked frame, as the demodulator or a peer gave them), the decoded messages (what
the decoding stage made of them: the one aircraft table already updated), sightings (as
they are announced), and a tick (the station's clock after the batch; at least once a
second even while the source is away). A consumer implements the methods of the stages
it wants; which of them it has is its subscription. Within a stage, consumers are served
in no particular order: none may depend on another having run.

A consumer that raises an Exception is dropped (the others go on, and the station says
so); one that raises ReaderGone is dropped without a word (its reader left: `| head`).
A stop request (Ctrl-C, SIGTERM) is never an Exception a consumer could swallow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from adsbwatch.decoder.frames.batch import FrameBatch
    from adsbwatch.receiver.core.events import Decoded, Sighting, Tick


class ReaderGone(Exception):  # noqa: N818 - an event, not an error
    """A consumer's reader went away (a closed pipe): not a failure, nothing left to serve."""


class Consumer(Protocol):
    name: str  # what the user calls it, in messages: "stdout (AVR)", "SBS output"

    def close(self) -> None:
        """Write what is pending; the station is done. Failures raise."""


@runtime_checkable
class FramesConsumer(Protocol):
    def on_frames(self, batch: FrameBatch) -> None:
        """Every batch of frames, also an empty one (time passes on the sample clock)."""


@runtime_checkable
class MessagesConsumer(Protocol):
    def on_messages(self, decoded: Decoded) -> None:
        """What the decoding stage made of one batch."""


@runtime_checkable
class SightingsConsumer(Protocol):
    def on_sighting(self, sighting: Sighting) -> None:
        """A watched aircraft's visit began (announced once its callsign came, or the
        wait for it ended)."""


@runtime_checkable
class TickConsumer(Protocol):
    def on_tick(self, tick: Tick) -> None:
        """The station's clock after a batch, or a second without one."""


def describe(exc: BaseException) -> str:
    """An exception in a few words, for a one-line message."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
