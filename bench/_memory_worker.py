"""Child process of bench/large_message_memory.py: one large message, one run, JSON out.

    python bench/_memory_worker.py --impl ours|django-ses|anymail --url URL
        --api v1|v2 --megabytes 20

Configures minimal Django settings for one backend pointed at the moto server
at URL (the v1 or v2 API), sends one small message (loads botocore's models,
opens the client), resets the kernel's high-water mark of resident memory
(``/proc/self/clear_refs``, Linux), then measures: the resident set size just
before the attachment is made, and the high-water mark (``VmHWM``) after one
``send_messages([message])`` of a message with a text body and one binary
attachment of ``--megabytes`` MiB (random bytes, so base64 in the MIME). The
growth is reported as a multiple of the attachment's size: every copy a
backend keeps alive at once (the attachment, the MIME, the request body…)
counts. Runs under whichever interpreter started it (our venv, or a peer's
venv under bench/.venvs/), so it imports nothing from this repository.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from importlib import metadata
from typing import Any

SENDER = "Shop <sender@example.com>"


def configure(impl: str, url: str, api: str) -> str:
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
        settings.configure(
            **common,
            EMAIL_BACKEND="django_ses.SESBackend",
            AWS_SES_REGION_ENDPOINT_URL=url,
            AWS_SES_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SES_AUTO_THROTTLE=None,
            USE_SES_V2=api == "v2",
        )
        distribution = "django-ses"
    elif impl == "anymail":
        if api != "v2":
            raise SystemExit("anymail sends with the SES v2 API only")
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


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_high_water_mark() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the warm-up's peak does not count."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def message(size: int) -> Any:
    from django.core.mail import EmailMessage

    mail = EmailMessage(
        subject="Your report",
        body="Hello,\n\nthe report is attached.\n",
        from_email=SENDER,
        to=["customer@example.net"],
    )
    if size:
        mail.attach("report.pdf", os.urandom(size), "application/pdf")
    return mail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--api", choices=("v1", "v2"), required=True)
    parser.add_argument("--megabytes", type=float, required=True)
    args = parser.parse_args()

    distribution = configure(args.impl, args.url, args.api)
    module = __import__(
        "anymail.backends.amazon_ses" if args.impl == "anymail" else "django_ses", fromlist=["_"]
    )
    from django.core.mail import get_connection

    connection = get_connection(fail_silently=False)
    connection.send_messages([message(0)])  # warm-up: models, client, credentials

    size = int(args.megabytes * 1024 * 1024)
    gc.collect()
    reset_high_water_mark()
    before = status_kib("VmRSS")
    high_water_before = status_kib("VmHWM")
    mail = message(size)
    began = time.perf_counter()
    outcome = "sent"
    try:
        sent = connection.send_messages([mail])
        if not sent:
            outcome = "not sent"
    except Exception as error:  # the size refusal, or SES refusing
        outcome = f"refused: {type(error).__name__}"
    elapsed = time.perf_counter() - began
    peak = status_kib("VmHWM")
    result = {
        "impl": args.impl,
        "version": metadata.version(distribution),
        "module_file": os.path.abspath(module.__file__ or ""),
        "python": sys.version.split()[0],
        "api": args.api,
        "attachment_bytes": size,
        "outcome": outcome,
        "seconds": elapsed,
        "rss_before_kib": before,
        "high_water_before_kib": high_water_before,
        "rss_peak_kib": peak,
        "growth_ratio": (peak - before) * 1024 / size,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
