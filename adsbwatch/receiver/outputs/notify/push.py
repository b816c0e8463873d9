"""The push alerts' consumer (--notify URL, repeatable): each sighting to every URL, each
URL from a thread of its own (worker.py), so that neither the station nor another URL
waits on a slow or failing service; and `adsbwatch notify-test`'s message."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence

from adsbwatch import __version__
from adsbwatch.receiver.core.events import Sighting
from adsbwatch.receiver.core.lines import warn_on_stderr
from adsbwatch.receiver.core.stopping import StopClock
from adsbwatch.receiver.outputs.notify.sender import AppriseSender
from adsbwatch.receiver.outputs.notify.targets import NotifyTarget
from adsbwatch.receiver.outputs.notify.worker import Send, TargetWorker
from adsbwatch.receiver.outputs.sighting_text import facts_of

CLOSE_WAIT_S = 5.0  # at the end, how long the messages still waiting get, all URLs at once

SenderOf = Callable[[NotifyTarget], Send]


class PushAlerts:
    """The sightings consumer behind --notify. `receiver`: where distances are measured
    from; `map_root`: the web map, linked to from each message."""

    name = "push alerts"

    def __init__(self, targets: Sequence[NotifyTarget],
                 warn: Callable[[str], None] = warn_on_stderr,
                 receiver: tuple[float, float] | None = None, map_root: str | None = None,
                 sender_of: SenderOf = AppriseSender,
                 close_wait_s: float = CLOSE_WAIT_S,
                 stop_clock: StopClock | None = None) -> None:
        self.receiver = receiver
        self.map_root = map_root
        self.close_wait_s = close_wait_s
        self.stop_clock = stop_clock or StopClock()  # after a stop: what is left of it
        self.senders = [sender_of(target) for target in targets]
        self.workers = [TargetWorker(target, send, warn)
                        for target, send in zip(targets, self.senders, strict=True)]

    def on_sighting(self, sighting: Sighting) -> None:
        facts = facts_of(sighting, self.receiver, self.map_root)  # now: the aircraft moves on
        for worker in self.workers:
            worker.offer(facts)

    def close(self) -> None:
        """Every URL's waiting messages go at once, within CLOSE_WAIT_S in all (what is
        left of the stop's budget, after a stop)."""
        deadline = time.monotonic() + self.stop_clock.left(self.close_wait_s)
        for worker in self.workers:
            worker.stop_taking()
        for worker, send in zip(self.workers, self.senders, strict=True):
            if worker.finish(deadline):
                getattr(send, "close", lambda: None)()


TEST_TITLE = "adsbwatch: a test message"


def test_body() -> str:
    return (f"adsbwatch {__version__} on {socket.gethostname()} reaches this service: "
            "sightings of watched aircraft will come here.")


def send_test(targets: Sequence[NotifyTarget],
              sender_of: SenderOf = AppriseSender) -> list[str | None]:
    """A test message to each target: None where it went, else why not (masked)."""
    reasons: list[str | None] = []
    body = test_body()
    for target in targets:
        send = sender_of(target)
        reason = send(TEST_TITLE, body)
        getattr(send, "close", lambda: None)()
        reasons.append(None if reason is None else target.redact(reason))
    return reasons
