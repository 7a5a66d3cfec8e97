#!/usr/bin/env python
"""What SESBackend adds per message, against a local SES (moto's server).

    python bench/send_throughput.py [--messages 300]

Sends the same messages (text + HTML alternative + a small attachment) four
ways and prints the time per message:

* Django's ``locmem`` backend: renders each message, sends nothing (the cost
  of building the MIME, the floor for any backend);
* bare boto3 ``send_raw_email`` of ``message.message().as_bytes()`` (the
  floor for any SES backend: rendering + one API call);
* ``django_ses.SESBackend`` (v1, throttling off);
* ``django_ses.SESBackend`` with manual DKIM signing (a 2048-bit key).

The ratios say how much our backend adds over the bare API call, measured in
units of what Django's own backend spends building the same message. Not part
of the test suite. Needs the development extra (moto[server], cryptography,
dkimpy).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def build_messages(count: int) -> list:  # type: ignore[type-arg]
    from django.core.mail import EmailMultiAlternatives

    messages = []
    for i in range(count):
        message = EmailMultiAlternatives(
            subject=f"Order {i} confirmed",
            body=f"Hello,\n\nyour order {i} is confirmed.\n" * 5,
            from_email="Shop <sender@example.com>",
            to=[f"customer{i}@example.net"],
            cc=["orders@example.com"],
        )
        message.attach_alternative(
            f"<p>Hello, your order <b>{i}</b> is confirmed.</p>", "text/html"
        )
        message.attach("receipt.txt", f"receipt {i}\n" * 20, "text/plain")
        messages.append(message)
    return messages


def timed(label: str, count: int, run: Callable[[list], None]) -> float:  # type: ignore[type-arg]
    messages = build_messages(count)
    began = time.perf_counter()
    run(messages)
    per_message = (time.perf_counter() - began) / count
    print(f"  {label:<34} {per_message * 1000:7.3f} ms/message")
    return per_message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    count = args.messages

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"

    import django
    from django.conf import settings

    settings.configure(
        AWS_SES_REGION_ENDPOINT_URL=url,
        AWS_SES_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SES_AUTO_THROTTLE=None,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        USE_TZ=True,
    )
    django.setup()

    import boto3
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.core.mail.backends.locmem import EmailBackend

    from django_ses import SESBackend

    client = boto3.client("ses", region_name="us-east-1", endpoint_url=url)
    client.verify_domain_identity(Domain="example.com")
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        .decode()
    )

    def bare_boto3(messages: list) -> None:  # type: ignore[type-arg]
        for message in messages:
            client.send_raw_email(
                Source=message.from_email,
                Destinations=message.recipients(),
                RawMessage={"Data": message.message().as_bytes()},
            )

    # Warm up: the first call of each kind loads botocore models and opens connections.
    bare_boto3(build_messages(5))
    SESBackend().send_messages(build_messages(5))

    print(f"{count} messages, local moto server at {url}")
    try:
        locmem = timed("Django locmem (build only)", count, EmailBackend().send_messages)
        bare = timed("bare boto3 send_raw_email", count, bare_boto3)
        ours = timed("django_ses.SESBackend", count, SESBackend().send_messages)
        signed = timed(
            "django_ses.SESBackend + DKIM",
            count,
            SESBackend(dkim_domain="example.com", dkim_key=key).send_messages,
        )
    finally:
        server.stop()

    print()
    print(f"  SESBackend / bare boto3                {ours / bare:6.2f}")
    print(
        f"  added per message, in locmem builds    {(ours - bare) / locmem:6.2f}"
        f"   ({(ours - bare) * 1000:.3f} ms)"
    )
    print(
        f"  DKIM signing per message, in builds    {(signed - ours) / locmem:6.2f}"
        f"   ({(signed - ours) * 1000:.3f} ms)"
    )


if __name__ == "__main__":
    main()
