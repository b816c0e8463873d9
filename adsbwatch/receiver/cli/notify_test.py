"""`adsbwatch notify-test URL...`: a test message to each --notify URL, a line for each
(sent, or why not: its secrets masked); exit 1 if any failed, 2 if Apprise does not
understand one (nothing is sent then)."""

from __future__ import annotations

import argparse

from adsbwatch.receiver.cli.station_options import option_type
from adsbwatch.receiver.config import values


def cmd_notify_test(args: argparse.Namespace) -> int:
    from adsbwatch.receiver.outputs.notify.push import send_test
    from adsbwatch.receiver.outputs.notify.targets import notify_target

    targets = [notify_target(url) for url in args.url]
    failed = 0
    for target, reason in zip(targets, send_test(targets), strict=True):
        if reason is None:
            print(f"sent: {target.shown}", flush=True)
        else:
            failed += 1
            print(f"failed: {target.shown} ({reason})", flush=True)
    return 1 if failed else 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "notify-test", help="send a test message to --notify URLs (Apprise's)",
        description="Send a test message to each URL, as --notify would send a sighting.")
    parser.add_argument("url", nargs="+", metavar="URL", type=option_type(values.notify_url),
                        help="an Apprise URL: ntfy://ntfy.sh/TOPIC, tgram://BOTTOKEN/CHATID, "
                             "mqtt://HOST/TOPIC, json://HOST/PATH...")
    parser.set_defaults(handler=cmd_notify_test)
