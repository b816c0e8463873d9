"""Push alerts' parts: what a sighting's message says (one formatter for the console, the
command and push), URLs shown with their secrets masked, the rate limit and its summary
(what a real JSON webhook received), a failing service said once per streak and once
when it works again, and a hung service that never holds up the station or its end."""

from __future__ import annotations

import threading
import time

import pytest
from notify_support import Webhook, webhook  # noqa: F401

from adsbwatch.decoder.messages.aircraft import Aircraft
from adsbwatch.decoder.messages.cpr import Fix
from adsbwatch.decoder.messages.visits import Visit
from adsbwatch.decoder.registry.info import AircraftInfo
from adsbwatch.receiver.core.events import Sighting
from adsbwatch.receiver.outputs.notify.push import PushAlerts
from adsbwatch.receiver.outputs.notify.sender import AppriseSender
from adsbwatch.receiver.outputs.notify.targets import notify_target
from adsbwatch.receiver.outputs.notify.window import SendWindow
from adsbwatch.receiver.outputs.notify.worker import TargetWorker
from adsbwatch.receiver.outputs.sighting_text import body, console_line, facts_of, title

T0 = 1_747_387_800.0  # 2025-05-16T09:30:00Z


def sighting(icao: int, label: str | None = "NAF", info: AircraftInfo | None = None,
             position: tuple[float, float] | None = None) -> Sighting:
    ac = Aircraft(icao, T0, T0, callsign="NAF01", squawk="1234", altitude=7975, info=info)
    if position is not None:
        ac.cpr.last = Fix(T0, *position, None)
    return Sighting(Visit(icao, icao, label, True, T0, T0), ac)


# ------------------------------------------------------------------ the words


def test_a_message_names_the_aircraft_where_it_is_and_links_to_the_map() -> None:
    info = AircraftInfo(registration="PH-GOV", type_code="B737", description="Boeing 737-700",
                        operator="Netherlands Government", country="NL",
                        country_name="Netherlands")
    # One degree of latitude north of the receiver: 111.2 km, bearing 0.
    facts = facts_of(sighting(0x484506, "Dutch government", info, (53.0, 4.0)),
                     receiver=(52.0, 4.0), map_root="http://127.0.0.1:8080/")
    assert title(facts) == "484506 NAF01: Dutch government"
    assert body(facts).splitlines() == [
        "Sighting of 484506 (Dutch government)",
        "PH-GOV, B737 (Boeing 737-700), Netherlands Government, Netherlands",
        "callsign NAF01, squawk 1234, 7975 ft",
        "111.2 km N of the receiver (0°)",
        "2025-05-16 09:30:00 UTC",
        "map: http://127.0.0.1:8080/?icao=484506",
    ]
    assert console_line(facts) == ("SIGHTING 484506 (Dutch government) PH-GOV B737 callsign "
                                   "NAF01 squawk 1234 7975 ft 111.2 km N at 2025-05-16 "
                                   "09:30:00 UTC")
    # South-west of the receiver, nothing known beyond what it sends, no receiver set:
    # no distance, no database line.
    bare = facts_of(sighting(0x3C6444, None, None, (51.5, 3.2)))
    assert body(bare).splitlines() == ["Sighting of 3C6444", "callsign NAF01, squawk 1234, "
                                       "7975 ft", "2025-05-16 09:30:00 UTC"]
    placed = facts_of(sighting(0x3C6444, None, None, (51.5, 3.2)), receiver=(52.0, 4.0))
    assert body(placed).splitlines()[2].split(" of ")[0].endswith(" km SW")


# ------------------------------------------------------------------ secrets


@pytest.mark.parametrize("url, shown, secrets", [
    ("tgram://123456:BOTTOKENabc/987654321", "tgram://****:****/987654321",
     ["123456", "BOTTOKENabc"]),
    ("pover://userkey1234@apptoken5678", "pover://****@****", ["userkey1234", "apptoken5678"]),
    ("mailtos://alice:pa55word@mail.example.org", "mailtos://****:****@mail.example.org",
     ["alice", "pa55word"]),
    ("mqtt://watcher:s3cret@127.0.0.1:1883/adsbwatch/alerts",
     "mqtt://****:****@127.0.0.1:1883/adsbwatch/alerts", ["watcher", "s3cret"]),
    ("json://hook:t0ken@127.0.0.1:8080/path", "json://****:****@127.0.0.1:8080/path",
     ["hook", "t0ken"]),
    ("ntfy://ntfy.sh/my-topic", "ntfy://ntfy.sh/my-topic", []),
])
def test_urls_are_shown_without_their_secrets(url: str, shown: str,
                                              secrets: list[str]) -> None:
    target = notify_target(url)
    assert target.shown == shown
    said = target.redact(f"error sending to {url}: refused by {' '.join(secrets)}")
    assert not any(secret in said for secret in secrets), said
    assert said.startswith(f"error sending to {shown}: refused by")


