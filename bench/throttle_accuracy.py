#!/usr/bin/env python
"""How closely auto-throttle tracks its target rate, measured at a local SES.

    python bench/throttle_accuracy.py [--rate 20] [--seconds 3] [--threads 4]

Starts moto's server behind the test suite's recording proxy (tests/aws.py) on
127.0.0.1, sends through ``django_ses.SESBackend`` with a fixed rate (the
``get_rate_limit()`` hook) from several threads, and prints, from the arrival
times the server recorded:

* achieved rate / target rate (the limiter plans a 10% margin for network
  delays, so about 0.91 is the ideal);
* the most recipients in any one-second window / target rate (must be <= 1);
* the spread of the gaps between sends (even spacing means a small spread).

Scenarios: single-recipient messages, and a mix of 1-5 recipients. Not part of
the test suite. Needs the development extra (moto[server]).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from tests.aws import LocalAWS  # noqa: E402


def most_in_any_window(sends: list[tuple[float, int]], window: float = 1.0) -> int:
    best = 0
    j = 0
    total = 0
    for i in range(len(sends)):
        while j < len(sends) and sends[j][0] < sends[i][0] + window:
            total += sends[j][1]
            j += 1
        best = max(best, total)
        total -= sends[i][1]
    return best


def run(
    aws: LocalAWS, rate: float, seconds: float, threads: int, sizes: list[int], label: str
) -> None:
    import boto3
    from django.core.mail import EmailMessage

    from django_ses import SESBackend
    from django_ses.sending.throttle import reset_rate_limiters

    aws.reset()
    reset_rate_limiters()

    boto3.client("ses", endpoint_url=aws.url).verify_domain_identity(Domain="example.com")

    class FixedRate(SESBackend):
        def get_rate_limit(self) -> float:
            return rate

    rng = random.Random(label)
    budget = int(rate * seconds)
    plan: list[int] = []
    while sum(plan) < budget:
        plan.append(rng.choice(sizes))
    shares = [plan[i::threads] for i in range(threads)]

    def send(share: list[int]) -> None:
        backend = FixedRate(aws_auto_throttle=1.0)
        batch = [
            EmailMessage(
                subject="bench",
                body="throttle accuracy",
                from_email="sender@example.com",
                to=[f"u{n}.{k}@example.net" for k in range(size)],
            )
            for n, size in enumerate(share)
        ]
        for message in batch:
            backend.send_messages([message])

    began = time.monotonic()
    workers = [threading.Thread(target=send, args=(share,)) for share in shares]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.monotonic() - began

    from tests.ses_wire import v1_destinations

    calls = aws.calls("ses", "SendRawEmail")
    sends = sorted((c.received_at, len(v1_destinations(c))) for c in calls)
    recipients = sum(n for _, n in sends)
    span = sends[-1][0] - sends[0][0]
    # Achieved rate over the span between first and last send (the last send's
    # recipients are outside it: they start the next interval).
    achieved = (recipients - sends[-1][1]) / span if span else float("inf")
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(sends)]
    print(f"\n{label}: target {rate:g} recipients/s, {len(sends)} sends, {recipients} recipients")
    print(f"  wall time                        {wall:6.2f} s")
    print(f"  achieved / target rate           {achieved / rate:6.3f}")
    print(f"  max in any 1 s window / target   {most_in_any_window(sends) / rate:6.3f}")
    if len(gaps) > 1:
        print(
            f"  gap between sends: median {statistics.median(gaps) * 1000:6.1f} ms, "
            f"stdev {statistics.pstdev(gaps) * 1000:5.1f} ms "
            f"(ideal for 1 recipient: {1000 / rate:.1f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="recipients per second")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each scenario")
    parser.add_argument("--threads", type=int, default=4, help="sending threads")
    args = parser.parse_args()

    import django
    from django.conf import settings

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    aws = LocalAWS()
    aws.start()
    settings.configure(
        AWS_SES_REGION_ENDPOINT_URL=aws.url,
        AWS_SES_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        DEFAULT_FROM_EMAIL="sender@example.com",
        USE_TZ=True,
    )
    django.setup()
    try:
        run(aws, args.rate, args.seconds, args.threads, [1], "single-recipient messages")
        run(aws, args.rate, args.seconds, args.threads, [1, 1, 2, 3, 5], "1-5 recipients")
    finally:
        aws.stop()


if __name__ == "__main__":
    main()
