"""Child process of bench/throughput.py: one implementation, one workload, JSON out.

    python bench/_throughput_worker.py --impl ours|django-ses|anymail --url STUB_URL
        --workload batch|send_mail|accuracy|memory [--messages N] [--recipients R]
        [--sizes 1,2,3] [--v2] [--throttle 0.5|none] [--attachment-kib 20]

Runs under whichever interpreter started it (our venv or a peer's), so it
imports nothing from this repository. It warms up (5 messages), resets the
stub's counts (``POST /_stub/reset``), runs the timed phase and prints one
JSON object: wall seconds, this process's CPU seconds, peak RSS.

Workloads:

* ``batch``: one ``get_connection().send_messages()`` of ``--messages``
  messages (text + HTML + an attachment of ``--attachment-kib`` KiB);
* ``send_mail``: ``--messages`` separate ``send_mail()`` calls;
* ``accuracy``: one batch whose messages have recipients drawn from
  ``--sizes`` (seeded, so every implementation gets the same sequence);
* ``memory``: one batch of ``--messages`` messages that share one attachment
  of ``--attachment-kib`` KiB, for the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
import urllib.request
from importlib import metadata
from typing import Any

SENDER = "Shop <sender@example.com>"


def configure(args: argparse.Namespace) -> str:
    import django
    from django.conf import settings

    common: dict[str, Any] = {
        "USE_TZ": True,
        "DEFAULT_FROM_EMAIL": SENDER,
        "INSTALLED_APPS": [],
        "DATABASES": {},
    }
    throttle = None if args.throttle == "none" else float(args.throttle)
    if args.impl in ("ours", "django-ses"):
        settings.configure(
            **common,
            EMAIL_BACKEND="django_ses.SESBackend",
            AWS_SES_REGION_ENDPOINT_URL=args.url,
            AWS_SES_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SES_AUTO_THROTTLE=throttle,
            USE_SES_V2=args.v2,
        )
        distribution = "django-ses"
    else:
        settings.configure(
            **common,
            EMAIL_BACKEND="anymail.backends.amazon_ses.EmailBackend",
            ANYMAIL={
                "AMAZON_SES_CLIENT_PARAMS": {
                    "endpoint_url": args.url,
                    "region_name": "us-east-1",
                    "aws_access_key_id": "testing",
                    "aws_secret_access_key": "testing",
                },
            },
        )
        distribution = "django-anymail"
    django.setup()
    return distribution


def build(count: int, sizes: list[int], attachment: bytes | None, tag: str) -> list[Any]:
    from django.core.mail import EmailMultiAlternatives

    messages = []
    for i in range(count):
        size = sizes[i % len(sizes)]
        message = EmailMultiAlternatives(
            subject=f"[{tag}] Order {i} confirmed",
            body="Hello,\n\nyour order is confirmed.\n" * 5,
            from_email=SENDER,
            to=[f"customer{i}.{k}@example.net" for k in range(size)],
        )
        message.attach_alternative("<p>Hello, your order is <b>confirmed</b>.</p>", "text/html")
        if attachment is not None:
            message.attach("receipt.bin", attachment, "application/octet-stream")
        messages.append(message)
    return messages


def run(args: argparse.Namespace, messages: list[Any]) -> int:
    from django.core.mail import get_connection, send_mail

    if args.workload == "send_mail":
        sent = 0
        for message in messages:
            sent += send_mail(
                message.subject, message.body, SENDER, message.to, fail_silently=False
            )
        return sent
    connection = get_connection(fail_silently=False)
    if args.workload != "accuracy":
        return connection.send_messages(messages) or 0
    # Accuracy: a peer throttled past botocore's retries raises; the stub counts what
    # was accepted until then, and the result says it raised.
    try:
        return connection.send_messages(messages) or 0
    except Exception as error:
        args.raised = f"{type(error).__name__}: {error}"[:200]
        return 0


def max_rss_kib() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--recipients", type=int, default=1)
    parser.add_argument("--sizes", default="")
    parser.add_argument("--v2", action="store_true")
    parser.add_argument("--throttle", default="0.5")
    parser.add_argument("--attachment-kib", type=int, default=20)
    args = parser.parse_args()

    distribution = configure(args)
    module = __import__(
        "anymail.backends.amazon_ses" if args.impl == "anymail" else "django_ses", fromlist=["_"]
    )
    if args.sizes:  # recipients drawn from the list, seeded: the same sequence for all
        choices = [int(s) for s in args.sizes.split(",")]
        rng = random.Random(args.sizes)
        sizes = [rng.choice(choices) for _ in range(args.messages)]
    else:
        sizes = [args.recipients]
    attachment = (
        (b"0123456789abcdef" * 64 * args.attachment_kib)[: args.attachment_kib * 1024]
        if args.workload in ("batch", "memory")
        else None
    )

    run(args, build(5, [1], None, "warmup"))
    with urllib.request.urlopen(
        urllib.request.Request(args.url + "/_stub/reset", method="POST"), timeout=30
    ) as answer:
        answer.read()
    messages = build(args.messages, sizes, attachment, "timed")
    rss_before = max_rss_kib()
    began, cpu_began = time.perf_counter(), time.process_time()
    sent = run(args, messages)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(
        json.dumps(
            {
                "impl": args.impl,
                "module_file": os.path.abspath(module.__file__ or ""),
                "version": metadata.version(distribution),
                "sent": sent,
                "messages": args.messages,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "rss_before_kib": rss_before,
                "rss_peak_kib": max_rss_kib(),
                "raised": getattr(args, "raised", None),
            }
        )
    )


if __name__ == "__main__":
    main()
