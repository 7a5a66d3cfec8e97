#!/usr/bin/env python
"""Bulk sending: 1,000 recipients in one templated message against 1,000 separate messages.

    python bench/bulk_sending.py [--recipients 1000] [--latency 0.05] [--rounds 3]

Runs in this process against the package's local SES (django_ses.testing),
with ``--latency`` seconds added to every send call (a round trip to SES) and
throttling off (the local SES's quota is not the subject). Prints, as medians
of ``--rounds``: API calls, wall seconds, recipients per second, for

* ``bulk``: one message naming a template, with per-recipient data, sent
  through ``SendBulkEmail`` (50 destinations per call);
* ``separate``: one raw message per recipient in one ``send_messages()``
  call (``AWS_SES_SEND_CONCURRENCY``, 8 by default, at once).

Not part of the test suite; the peers have no bulk API to compare with.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import boto3
    import django

    django.setup()
    from django.core.mail import EmailMessage
    from django.test.utils import override_settings

    from django_ses import SESBackend
    from django_ses.testing import LocalSES, Quota
    from django_ses.testing.session import fresh

    local = LocalSES(quota=Quota(max_send_rate=100_000, max_24_hour_send=10_000_000))
    local.start()
    for name, value in local.environment().items():
        os.environ[name] = value
    addresses = [f"user{i}@example.com" for i in range(args.recipients)]

    def delayed(operation: str) -> None:
        def answer(call):  # type: ignore[no-untyped-def]
            time.sleep(args.latency)
            return local.forward(call)

        local.respond("sesv2", operation, answer)

    def prepare() -> None:
        fresh(local)
        boto3.client("ses", region_name="us-east-1", endpoint_url=local.url).verify_domain_identity(
            Domain="example.com"
        )
        local.ses.templates.store["news"] = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}"}
        delayed("SendEmail")
        delayed("SendBulkEmail")

    def bulk() -> None:
        message = EmailMessage(from_email="news@example.com", to=addresses)
        message.ses_template = "news"  # type: ignore[attr-defined]
        message.ses_recipient_data = {a: {"name": a} for a in addresses}  # type: ignore[attr-defined]
        assert SESBackend(use_ses_v2=True).send_messages([message]) == 1

    def separate() -> None:
        messages = [EmailMessage("Hi", f"Hello {a}", "news@example.com", [a]) for a in addresses]
        assert SESBackend(use_ses_v2=True).send_messages(messages) == len(messages)

    results: dict[str, list[tuple[int, float]]] = {"bulk": [], "separate": []}
    with override_settings(AWS_SES_REGION_ENDPOINT_URL=local.url, AWS_SES_AUTO_THROTTLE=None):
        for _ in range(args.rounds):
            for name, run in (("bulk", bulk), ("separate", separate)):
                prepare()
                began = time.perf_counter()
                run()
                elapsed = time.perf_counter() - began
                calls = len(local.calls("sesv2", "SendBulkEmail")) + len(
                    local.calls("sesv2", "SendEmail")
                )
                assert len(local.sent_messages()) == args.recipients
                results[name].append((calls, elapsed))
    local.stop()

    print(
        f"{args.recipients} recipients, {args.latency * 1000:.0f} ms per call, "
        f"medians of {args.rounds} rounds"
    )
    print(f"{'mode':<10} {'API calls':>9} {'seconds':>8} {'recipients/s':>13}")
    rates = {}
    for name, runs in results.items():
        calls = int(statistics.median(c for c, _ in runs))
        seconds = statistics.median(e for _, e in runs)
        rates[name] = args.recipients / seconds
        print(f"{name:<10} {calls:>9} {seconds:>8.2f} {rates[name]:>13.0f}")
    print(f"bulk / separate: {rates['bulk'] / rates['separate']:.1f}x the recipients per second")


if __name__ == "__main__":
    main()
