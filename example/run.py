#!/usr/bin/env python
"""Run the django_ses example against a local SES: no AWS account needed.

    python3 -m venv .venv
    .venv/bin/python -m pip install -e '.[dev]'
    .venv/bin/python example/run.py

This starts, in one process:

1. a local SES (``django_ses.testing.LocalSES``: moto plus what moto lacks) on
   127.0.0.1:8025 (``--local-ses-port``), with dummy credentials, that boto3
   and the example's settings point at; ``example/manage.py`` commands reach
   it too, through ``EXAMPLE_LOCAL_SES_URL``;
2. the example's database (example/db.sqlite3), migrated, with a demo superuser;
3. the local SES's setup: a verified sender domain, SNS topics subscribed to the
   example's webhook, a receipt rule for inbound mail, and SES's mailbox
   simulator (events for success@, bounce@, complaint@simulator.amazonses.com);
4. the example site on http://127.0.0.1:8000/ (``--port`` to change).

``--smoke`` runs everything on free ports, drives the pages (send, events,
inbound mail, dashboard), prints a summary and exits 0 when all went well.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

EXAMPLE_DIR = Path(__file__).resolve().parent
DEMO_USER = "admin"
DEMO_PASSWORD = "admin"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the django_ses example against a local SES (moto)."
    )
    parser.add_argument("--port", type=int, default=8000, help="port of the site (default 8000)")
    parser.add_argument(
        "--local-ses-port",
        type=int,
        default=8025,
        help="port of the local SES (default 8025, as EXAMPLE_LOCAL_SES_URL assumes)",
    )
    parser.add_argument(
        "--events-via",
        choices=["webhook", "sqs"],
        default="webhook",
        help="how SES events reach the project: SNS to the webhook (default), or SNS to an "
        "SQS queue read by manage.py ses_events_consume",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start on free ports, check that mail, events and inbound mail flow, then exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    try:
        import django  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as error:
        print(
            f"{error.name} is missing. Install the development extra first:\n"
            "    python -m pip install -e '.[dev]'",
            file=sys.stderr,
        )
        return 2
    # Ctrl+C stops the example even when started in the background (where the
    # shell ignores SIGINT), and so does SIGTERM from a process manager.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    # Everything talks over 127.0.0.1 (boto3 to moto, moto to the webhook): never via a proxy.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"]))
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="django_ses-example-") as folder:
            os.environ["EXAMPLE_DATABASE"] = str(Path(folder) / "smoke.sqlite3")
            return serve(port=0, local_ses_port=0, smoke=True, events_via=args.events_via)
    return serve(
        port=args.port, local_ses_port=args.local_ses_port, smoke=False, events_via=args.events_via
    )


def serve(*, port: int, local_ses_port: int, smoke: bool, events_via: str = "webhook") -> int:
    try:
        with contextlib.ExitStack() as running:
            return start_and_run(
                port=port,
                local_ses_port=local_ses_port,
                smoke=smoke,
                running=running,
                events_via=events_via,
            )
    except KeyboardInterrupt:
        print("\nStopped.")
        return 1 if smoke else 0


def start_and_run(
    *,
    port: int,
    local_ses_port: int,
    smoke: bool,
    running: contextlib.ExitStack,
    events_via: str = "webhook",
) -> int:
    """Start everything, registering each part's shutdown on ``running``."""
    import local_ses

    try:
        local = local_ses.start(local_ses_port)
    except OSError as error:
        print(
            f"Cannot listen on 127.0.0.1:{local_ses_port} for the local SES ({error}). "
            "Try --local-ses-port.",
            file=sys.stderr,
        )
        return 1
    running.callback(local_ses.stop)
    # The settings read it, and point boto3 at it (config/settings.py).
    os.environ["EXAMPLE_LOCAL_SES_URL"] = local.url
    # Always the example's settings, even when DJANGO_SETTINGS_MODULE says otherwise.
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()

    from devserver import BackgroundServer
    from django.conf import settings
    from django.urls import reverse
    from local_ses.provision import provision

    prepare_database()
    try:
        server = BackgroundServer("127.0.0.1", port)
    except OSError as error:
        print(f"Cannot listen on 127.0.0.1:{port} ({error}). Try --port.", file=sys.stderr)
        return 1
    # Unsubscribe links point at the address the site really listens on.
    settings.AWS_SES_UNSUBSCRIBE_BASE_URL = server.url
    provision(
        webhook_url=server.url + reverse("ses_events"),
        sender_domain=settings.EXAMPLE_SENDER_DOMAIN,
        events_topic_arn=settings.EXAMPLE_EVENTS_TOPIC_ARN,
        inbound_topic_arn=settings.EXAMPLE_INBOUND_TOPIC_ARN,
        inbound_address=settings.EXAMPLE_INBOUND_ADDRESS,
        inbound_s3_address=settings.EXAMPLE_INBOUND_S3_ADDRESS,
        inbound_bucket=settings.EXAMPLE_INBOUND_BUCKET,
        events_queue=events_via == "sqs",
    )
    if events_via == "sqs":
        start_sqs_consumer(running)
    # SES's mailbox simulator publishes every event to the events topic.
    local.ses.simulator.publish_to(settings.EXAMPLE_EVENTS_TOPIC_ARN)
    server.start()
    running.callback(server.stop)

    if smoke:
        from smoke import run_smoke

        return run_smoke(server.url, username=DEMO_USER, password=DEMO_PASSWORD)
    print_banner(server.url, local.url)
    threading.Event().wait()
    return 0


