"""The station's consumers by stage, and what happens when one fails.

A consumer is subscribed to each stage whose method it has (core/consumer.py). One that
raises an Exception is dropped from every stage, its failure counted and said at once
while others remain (the last one's failure is the run's error, said at the end); one
whose reader left (ReaderGone) is dropped without a word. A stop request is never an
Exception, so no consumer can swallow it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from adsbwatch.receiver.core.consumer import (
    Consumer,
    FramesConsumer,
    MessagesConsumer,
    ReaderGone,
    SightingsConsumer,
    TickConsumer,
    describe,
)

STAGES = {"on_frames": FramesConsumer, "on_messages": MessagesConsumer,
          "on_sighting": SightingsConsumer, "on_tick": TickConsumer}


class Consumers:
    def __init__(self, warn: Callable[[str], None]) -> None:
        self.warn = warn
        self.all: list[Consumer] = []
        self.failures: list[str] = []  # one line per failed consumer
        self.unreported: list[str] = []  # of those, not yet said
        self._stages: dict[str, list[Any]] = {stage: [] for stage in STAGES}

    def add(self, consumer: Consumer) -> None:
        self.all.append(consumer)
        for stage, protocol in STAGES.items():
            if isinstance(consumer, protocol):
                self._stages[stage].append(consumer)

    def wants(self, stage: str) -> bool:
        return bool(self._stages[stage])

    def __bool__(self) -> bool:
        return bool(self.all)

    def __iter__(self) -> Iterator[Consumer]:
        return iter(list(self.all))

    def deliver(self, stage: str, item: object) -> None:
        """`item` to every consumer of `stage`; a failing one is dropped."""
        for consumer in list(self._stages[stage]):
            try:
                getattr(consumer, stage)(item)
            except ReaderGone:
                self._drop(consumer)
            except Exception as exc:  # noqa: BLE001 - one output must not stop the rest
                self._fail(consumer, exc)

    def close(self) -> None:
        """Close every consumer still served, each whatever the others did; a failure
        is said at the end."""
        for consumer in list(self.all):
            self._drop(consumer, report=True)

    def _drop(self, consumer: Consumer, report: bool = False) -> None:
        """Stop serving `consumer` and close it; closing a failed one may fail again:
        said once already."""
        if consumer not in self.all:
            return
        self.all.remove(consumer)
        for members in self._stages.values():
            if consumer in members:
                members.remove(consumer)
        try:
            consumer.close()
        except ReaderGone:
            pass
        except Exception as exc:  # noqa: BLE001 - the others still get closed
            if report:
                self.failures.append(describe(exc))
                self.unreported.append(describe(exc))

    def _fail(self, consumer: Consumer, exc: Exception) -> None:
        message = describe(exc)
        self.failures.append(message)
        if len(self.all) > 1:
            self.warn(f"{message}; dropped {consumer.name}, the other outputs go on")
        else:
            self.unreported.append(message)
        self._drop(consumer)
