#!/usr/bin/env python
"""SES events through SQS: events per second consumed, against the webhook's rate.

    python bench/sqs_consume.py [--events 2000] [--rounds 3]

Runs in this process on SQLite in memory against the package's local SES
(moto's SQS behind it): ``--events`` signed SNS Delivery envelopes are written
to a queue and consumed with ``manage.py ses_events_consume --once`` (batches
of 10, deleted in batches), then the same number of fresh envelopes are POSTed
to the webhook through Django's test client. Both verify the signature (the
certificate served through ``responses``, fetched once and cached) and record
each MessageId once. Prints medians of ``--rounds``: events per second end to
end (dominated by moto's SQS, whose ReceiveMessage slows down as the queue
grows), the consumer's own handling of the same bodies without SQS I/O, and
the webhook's rate. Not part of the test suite; the peers have no SQS
consumer to compare with.
"""

from __future__ import annotations

import argparse
import io
import json
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
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import boto3
    import django
    import responses

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from django_ses.models import SNSNotification
    from django_ses.sqs.handling import handle_body
    from django_ses.testing import LocalSES
    from django_ses.testing.sns import shared_signer
    from django_ses.webhook.views import SESEventWebhookView

    setup_test_environment()
    call_command("migrate", verbosity=0)
    local = LocalSES()
    local.start()
    for name, value in local.environment().items():
        os.environ[name] = value
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=local.url)
    signer = shared_signer()
    record = json.loads((ROOT / "tests/fixtures/ses_events/delivery.json").read_text())
    client = Client()
    rates: dict[str, list[float]] = {"sqs": [], "handling": [], "webhook": []}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        signer.serve_certificate(mock)
        for _ in range(args.rounds):
            SNSNotification.objects.all().delete()
            queue = sqs.create_queue(QueueName="bench-ses-events")["QueueUrl"]
            sqs.purge_queue(QueueUrl=queue)
            bodies = [json.dumps(signer.notification(record)) for _ in range(args.events)]
            for start in range(0, len(bodies), 10):
                sqs.send_message_batch(
                    QueueUrl=queue,
                    Entries=[
                        {"Id": str(i), "MessageBody": body}
                        for i, body in enumerate(bodies[start : start + 10])
                    ],
                )
            began = time.perf_counter()
            call_command("ses_events_consume", "--queue-url", queue, "--once", stdout=io.StringIO())
            rates["sqs"].append(args.events / (time.perf_counter() - began))
            assert SNSNotification.objects.count() == args.events
            fresh = [json.dumps(signer.notification(record)) for _ in range(args.events)]
            began = time.perf_counter()
            for body in fresh:
                handle_body(body, view_class=SESEventWebhookView, allow_raw=False)
            rates["handling"].append(args.events / (time.perf_counter() - began))
            posts = [json.dumps(signer.notification(record)) for _ in range(args.events)]
            began = time.perf_counter()
            for body in posts:
                response = client.post("/ses/event-webhook/", data=body, content_type="text/plain")
                assert response.status_code == 200, response.content
            rates["webhook"].append(args.events / (time.perf_counter() - began))
    local.stop()
    sqs_rate = statistics.median(rates["sqs"])
    handling_rate = statistics.median(rates["handling"])
    webhook_rate = statistics.median(rates["webhook"])
    print(f"{args.events} verified Delivery events, medians of {args.rounds} rounds (SQLite)")
    print(f"SQS consumer, end to end (moto's SQS):  {sqs_rate:,.0f} events/s")
    print(f"SQS consumer, handling without SQS I/O: {handling_rate:,.0f} events/s")
    print(f"webhook (Django test client):           {webhook_rate:,.0f} events/s")
    print(f"handling / webhook: {handling_rate / webhook_rate:.2f}x")


if __name__ == "__main__":
    main()
