"""One --notify URL's thread: takes sightings from the station without ever making it
wait, sends each as a message (a flood rate-limited and summarised), retries a failed
send with backoff, and gives up on a message after MAX_TRIES.

What it says: one warning when a service starts failing (the first message given up on),
one when it works again, and at the end what was not sent since. Secrets never: every
line names the URL masked, and a service's error text is masked too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adsbwatch.receiver.core.backoff import FIRST_RETRY_S, next_retry
from adsbwatch.receiver.outputs.notify.targets import NotifyTarget
from adsbwatch.receiver.outputs.notify.window import SendWindow
from adsbwatch.receiver.outputs.sighting_text import (
    SightingFacts,
    body,
    summary_body,
    summary_title,
    title,
)

MAX_TRIES = 5  # a message is given up on after this many failed sends
MAX_WAITING = 100  # sightings waiting for the thread; more are only counted (summarised)

Send = Callable[[str, str], "str | None"]  # (title, body) -> None, or why it failed


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    sightings: int  # how many it tells of
    about: str  # for the lines: "the sighting of 484506", "a summary of 12 sightings"


def message_of(held: list[SightingFacts], unlisted: int) -> Message:
    """One sighting's own message, or a summary of several."""
    if len(held) == 1 and not unlisted:
        return Message(title(held[0]), body(held[0]), 1, f"the sighting of {held[0].icao}")
    count = len(held) + unlisted
    return Message(f"adsbwatch: {summary_title(count)}", summary_body(held, unlisted), count,
                   f"a summary of {count} sightings")


class TargetWorker:
    def __init__(self, target: NotifyTarget, send: Send, warn: Callable[[str], None],
                 window: SendWindow | None = None, max_tries: int = MAX_TRIES,
                 first_retry_s: float = FIRST_RETRY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.target = target
        self.send = send
        self.warn = warn
        self.window = window or SendWindow()
        self.max_tries = max_tries
        self.first_retry_s = first_retry_s
        self.clock = clock
        self.messages_sent = 0
        self.sightings_sent = 0
        self.lost = 0  # sightings whose message was given up on
        self.unsent = 0  # taken by the thread, not yet sent or given up on
        self._said_lost = 0  # `lost` when it was last said
        self._streak_from = 0  # `lost` when the service started failing
        self._failing = False
        self._retry_s = first_retry_s  # the wait before the next try, kept over a streak
        self._cond = threading.Condition()
        self._waiting: list[SightingFacts] = []
        self._overflow = 0
        self._closing = False
        self._closed = threading.Event()  # cuts a retry's wait short
        self._thread = threading.Thread(target=self._work, name=f"notify {target.shown}",
                                        daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return f"--notify {self.target.shown}"

    def offer(self, facts: SightingFacts) -> None:
        """A sighting to send; never waits for the network."""
        with self._cond:
            if len(self._waiting) < MAX_WAITING:
                self._waiting.append(facts)
            else:
                self._overflow += 1
            self._cond.notify()

    def stop_taking(self) -> None:
        """The run ends: send what waits now (the rate limit aside; a failed send is not
        tried again)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._closed.set()

    def finish(self, deadline: float) -> bool:
        """Wait for the thread until `deadline` (time.monotonic()) and say what was not
        sent; whether the thread is done."""
        self._thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            unsent = self.unsent + len(self._waiting) + self._overflow
        if self._thread.is_alive():
            if unsent:
                self.warn(f"{self.name}: the run ended before {unsent} sightings were sent "
                          "(the service did not answer in time)")
            return False
        if self.lost > self._said_lost:
            self.warn(f"{self.name}: {self.lost - self._said_lost} more sightings could not "
                      "be sent")
        return True

    # ------------------------------------------------------------------ the thread

    def _work(self) -> None:
        held: list[SightingFacts] = []
        unlisted = 0
        while True:
            with self._cond:
                while not self._ready(held, unlisted):
                    pending = held or unlisted or self._waiting or self._overflow
                    self._cond.wait(self.window.wait_s(self.clock()) if pending else None)
                held += self._waiting
                unlisted += self._overflow
                self.unsent = len(held) + unlisted
                self._waiting, self._overflow = [], 0
                closing = self._closing
            if not held and not unlisted:
                return  # closing, nothing left
            last_one = self.window.free(self.clock()) == 1  # the window's last message
            if closing or last_one or not held:  # everything: its message, or a summary
                message = message_of(held, unlisted)
                held, unlisted = [], 0
            else:  # the first held, on its own
                message = message_of(held[:1], 0)
                held = held[1:]
            self.window.note(self.clock())
            self._deliver(message)
            self.unsent = len(held) + unlisted

    def _ready(self, held: list[SightingFacts], unlisted: int) -> bool:
        """Something to do: closing, or sightings that may go now."""
        if self._closing:
            return True
        if not (held or unlisted or self._waiting or self._overflow):
            return False
        return self.window.free(self.clock()) > 0

    def _deliver(self, message: Message) -> None:
        reason = None
        for tries in range(1, self.max_tries + 1):
            reason = self.send(message.title, message.body)
            if reason is None:
                self._sent(message)
                return
            if tries == self.max_tries or self._closed.is_set():
                break
            self._closed.wait(self._retry_s)  # a close cuts the wait short
            self._retry_s = next_retry(self._retry_s)
        lost_before = self.lost
        self.lost += message.sightings
        if self._failing:  # said when the streak began
            return
        self._failing = True
        self._streak_from, self._said_lost = lost_before, self.lost
        times = "once" if tries == 1 else f"{tries} times"
        self.warn(f"{self.name}: could not send {message.about} (tried {times}: "
                  f"{self.target.redact(reason or '')}); later alerts are tried too, and a "
                  "line says when one goes")

    def _sent(self, message: Message) -> None:
        self.messages_sent += 1
        self.sightings_sent += message.sightings
        self._retry_s = self.first_retry_s
        if self._failing:
            self._failing = False
            self.warn(f"{self.name}: sending again ({self.lost - self._streak_from} "
                      "sightings could not be sent while it failed)")
            self._said_lost = self.lost
