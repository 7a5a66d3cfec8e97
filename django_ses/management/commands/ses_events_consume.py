"""``manage.py ses_events_consume``: handle SES events from Amazon SQS, as the webhook does.

Long-polls the queues (``--queue-url``, repeated, or ``AWS_SES_SQS_QUEUE_URLS``)
and handles each message exactly as the webhook handles an SNS POST: the same
signature check, topic allow-list, ledger (so an event delivered both over
HTTPS and through SQS fires once), hooks, signals and, with
``AWS_SES_EVENT_PROCESSING = "tasks"``, the same queued processing. See
:mod:`django_ses.sqs`.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_ses.aws.clients import settings_for_service, shared_client
from django_ses.checks.webhook import EVENTS_TAG
from django_ses.conf import get_setting
from django_ses.exceptions import ClassLoadError
from django_ses.management.commands._arguments import whole_number
from django_ses.management.commands._output import VerboseCommand, counted
from django_ses.sqs.consumer import ConsumerError, ConsumerSettings, EventConsumer
from django_ses.sqs.handling import Handled, Verdict, describe, event_view_class

# https://sqs.<region>.amazonaws.com/<account>/<name> (and the legacy <region>.queue form).
_REGION_IN_URL = re.compile(r"^https://(?:sqs\.)?([a-z0-9-]+)\.(?:queue\.)?amazonaws\.com(\.cn)?/")


def queue_region(queue_url: str) -> str | None:
    match = _REGION_IN_URL.match(queue_url)
    return match.group(1) if match and match.group(1) != "sqs" else None


class Command(VerboseCommand):
    help = (
        "Handle SES events from Amazon SQS queues subscribed to the SES events topic, "
        "as the webhook does. Stops on SIGTERM or SIGINT after the current batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-url",
            action="append",
            dest="queue_urls",
            metavar="URL",
            help="An SQS queue URL (repeat for several). Default: AWS_SES_SQS_QUEUE_URLS.",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Read until the queues are empty, then stop (for cron-style runs).",
        )
        parser.add_argument(
            "--max-messages",
            type=whole_number(1),
            help="Stop after handling this many messages.",
        )
        parser.add_argument(
            "--wait",
            type=whole_number(0, 20),
            help="Long-polling wait in seconds (0-20). Default: AWS_SES_SQS_WAIT_SECONDS.",
        )
        parser.add_argument(
            "--visibility-timeout",
            type=whole_number(0, 43_200),
            help="Seconds a received message stays hidden. Default: the queue's own.",
        )

    def check(self, *args: Any, **kwargs: Any) -> None:
        """Django's checks, then the deployment checks about receiving events (W032)."""
        super().check(*args, **kwargs)
        super().check(tags=[EVENTS_TAG], include_deployment_checks=True)

    def handle(self, *args: Any, **options: Any) -> None:
        urls = list(options["queue_urls"] or get_setting("AWS_SES_SQS_QUEUE_URLS") or ())
        if not urls:
            raise CommandError("Give --queue-url, or set AWS_SES_SQS_QUEUE_URLS.")
        bad = [
            u for u in urls if not isinstance(u, str) or not u.startswith(("https://", "http://"))
        ]
        if bad:
            listed = ", ".join(map(repr, bad))
            raise CommandError(
                f"{'Not an SQS queue URL' if len(bad) == 1 else 'Not SQS queue URLs'}: {listed}."
            )
        try:
            view_class = event_view_class(get_setting("AWS_SES_SQS_EVENT_VIEW") or "")
        except ClassLoadError as error:
            raise CommandError(str(error)) from error
        wait = options["wait"]
        consumer = EventConsumer(
            client=self._client(urls[0]),
            settings=ConsumerSettings(
                queue_urls=urls,
                view_class=view_class,
                wait_seconds=get_setting("AWS_SES_SQS_WAIT_SECONDS") if wait is None else wait,
                visibility_timeout=options["visibility_timeout"]
                if options["visibility_timeout"] is not None
                else get_setting("AWS_SES_SQS_VISIBILITY_TIMEOUT"),
                allow_raw=bool(get_setting("AWS_SES_SQS_RAW_DELIVERY")),
                max_messages=options["max_messages"],
                once=options["once"],
            ),
            on_handled=self._report,
        )
        self.say(
            f"Reading SES events from {counted(len(urls), 'queue', 'queues')}: {', '.join(urls)}",
            level=2,
        )
        with _stop_on_signals(consumer):
            try:
                counts = consumer.run()
            except ConsumerError as error:
                raise CommandError(str(error)) from error
        summary = ", ".join(f"{counts[v.value]} {v.value}" for v in Verdict)
        received = counted(counts["received"], "message", "messages")
        self.say(f"{received} received: {summary}; {counts['deleted']} deleted.")

    def _client(self, queue_url: str) -> Any:
        region = (
            get_setting("AWS_SES_SQS_REGION")
            or queue_region(queue_url)
            or get_setting("AWS_SES_REGION_NAME")
        )
        try:
            return shared_client(settings_for_service("sqs", region))
        except Exception as error:  # bad credentials settings, an unknown profile
            raise CommandError(f"Could not build the SQS client: {error}") from error

    def _report(self, queue_url: str, handled: Handled) -> None:
        self.say(describe(handled), level=2)


@contextmanager
def _stop_on_signals(consumer: EventConsumer) -> Iterator[None]:
    """SIGTERM and SIGINT stop the consumer after its current batch (main thread only)."""
    previous: dict[Any, Any] = {}
    try:
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, lambda *_: consumer.stop())
    except ValueError:  # not the main thread: signals are the caller's business
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
