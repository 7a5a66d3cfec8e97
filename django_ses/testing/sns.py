"""Post SNS messages to your webhook in tests, signed as Amazon SNS signs them.

:class:`SNSSigner` holds an RSA key made for the tests and a self-signed
certificate; ``sign()`` builds SNS's canonical string for the message type and
signs it with SHA1 (SignatureVersion 1) or SHA256 (SignatureVersion 2).

The webhook verifies signatures as in production: it fetches the signing
certificate from ``SigningCertURL`` (an ``https://sns.<region>.amazonaws.com``
URL). :func:`post_event` and :class:`SNSDelivery` answer that one fetch with
the local certificate, through the ``responses`` library, and only while they
post: outside them, the local certificate is trusted nowhere.

    from django_ses.testing.sns import post_event

    response = post_event(client, {"notificationType": "Bounce", ...},
                          topic_arn="arn:aws:sns:us-east-1:123456789012:ses-events")
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "CERT_URL",
    "TOPIC_ARN",
    "WEBHOOK_URL",
    "SNSDelivery",
    "SNSSigner",
    "canonical_string",
    "post_event",
    "shared_signer",
]

NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
# Amazon's order for confirmations: NOTIFICATION_KEYS without Subject, plus the two below.
SUBSCRIPTION_KEYS = tuple(sorted({*NOTIFICATION_KEYS} - {"Subject"} | {"SubscribeURL", "Token"}))

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
    def __init__(
        self,
        cert_url: str = CERT_URL,
        *,
        key: rsa.RSAPrivateKey | None = None,
        not_valid_before: dt.datetime | None = None,
        not_valid_after: dt.datetime | None = None,
    ) -> None:
        """``key`` reuses an RSA key (generating one takes a while); the validity
        window defaults to yesterday until a year from now."""
        self.cert_url = cert_url
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = dt.datetime.now(dt.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_valid_before or now - dt.timedelta(days=1))
            .not_valid_after(not_valid_after or now + dt.timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, message: dict[str, Any], version: str = "1") -> dict[str, Any]:
        """Return ``message`` with ``SignatureVersion``, ``Signature`` and ``SigningCertURL``."""
        signed = dict(message)
        signed["SignatureVersion"] = version
        signed["SigningCertURL"] = self.cert_url
        # SNS signs SignatureVersion 1 with SHA1.
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
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
        token: str = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92",  # noqa: S107
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


WEBHOOK_URL = "/ses/event-webhook/"


class SNSDelivery:
    """Delivers signed SNS messages to the webhook the way SNS does.

    ``responses_mock`` is an active ``responses.RequestsMock``: it serves the
    signer's certificate and refuses every other outgoing HTTP request.
    """

    def __init__(
        self,
        client: Any,
        responses_mock: Any,
        signer: SNSSigner,
        url: str = WEBHOOK_URL,
        *,
        serve_certificate: bool = True,
    ) -> None:
        self.client = client
        self.mock = responses_mock
        self.signer = signer
        self.url = url
        if serve_certificate:
            signer.serve_certificate(responses_mock)

    def post(self, body: Any, *, message_type: str | bool | None = None, **extra: Any) -> Any:
        """POST ``body`` (a dict is JSON-encoded) as SNS does: text/plain, with its headers.

        ``x-amz-sns-message-type`` is the body's Type unless ``message_type`` says
        otherwise (``False``: no ``x-amz-sns-*`` headers); ``x-amz-sns-message-id``
        and ``x-amz-sns-topic-arn`` repeat the body's, as SNS sends them.
        """
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if message_type is None and isinstance(body, dict):
            message_type = body.get("Type")
        headers = {}
        if isinstance(message_type, str):
            headers["HTTP_X_AMZ_SNS_MESSAGE_TYPE"] = message_type
            if isinstance(body, dict):
                headers["HTTP_X_AMZ_SNS_MESSAGE_ID"] = str(body.get("MessageId"))
                headers["HTTP_X_AMZ_SNS_TOPIC_ARN"] = str(body.get("TopicArn"))
        headers.update(extra)
        return self.client.post(
            self.url, data=data, content_type="text/plain; charset=utf-8", **headers
        )

    def notify(self, ses_record: Any, **kwargs: Any) -> Any:
        """Sign ``ses_record`` into a Notification and deliver it."""
        headers = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("HTTP_")}
        return self.post(self.signer.notification(ses_record, **kwargs), **headers)

    @property
    def certificate_fetches(self) -> int:
        return sum(1 for call in self.mock.calls if call.request.url == self.signer.cert_url)


_SHARED: SNSSigner | None = None


def shared_signer() -> SNSSigner:
    """One signer for the whole run: generating RSA keys is slow."""
    global _SHARED
    if _SHARED is None:
        _SHARED = SNSSigner()
    return _SHARED


def post_event(
    client: Any,
    ses_record: Any,
    *,
    url: str = WEBHOOK_URL,
    topic_arn: str = TOPIC_ARN,
    signer: SNSSigner | None = None,
    **kwargs: Any,
) -> Any:
    """POST ``ses_record`` (an SES event or notification, a dict) to the webhook at
    ``url`` through Django's test ``client``, as SNS delivers it, signed.

    The local certificate answers the webhook's certificate fetch only during
    this call; every other outgoing ``requests`` call goes through unchanged.
    Returns the response.
    """
    import responses  # optional: comes with the testing extra

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(
            re.compile(r"^(?!" + re.escape((signer or shared_signer()).cert_url) + ")")
        )
        delivery = SNSDelivery(client, mock, signer or shared_signer(), url)
        return delivery.notify(ses_record, topic_arn=topic_arn, **kwargs)
