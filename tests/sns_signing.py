"""Sign SNS messages exactly as Amazon SNS does, with a key made for the tests.

``SNSSigner`` holds a fresh RSA key and a self-signed certificate. ``sign()``
builds SNS's canonical string for the message type and signs it with
SHA1 (SignatureVersion 1) or SHA256 (SignatureVersion 2). ``serve_certificate()``
makes the certificate URL answer through the ``responses`` library, which only
replaces the HTTP call to the SNS certificate host.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ses-events"
CERT_URL = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
)


def canonical_string(message: dict[str, Any]) -> bytes:
    """SNS's string to sign: ``key\\nvalue\\n`` for each signed key that is present."""
    keys = NOTIFICATION_KEYS if message["Type"] == "Notification" else SUBSCRIPTION_KEYS
    parts = []
    for key in keys:
        if key in message and message[key] is not None:
            parts.append(f"{key}\n{message[key]}\n")
    return "".join(parts).encode("utf-8")


class SNSSigner:
    def __init__(self, cert_url: str = CERT_URL) -> None:
        self.cert_url = cert_url
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
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        """Return ``message`` with ``SignatureVersion``, ``Signature`` and ``SigningCertURL``."""
        signed = dict(message)
        signed["SignatureVersion"] = version
        signed["SigningCertURL"] = self.cert_url
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.key.sign(canonical_string(signed), padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode("ascii")
        return signed

    def notification(
        self,
        message: Any,
        *,
        topic_arn: str = TOPIC_ARN,
        subject: str | None = None,
        version: str = "1",
        message_id: str | None = None,
        timestamp: str | None = None,
    ) -> dict[str, Any]:
        """A signed ``Notification``; a dict ``message`` is JSON-encoded as SES does."""
        body: dict[str, Any] = {
            "Type": "Notification",
            "MessageId": message_id or str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Message": message if isinstance(message, str) else json.dumps(message),
            "Timestamp": timestamp or _now(),
            "UnsubscribeURL": (
                "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
                f"&SubscriptionArn={topic_arn}:{uuid.uuid4()}"
            ),
        }
        if subject is not None:
            body["Subject"] = subject
        return self.sign(body, version)

    def subscription_confirmation(
        self,
        *,
        topic_arn: str = TOPIC_ARN,
        message_type: str = "SubscriptionConfirmation",
        version: str = "1",
        token: str = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92",
    ) -> dict[str, Any]:
        region = topic_arn.split(":")[3]
        body = {
            "Type": message_type,
            "MessageId": str(uuid.uuid4()),
            "Token": token,
            "TopicArn": topic_arn,
            "Message": f"You have chosen to subscribe to the topic {topic_arn}.",
            "SubscribeURL": (
                f"https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription"
                f"&TopicArn={topic_arn}&Token={token}"
            ),
            "Timestamp": _now(),
        }
        return self.sign(body, version)

    def serve_certificate(self, responses_mock: Any) -> None:
        """Answer GETs of the certificate URL with this signer's certificate."""
        responses_mock.add(
            responses_mock.GET,
            self.cert_url,
            body=self.cert_pem,
            status=200,
            content_type="application/x-pem-file",
        )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