def start_sqs_consumer(running: contextlib.ExitStack) -> None:
    """``manage.py ses_events_consume`` in a thread, reading the events queue."""
    import boto3
    from django.conf import settings
    from django.core.management import call_command
    from local_ses.provision import EVENTS_QUEUE_NAME

    sqs = boto3.client("sqs", region_name=settings.AWS_SES_REGION_NAME)
    url = sqs.get_queue_url(QueueName=EVENTS_QUEUE_NAME)["QueueUrl"]
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set():
            call_command(
                "ses_events_consume", "--queue-url", url, "--wait", "1", "--once", verbosity=0
            )
            stop.wait(0.2)

    threading.Thread(target=consume, name="ses-events-consumer", daemon=True).start()
    running.callback(stop.set)
    print(f"SES events reach the project through SQS: {url}", flush=True)


def prepare_database() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_USER, defaults={"email": "admin@example.com"}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()


def print_banner(site: str, local_ses_url: str) -> None:
    from django.urls import reverse

    rows = [
        ("Site", "/"),
        ("Send a message", reverse("demo:send")),
        ("What SES received", reverse("demo:accepted")),
        ("Events", reverse("demo:events")),
        ("Inbound mail", reverse("demo:inbound")),
        ("Dashboard", reverse("django_ses_stats")),
        ("Admin", reverse("admin:index")),
        ("SNS webhook", reverse("ses_events")),
    ]
    print()
    print("django_ses example, running against a local SES: no AWS account, no real mail.")
    print()
    for label, path in rows:
        print(f"  {label + ':':<19} {site}{path}")
    print(f"  {'Local SES:':<19} {local_ses_url}")
    print()
    print("  example/manage.py commands use this local SES too (never AWS):")
    print(f"    EXAMPLE_LOCAL_SES_URL={local_ses_url} python example/manage.py get_ses_statistics")
    print("  (the variable is needed only when --local-ses-port moved it from 8025)")
    print()
    print(f"  Admin login:        user {DEMO_USER!r}, password {DEMO_PASSWORD!r}")
    print()
    print("SNS signature verification is OFF in this example only, because the local SES")
    print("cannot sign like Amazon (see example/config/settings.py). Never in production.")
    print()
    print("Press Ctrl+C to stop.", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
