"""Child process of bench/webhook_throughput.py: one webhook, one run, JSON out.

    python bench/_webhook_worker.py --impl ours|django-ses [--notifications 2000]
        [--database sqlite|postgres://…] [--no-verify] [--signature-version 1|2] [--receiver]
        [--profile N]

Configures a minimal Django project whose only URL is the implementation's
``SESEventWebhookView``, makes an RSA key and a self-signed certificate, and
puts the certificate in the implementation's certificate cache under an SNS
URL (``https://sns.us-east-1.amazonaws.com/…pem``): the one certificate this
process trusts exists only here, and no setting is changed to trust it. Then
it signs ``--notifications`` SES ``Delivery`` notifications as SNS does, POSTs
each once through Django's test client (the whole request cycle, no
middleware) and reports notifications/s and CPU ms per notification, then
posts a tenth of them again (redeliveries). Runs under whichever interpreter
started it (our venv, or a peer's venv under bench/.venvs/), so it imports
nothing from this repository. ``--profile N`` prints the N most expensive
functions of the timed phase (cProfile, cumulative) to stderr. ``--receiver``
connects a receiver that does nothing to ``delivery_received`` (both
implementations send it), as a project listening to deliveries would.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import sys
import time
import types
import uuid
from importlib import metadata
from typing import Any

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ses-events"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bench0000000000.pem"
SIGNED_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")


def configure(impl: str, database: str, verify: bool) -> None:
    import django
    from django.conf import settings

    if database == "sqlite":
        databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    else:
        # postgres://user@host:port/name
        rest = database.split("://", 1)[1]
        credentials, _, location = rest.rpartition("@")
        hostport, _, name = location.partition("/")
        host, _, port = hostport.partition(":")
        databases = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": name,
                "USER": credentials.split(":")[0] or "postgres",
                "HOST": host,
                "PORT": port or "5432",
            }
        }
    urls = types.ModuleType("_webhook_bench_urls")
    sys.modules[urls.__name__] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        USE_TZ=True,
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_ses"],
        MIDDLEWARE=[],
        DATABASES=databases,
        ROOT_URLCONF=urls.__name__,
        AWS_SES_VERIFY_EVENT_SIGNATURES=verify,
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.urls import path

    from django_ses.views import SESEventWebhookView

    urls.urlpatterns = [path("webhook/", SESEventWebhookView.as_view())]  # type: ignore[attr-defined]


class Signer:
    def __init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = dt.datetime.now(dt.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )

    def notification(self, version: str) -> dict[str, Any]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        ses_id = f"0100018{uuid.uuid4().hex}-000000"
        message = {
            "eventType": "Delivery",
            "mail": {
                "timestamp": now,
                "source": "sender@example.com",
                "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
                "sendingAccountId": "123456789012",
                "messageId": ses_id,
                "destination": ["customer@example.net"],
                "headersTruncated": False,
                "headers": [{"name": "Subject", "value": "Your order"}],
                "commonHeaders": {
                    "from": ["sender@example.com"],
                    "to": ["customer@example.net"],
                    "messageId": ses_id,
                    "subject": "Your order",
                },
                "tags": {"ses:configuration-set": ["events"]},
            },
            "delivery": {
                "timestamp": now,
                "processingTimeMillis": 812,
                "recipients": ["customer@example.net"],
                "smtpResponse": "250 2.0.0 OK",
                "reportingMTA": "a8-1.smtp-out.amazonses.com",
            },
        }
        body = {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": TOPIC_ARN,
            "Message": json.dumps(message),
            "Timestamp": now,
            "SignatureVersion": version,
            "SigningCertURL": CERT_URL,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
        to_sign = "".join(f"{k}\n{body[k]}\n" for k in SIGNED_KEYS if k in body).encode()
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.key.sign(to_sign, padding.PKCS1v15(), algorithm)
        body["Signature"] = base64.b64encode(signature).decode("ascii")
        return body


def trust_in_this_process(impl: str, certificate: Any) -> None:
    """Put ``certificate`` in the implementation's cache, as if fetched from CERT_URL."""
    if impl == "ours":
        from django_ses.sns import certificates

        certificates._cache.put(
            CERT_URL, certificates._CacheEntry(time.monotonic() + 3600, certificate=certificate)
        )
    else:
        from django_ses import utils

        utils._CERT_CACHE[CERT_URL] = certificate


def post_all(client: Any, notifications: list[dict[str, Any]]) -> list[int]:
    statuses = []
    for notification in notifications:
        response = client.post(
            "/webhook/",
            json.dumps(notification),
            content_type="text/plain; charset=UTF-8",
            HTTP_X_AMZ_SNS_MESSAGE_TYPE=notification["Type"],
            HTTP_X_AMZ_SNS_MESSAGE_ID=notification["MessageId"],
            HTTP_X_AMZ_SNS_TOPIC_ARN=notification["TopicArn"],
        )
        statuses.append(response.status_code)
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--signature-version", default="1", choices=("1", "2"))
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--receiver", action="store_true")
    args = parser.parse_args()

    configure(args.impl, args.database, verify=not args.no_verify)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    if args.receiver:
        from django_ses import signals

        received: list[int] = []
        signals.delivery_received.connect(
            lambda sender, **kwargs: received.append(1), weak=False, dispatch_uid="bench"
        )
    signer = Signer()
    trust_in_this_process(args.impl, signer.certificate)
    warm = [signer.notification(args.signature_version) for _ in range(args.warmup)]
    timed = [signer.notification(args.signature_version) for _ in range(args.notifications)]
    again = timed[: max(1, args.notifications // 10)]
    client = Client()
    post_all(client, warm)

    profiler = cProfile.Profile() if args.profile else None
    began, cpu_began = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    statuses = post_all(client, timed)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    began_again = time.perf_counter()
    statuses_again = post_all(client, again)
    elapsed_again = time.perf_counter() - began_again

    rows = None
    if args.impl == "ours":
        from django_ses.models import SNSNotification

        rows = SNSNotification.objects.filter(
            sns_message_id__in=[n["MessageId"] for n in timed]
        ).count()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue(), file=sys.stderr)
    distribution = "django-ses"
    result = {
        "impl": args.impl,
        "version": metadata.version(distribution),
        "module_file": os.path.abspath(sys.modules["django_ses"].__file__ or ""),
        "database": connection.vendor,
        "verify": not args.no_verify,
        "receiver": args.receiver,
        "signature_version": args.signature_version,
        "notifications": args.notifications,
        "ok": statuses.count(200),
        "redelivered_ok": statuses_again.count(200),
        "rows": rows,
        "per_s": args.notifications / elapsed,
        "cpu_ms": cpu * 1000 / args.notifications,
        "redelivered_per_s": len(again) / elapsed_again,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
