"""SES ``Received`` notifications for the inbound tests, from SES's documented examples.

``sns_action_received.json`` and ``s3_action_received.json`` follow the
examples in the SES developer guide ("Examples of notifications for Amazon SES
email receiving"): the SNS action notification carries the message in
``content``; the S3 action's names the bucket and object key.
"""

from __future__ import annotations

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import boto3

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "inbound"
EXAMPLE_TOPIC_ARN = "arn:aws:sns:us-east-1:012345678912:example-topic"


def eml(name: str) -> bytes:
    """The raw bytes of ``tests/fixtures/inbound/<name>``."""
    return (FIXTURES / name).read_bytes()


@cache
def _example(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def sns_received(raw: bytes | None = None, *, encoding: str | None = None) -> dict[str, Any]:
    """SES's SNS action example; with ``raw``, carrying that message in ``encoding``."""
    message = copy.deepcopy(_example("sns_action_received.json"))
    if encoding is not None:
        message["receipt"]["action"]["encoding"] = encoding
    if raw is not None:
        if encoding == "BASE64":
            message["content"] = base64.b64encode(raw).decode("ascii")
        else:
            message["content"] = raw.decode("utf-8")
    return message


def s3_received(
    bucket: str, key: str, *, topic_arn: str = EXAMPLE_TOPIC_ARN, message_id: str | None = None
) -> dict[str, Any]:
    """SES's S3 action example, naming ``s3://bucket/key``."""
    message = copy.deepcopy(_example("s3_action_received.json"))
    action = message["receipt"]["action"]
    action.update(bucketName=bucket, objectKey=key, topicArn=topic_arn)
    if message_id is not None:
        message["mail"]["messageId"] = message_id
    return message


def store_in_s3(
    url: str,
    bucket: str,
    key: str,
    body: bytes,
    *,
    metadata: dict[str, str] | None = None,
    region: str = "us-east-1",
) -> None:
    """Create ``bucket`` (if needed) and put ``body`` at ``key``, as a receipt rule would."""
    client = boto3.client("s3", endpoint_url=url, region_name=region)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        if region == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
    client.put_object(Bucket=bucket, Key=key, Body=body, Metadata=metadata or {})
