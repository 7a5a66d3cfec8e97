"""Read a received message that an SES receipt rule stored in S3.

The bucket must be allowed (``AWS_SES_INBOUND_S3_BUCKETS``) before any S3 call;
the object's size is checked from ``HeadObject`` before it is downloaded, and
the body is streamed in chunks, the download stopping as soon as it exceeds
the cap. Errors are sorted into :class:`S3TransientError` (worth a retry:
throttling, 5xx, connection problems, expired credentials) and
:class:`S3PermanentError` (the object is missing, access is denied, it is too
large or client-side encrypted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from django_ses.aws.clients import settings_for_service, shared_client
from django_ses.aws.errors import (
    S3_BODYLESS_ERRORS,
    error_code,
    error_message,
    http_status,
    is_retryable,
)
from django_ses.conf import DEFAULT_INBOUND_MAX_MESSAGE_SIZE, get_setting
from django_ses.exceptions import S3FetchError, S3PermanentError, S3TransientError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "S3FetchError",
    "S3PermanentError",
    "S3TransientError",
    "allowed_buckets",
    "bucket_region",
    "create_s3_client",
    "fetch_message",
    "max_message_size",
]

#: SES stores messages of up to 40 MB in S3 (the default of AWS_SES_INBOUND_MAX_MESSAGE_SIZE).
DEFAULT_MAX_MESSAGE_SIZE = DEFAULT_INBOUND_MAX_MESSAGE_SIZE
CHUNK_SIZE = 64 * 1024

# User metadata that the S3 encryption client (which SES uses when a receipt
# rule's S3 action has a KMS key) writes on client-side encrypted objects.
CLIENT_SIDE_ENCRYPTION_KEYS = ("x-amz-key-v2", "x-amz-key", "x-amz-cek-alg")

#: One retry inside the client (a single throttled answer), short timeouts: SNS retries the rest.
S3_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 2},
    connect_timeout=5,
    read_timeout=20,
)


def allowed_buckets() -> dict[str, str | None] | None:
    """``AWS_SES_INBOUND_S3_BUCKETS`` as ``{bucket: region or None}``; ``None``: any bucket.

    The setting is a list of bucket names, or a dict mapping each bucket name to
    its region (``None`` for "ask S3").
    """
    value = get_setting("AWS_SES_INBOUND_S3_BUCKETS")
    if value is None:
        return None
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, Mapping):
        return {str(name): (str(region) if region else None) for name, region in value.items()}
    return {str(name): None for name in value}


def bucket_region(bucket: str, topic_arn: str = "") -> str | None:
    """The region to read ``bucket`` from.

    The region given in ``AWS_SES_INBOUND_S3_BUCKETS``, else the region of the
    receipt's SNS topic (the region where SES received the message), else
    ``AWS_SES_INBOUND_S3_REGION``. botocore follows S3's region redirects when
    the guess is wrong.
    """
    configured = (allowed_buckets() or {}).get(bucket)
    if configured:
        return configured
    parts = topic_arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "sns" and parts[3]:
        return parts[3]
    region = get_setting("AWS_SES_INBOUND_S3_REGION")
    return str(region) if region else None


def max_message_size() -> int:
    """``AWS_SES_INBOUND_MAX_MESSAGE_SIZE`` in bytes (default 40 MiB)."""
    return int(get_setting("AWS_SES_INBOUND_MAX_MESSAGE_SIZE"))


def create_s3_client(region: str | None) -> S3Client:
    """The shared S3 client: boto3's default credential chain unless the inbound keys are set.

    It comes from :func:`django_ses.aws.clients.shared_client`, so it is built
    once per region and credentials, and forgotten when a credential setting
    changes. The sending credentials (``AWS_SES_ACCESS_KEY_ID``…) are not used.
    """
    settings = replace(
        settings_for_service("s3", region, config=S3_CONFIG),
        access_key_id=get_setting("AWS_SES_INBOUND_ACCESS_KEY_ID"),
        secret_access_key=get_setting("AWS_SES_INBOUND_SECRET_ACCESS_KEY"),
        session_token=get_setting("AWS_SES_INBOUND_SESSION_TOKEN"),
        profile_name=None,
    )
    client: S3Client = shared_client(settings)
    return client


def fetch_message(client: S3Client, bucket: str, key: str, *, max_bytes: int) -> bytes:
    """Download ``s3://bucket/key``, refusing objects over ``max_bytes`` or client-side encrypted.

    Raises :class:`S3PermanentError` or :class:`S3TransientError`.
    """
    where = f"s3://{bucket}/{key}"
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise _classify(exc, f"HeadObject {where}") from exc
    _refuse_client_side_encryption(head.get("Metadata") or {}, where)
    size = int(head.get("ContentLength") or 0)
    if size > max_bytes:
        raise S3PermanentError(
            f"{where} is {size} bytes, over AWS_SES_INBOUND_MAX_MESSAGE_SIZE ({max_bytes} bytes); "
            "it was not downloaded and stays in the bucket."
        )
    extra: dict[str, Any] = {}
    if head.get("ETag"):
        extra["IfMatch"] = head["ETag"]
    try:
        response = client.get_object(Bucket=bucket, Key=key, **extra)
    except (ClientError, BotoCoreError) as exc:
        raise _classify(exc, f"GetObject {where}") from exc
    body = response["Body"]
    data = bytearray()
    try:
        for chunk in body.iter_chunks(CHUNK_SIZE):
            data += chunk
            if len(data) > max_bytes:
                raise S3PermanentError(
                    f"{where} is larger than AWS_SES_INBOUND_MAX_MESSAGE_SIZE ({max_bytes} bytes); "
                    "the download was stopped and the object stays in the bucket."
                )
    except (BotoCoreError, OSError, ValueError) as exc:
        raise S3TransientError(f"Reading {where} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        body.close()
    return bytes(data)


def _refuse_client_side_encryption(metadata: Mapping[str, str], where: str) -> None:
    lowered = {name.lower(): value for name, value in metadata.items()}
    if not any(name in lowered for name in CLIENT_SIDE_ENCRYPTION_KEYS):
        return
    key_id = ""
    try:
        key_id = str(json.loads(lowered.get("x-amz-matdesc", "{}")).get("kms_cmk_id", ""))
    except (ValueError, AttributeError):
        key_id = ""
    raise S3PermanentError(
        f"{where} is client-side encrypted by the receipt rule"
        + (f" (KMS key {key_id})" if key_id else "")
        + ". django_ses does not decrypt client-side encrypted mail: remove the KMS key from "
        "the rule's S3 action and use the bucket's default (server-side) encryption instead, "
        "or override S3Handler.prepare_content to decrypt it with the S3 encryption client."
    )


def _classify(exc: ClientError | BotoCoreError, what: str) -> S3FetchError:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = http_status(exc)
        message = error_message(exc) or S3_BODYLESS_ERRORS.get(code, "")
        text = f"{what} failed: {code or status}" + (f" ({message})" if message else "")
        if is_retryable(exc) or status >= 500 or status == 429:
            return S3TransientError(text)
        return S3PermanentError(text)
    # Connection errors, timeouts, missing credentials: all may pass.
    return S3TransientError(f"{what} failed: {type(exc).__name__}: {exc}")
