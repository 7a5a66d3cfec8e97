"""Child process of bench/peers.py: one implementation, one run, JSON out.

    python bench/_peer_worker.py --impl ours|django-ses|anymail --url URL
        [--messages 300] [--recipients 1] [--batch 50] [--warmup 5]

Configures minimal Django settings for one backend pointed at the moto server
at URL, sends the workload through ``django.core.mail.get_connection()`` and
prints one JSON object on the last line of stdout. Runs under whichever
interpreter started it (our venv, or a peer's venv under bench/.venvs/), so it
imports nothing from this repository.

Phases, in order: a warm-up (loads botocore models, opens a connection), the
timed phase (no tracing; wall clock and this process's CPU time, which leaves
out the time spent waiting for moto), then two more passes of the same
messages under tracemalloc (tracing slows Python down, so they are never
timed): one exactly like the timed phase, one over a single connection opened
before tracing starts (the batches alone, without per-connection set-up).
Each batch of the timed phase goes through a new
``get_connection().send_messages(batch)``, as ``send_mail()`` (batch 1) and
``send_mass_mail()`` do. Peak RSS is the process high-water mark after the
timed phase, beside the mark after imports and warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from importlib import metadata
from typing import Any

SENDER = "Shop <sender@example.com>"
BCC = "audit-bcc@example.org"


def configure(impl: str, url: str) -> str:
    """Configure Django for ``impl``; return the distribution name to report."""
    import django
    from django.conf import settings

    common: dict[str, Any] = {
        "USE_TZ": True,
        "DEFAULT_FROM_EMAIL": SENDER,
        "INSTALLED_APPS": [],
        "DATABASES": {},
    }
    if impl in ("ours", "django-ses"):
        # Same settings for both: the published package reads these too.
        settings.configure(
            **common,
            EMAIL_BACKEND="django_ses.SESBackend",
            AWS_SES_REGION_ENDPOINT_URL=url,
            AWS_SES_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SES_AUTO_THROTTLE=None,
        )
        distribution = "django-ses"
    elif impl == "anymail":
        settings.configure(
            **common,
            EMAIL_BACKEND="anymail.backends.amazon_ses.EmailBackend",
            ANYMAIL={
                "AMAZON_SES_CLIENT_PARAMS": {
                    "endpoint_url": url,
                    "region_name": "us-east-1",
                    "aws_access_key_id": "testing",
                    "aws_secret_access_key": "testing",
                },
            },
        )
        distribution = "django-anymail"
    else:
        raise SystemExit(f"unknown implementation {impl!r}")
    django.setup()
    return distribution


def build_messages(count: int, recipients: int, tag: str) -> list[Any]:
    from django.core.mail import EmailMultiAlternatives

    messages = []
    for i in range(count):
        message = EmailMultiAlternatives(
            subject=f"[{tag}] Order {i} confirmed",
            body="Hello,\n\nyour order is confirmed.\n" * 5,
            from_email=SENDER,
            to=[f"customer{i}.{k}@example.net" for k in range(recipients)],
            bcc=[BCC],
        )
        message.attach_alternative("<p>Hello, your order is <b>confirmed</b>.</p>", "text/html")
        message.attach("receipt.txt", "receipt line\n" * 20, "text/plain")
        messages.append(message)
    return messages


def send(messages: list[Any], batch: int, *, trace: str = "") -> tuple[int, int]:
    """Send in batches; return (sent, tracemalloc peak or 0).

    Default and ``trace="all"``: each batch through a new
    ``get_connection().send_messages(batch)``, as ``send_mail()`` (batch 1) and
    ``send_mass_mail()`` do; the backend opens and closes its connection itself.
    ``trace="batches"``: one connection opened before tracing starts and reused
    for every batch, so the peak leaves out per-connection set-up.
    """
    from django.core.mail import get_connection

    sent = 0
    batches = [messages[i : i + batch] for i in range(0, len(messages), batch)]
    if trace != "batches":
        if trace:
            tracemalloc.start()
        for chunk in batches:
            sent += get_connection(fail_silently=False).send_messages(chunk) or 0
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        return sent, peak
    connection = get_connection(fail_silently=False)
    connection.open()
    tracemalloc.start()
    try:
        for chunk in batches:
            sent += connection.send_messages(chunk) or 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        connection.close()
    return sent, peak


def max_rss_kib() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--recipients", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    distribution = configure(args.impl, args.url)
    import django
    from botocore.compat import HAS_CRT

    module = __import__(
        "anymail.backends.amazon_ses" if args.impl == "anymail" else "django_ses",
        fromlist=["_"],
    )

    warm = build_messages(args.warmup, args.recipients, "warmup")
    warm_sent, _ = send(warm, args.batch)
    rss_before = max_rss_kib()

    timed = build_messages(args.messages, args.recipients, "timed")
    began, cpu_began = time.perf_counter(), time.process_time()
    timed_sent, _ = send(timed, args.batch)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    rss_peak = max_rss_kib()

    traced = build_messages(args.messages, args.recipients, "traced-all")
    open_sent, open_peak = send(traced, args.batch, trace="all")
    traced = build_messages(args.messages, args.recipients, "traced-batches")
    send_sent, send_peak = send(traced, args.batch, trace="batches")

    result = {
        "impl": args.impl,
        "module_file": os.path.abspath(module.__file__ or ""),
        "version": metadata.version(distribution),
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "botocore_crt": HAS_CRT,
        "sent_reported": [warm_sent, timed_sent, open_sent, send_sent],
        "seconds": elapsed,
        "messages_per_s": args.messages / elapsed,
        "ms_per_message": elapsed * 1000 / args.messages,
        "cpu_ms_per_message": cpu * 1000 / args.messages,
        "rss_before_kib": rss_before,
        "rss_peak_kib": rss_peak,
        "tracemalloc_open_bytes": open_peak,
        "tracemalloc_send_bytes": send_peak,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