# ------------------------------------------------------------------ the rate limit


def test_the_window_lets_limit_messages_through_per_span() -> None:
    window = SendWindow(limit=3, span_s=60.0)
    for t in (0.0, 10.0, 20.0):
        assert window.free(t) > 0
        window.note(t)
    assert (window.free(30.0), window.wait_s(30.0)) == (0, 30.0)
    assert (window.free(60.0), window.wait_s(60.0)) == (1, 0.0)  # the first one left it


def test_a_flood_is_a_few_messages_and_a_summary(webhook: Webhook) -> None:  # noqa: F811
    target = notify_target(f"json://127.0.0.1:{webhook.port}/hook")
    all_offered = threading.Event()

    def sender_of(target):  # the real sender, its first send held until all are offered
        send = AppriseSender(target)

        def held_send(title: str, text: str) -> str | None:
            all_offered.wait(30)
            return send(title, text)

        return held_send

    push = PushAlerts([target], sender_of=sender_of)
    flood = [0x4CA000 + i for i in range(50)]
    for icao in flood:
        push.on_sighting(sighting(icao, label=None))
    all_offered.set()
    posts = webhook.wait(5)
    titles = [post["title"] for _, post in posts]
    # The window's five messages: the first four sightings on their own, then one
    # summary of the 46 others.
    assert titles == [f"{icao:06X} NAF01: a watched aircraft" for icao in flood[:4]] + [
        "adsbwatch: 46 more sightings"]
    listed = ", ".join(f"{icao:06X} NAF01" for icao in flood[4:34])
    assert posts[4][1]["message"] == f"and 46 more sightings: {listed}, ..."
    # The window is full: one more waits, and goes at the end.
    push.on_sighting(sighting(0x3C6444, label="late"))
    push.close()
    posts = webhook.wait(6)
    assert [post["title"] for _, post in posts[5:]] == ["3C6444 NAF01: late"]
    worker = push.workers[0]
    assert (worker.messages_sent, worker.sightings_sent, worker.lost) == (6, 51, 0)


# ------------------------------------------------------------------ failures


class Flaky:
    """A service that fails `failures` times, then takes every message."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[str] = []

    def __call__(self, title: str, text: str) -> str | None:
        self.calls.append(title)
        if len(self.calls) <= self.failures:
            return "refused by s3cret@127.0.0.1"
        return None


def test_a_failing_service_is_one_line_until_it_works_again() -> None:
    target = notify_target("json://user:s3cret@127.0.0.1:9/hook")
    said: list[str] = []
    service = Flaky(failures=7)  # the first message's 3 tries, then the second's 3
    worker = TargetWorker(target, service, said.append, max_tries=3, first_retry_s=0.001)
    for icao in (0x484506, 0x3C6444, 0x4CA1FA):
        worker.offer(facts_of(sighting(icao)))
    deadline = time.monotonic() + 30
    while worker.lost + worker.sightings_sent < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop_taking()
    assert worker.finish(time.monotonic() + 30)
    assert len(service.calls) == 8
    assert worker.lost == 2 and worker.sightings_sent == 1
    shown = "json://****:****@127.0.0.1:9/hook"
    assert said == [
        f"--notify {shown}: could not send the sighting of 484506 (tried 3 times: refused "
        "by ****@127.0.0.1); later alerts are tried too, and a line says when one goes",
        f"--notify {shown}: sending again (2 sightings could not be sent while it failed)",
    ]


def test_a_hung_service_never_holds_up_the_station_nor_its_end() -> None:
    release = threading.Event()

    def hung(title: str, text: str) -> str | None:
        release.wait(60)
        return None

    said: list[str] = []
    target = notify_target("json://127.0.0.1:9/hook")
    push = PushAlerts([target], said.append, sender_of=lambda _: hung, close_wait_s=0.2)
    offered = threading.Thread(target=lambda: [push.on_sighting(sighting(0x400000 + i))
                                               for i in range(500)])
    offered.start()
    offered.join(30)
    assert not offered.is_alive()  # 500 sightings handed over while the service hangs
    push.close()
    release.set()
    assert said == ["--notify json://127.0.0.1:9/hook: the run ended before 500 sightings "
                    "were sent (the service did not answer in time)"]


def test_a_summary_names_each_aircraft_as_it_can() -> None:
    from adsbwatch.receiver.outputs.sighting_text import SightingFacts, summary_body

    held = [SightingFacts("484506", "Dutch government", T0, callsign="NAF01"),
            SightingFacts("3C6444", None, T0, registration="D-AIXA"),
            SightingFacts("4CA1FA", None, T0)]
    assert summary_body(held, unlisted=2) == (
        "and 5 more sightings: 484506 NAF01 (Dutch government), 3C6444 D-AIXA, 4CA1FA, ...")
