"""Reading received mail from S3 (``django_ses.inbound.s3``) against the local AWS."""

from __future__ import annotations

import boto3
import pytest
from django.test import override_settings

from django_ses.inbound.s3 import (
    DEFAULT_MAX_MESSAGE_SIZE,
    S3PermanentError,
    S3TransientError,
    allowed_buckets,
    bucket_region,
    create_s3_client,
    fetch_message,
    max_message_size,
)
from tests.inbound_notifications import store_in_s3

BUCKET = "inbound-mail"


def test_fetch_message_returns_the_object_bytes(aws):
    body = bytes(range(256)) * 1000  # several 64 KiB chunks
    store_in_s3(aws.url, BUCKET, "mail/1", body)

    assert fetch_message(create_s3_client("us-east-1"), BUCKET, "mail/1", max_bytes=10**6) == body


def test_fetch_message_downloads_only_the_version_it_checked(aws):
    store_in_s3(aws.url, BUCKET, "mail/1", b"original")
    etag = boto3.client("s3", endpoint_url=aws.url).head_object(Bucket=BUCKET, Key="mail/1")["ETag"]
    fetch_message(create_s3_client("us-east-1"), BUCKET, "mail/1", max_bytes=100)

    (get,) = aws.calls("s3", "GetObject")
    assert get.headers["if-match"] == etag


def test_an_object_replaced_after_its_size_was_checked_is_transient(aws):
    store_in_s3(aws.url, BUCKET, "mail/1", b"original")
    aws.respond("s3", "HeadObject", lambda call: (200, {"ETag": '"an-older-version"'}, b""))

    with pytest.raises(S3TransientError, match="PreconditionFailed"):
        fetch_message(create_s3_client("us-east-1"), BUCKET, "mail/1", max_bytes=100)


def test_an_object_exactly_at_the_cap_is_read(aws):
    store_in_s3(aws.url, BUCKET, "mail/1", b"x" * 100)
    assert len(fetch_message(create_s3_client(None), BUCKET, "mail/1", max_bytes=100)) == 100


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("NoSuchKey", 404, S3PermanentError),
        ("AccessDenied", 403, S3PermanentError),
        ("InvalidObjectState", 403, S3PermanentError),
        ("SlowDown", 503, S3TransientError),
        ("RequestTimeout", 400, S3TransientError),
    ],
)
def test_get_object_errors_are_sorted_into_permanent_and_transient(aws, code, status, error):
    store_in_s3(aws.url, BUCKET, "mail/1", b"x")
    aws.fail("s3", "GetObject", code, "injected", status=status)

    with pytest.raises(error, match=code):
        fetch_message(create_s3_client("us-east-1"), BUCKET, "mail/1", max_bytes=100)


def test_clients_are_reused_for_the_same_region_and_credentials():
    assert create_s3_client("eu-west-1") is create_s3_client("eu-west-1")
    assert create_s3_client("eu-west-1") is not create_s3_client("us-east-1")
    with override_settings(
        AWS_SES_INBOUND_ACCESS_KEY_ID="AKIAOTHER", AWS_SES_INBOUND_SECRET_ACCESS_KEY="s"
    ):
        assert create_s3_client("eu-west-1").meta.region_name == "eu-west-1"
        other = create_s3_client("eu-west-1")
    assert other is not create_s3_client("eu-west-1")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, None),
        ("one", {"one": None}),
        (["one", "two"], {"one": None, "two": None}),
        ({"one": "eu-west-1", "two": None}, {"one": "eu-west-1", "two": None}),
    ],
)
def test_allowed_buckets_accepts_a_name_a_list_or_a_dict(setting, expected):
    with override_settings(AWS_SES_INBOUND_S3_BUCKETS=setting):
        assert allowed_buckets() == expected


@override_settings(AWS_SES_INBOUND_S3_BUCKETS={BUCKET: "ap-south-1"}, AWS_SES_INBOUND_S3_REGION="x")
def test_the_region_in_the_allow_list_comes_first():
    assert bucket_region(BUCKET, "arn:aws:sns:eu-west-1:012345678912:t") == "ap-south-1"


@override_settings(AWS_SES_INBOUND_S3_REGION="sa-east-1")
def test_the_topic_region_comes_before_the_region_setting():
    assert bucket_region(BUCKET, "arn:aws:sns:eu-west-1:012345678912:t") == "eu-west-1"
    assert bucket_region(BUCKET, "") == "sa-east-1"


def test_without_any_region_boto3_chooses():
    assert bucket_region(BUCKET, "not-an-arn") is None


def test_max_message_size_defaults_to_40_mib():
    assert max_message_size() == DEFAULT_MAX_MESSAGE_SIZE == 40 * 1024 * 1024
    with override_settings(AWS_SES_INBOUND_MAX_MESSAGE_SIZE=1234):
        assert max_message_size() == 1234
