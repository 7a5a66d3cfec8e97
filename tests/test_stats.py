"""django_ses.stats: SES statistics, quota and identities as plain data; SESStat upserts."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from django_ses import stats
from django_ses.models import SESStat
from tests.ses_fakes import Point, serve_account, serve_send_statistics

UTC = dt.timezone.utc
D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def _point(day: dt.date, hour: int, attempts: int, bounces: int = 0) -> stats.SendDataPoint:
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)
    return stats.SendDataPoint(moment, attempts, bounces, 0, 0)


# -- pure helpers -----------------------------------------------------------------------------
def test_aggregate_daily_sums_points_per_utc_day_oldest_first():
    points = [_point(D2, 1, 5), _point(D1, 23, 3, bounces=1), _point(D1, 0, 2)]
    assert stats.aggregate_daily(points) == [
        stats.DailyStat(D1, 5, 1, 0, 0),
        stats.DailyStat(D2, 5, 0, 0, 0),
    ]


def test_merge_daily_prefers_live_days_except_the_cut_off_first_day():
    stored = [stats.DailyStat(D1, 100), stats.DailyStat(D2, 1)]
    live = [stats.DailyStat(D1, 3), stats.DailyStat(D2, 50), stats.DailyStat(D3, 7)]
    merged = stats.merge_daily(stored, live, window_start=D1)
    assert [(d.date, d.delivery_attempts) for d in merged] == [(D1, 100), (D2, 50), (D3, 7)]


def test_fill_gaps_adds_zero_days_up_to_the_given_day():
    filled = stats.fill_gaps([stats.DailyStat(D1, 4)], until=D3)
    assert [(d.date, d.delivery_attempts) for d in filled] == [(D1, 4), (D2, 0), (D3, 0)]
    assert stats.fill_gaps([]) == []


def test_daily_rates_are_none_without_delivery_attempts():
    assert stats.DailyStat(D1, 0, 0).bounce_rate is None
    assert stats.DailyStat(D1, 200, 10, 1).bounce_rate == 0.05
    assert stats.DailyStat(D1, 200, 10, 1).complaint_rate == 0.005


@pytest.mark.parametrize(
    "value,level",
    [
        (None, stats.RateLevel.NONE),
        (0.0, stats.RateLevel.OK),
        (0.0249, stats.RateLevel.OK),
        (0.025, stats.RateLevel.NEAR),
        (0.0499, stats.RateLevel.NEAR),
        (0.05, stats.RateLevel.OVER),
    ],
)
def test_assess_rate_compares_with_the_review_threshold(value, level):
    assessment = stats.assess_rate(value, stats.BOUNCE_REVIEW_THRESHOLD)
    assert assessment.level is level
    assert assessment.alarming is (level in (stats.RateLevel.NEAR, stats.RateLevel.OVER))


def test_send_quota_knows_unlimited_and_used_share():
    assert stats.SendQuota(-1, 10, 5).unlimited
    assert stats.SendQuota(-1, 10, 5).used_share is None
    assert stats.SendQuota(200, 1, 50).used_share == 0.25


def test_identity_labels_read_as_words():
    assert stats.Identity("a.com", "domain", "SUCCESS").verification_label == "Verified"
    label = stats.Identity("a.com", "domain", "TEMPORARY_FAILURE").verification_label
    assert label == "Temporary failure"


def test_statistics_window_starts_fourteen_days_back():
    now = dt.datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert stats.statistics_window_start(now) == dt.date(2026, 11, 15)


# -- error messages ---------------------------------------------------------------------------
def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "msg"}}, "GetSendQuota")


@pytest.mark.parametrize(
    "error,expected",
    [
        (NoCredentialsError(), "AWS credentials are missing"),
        (EndpointConnectionError(endpoint_url="https://x"), "SES is unreachable"),
        (_client_error("AccessDenied"), "allow ses:GetSendQuota in the IAM policy"),
        (_client_error("InvalidClientTokenId"), "AWS rejected the credentials"),
        (_client_error("Throttling"), "throttling"),
        (_client_error("Weird"), "SES returned Weird: msg"),
    ],
)
def test_describe_aws_error_says_what_to_do(error, expected):
    assert expected in stats.describe_aws_error(error, "GetSendQuota")


# -- fetching from the local AWS --------------------------------------------------------------
def test_fetch_send_statistics_parses_the_v1_answer(aws):
    moment = dt.datetime(2026, 11, 1, 10, 15, tzinfo=UTC)
    serve_send_statistics(aws, [Point(moment, 8, bounces=1, complaints=2, rejects=3)])
    points = stats.fetch_send_statistics(stats.v1_client())
    assert points == [stats.SendDataPoint(moment, 8, 1, 2, 3)]


def test_fetch_send_quota_reads_moto(aws):
    quota = stats.fetch_send_quota(stats.v1_client())
    assert (quota.max_24_hour_send, quota.max_send_rate) == (200.0, 1.0)


def test_fetch_account_reads_v2_get_account(aws):
    serve_account(aws, production_access=False, enforcement_status="PROBATION")
    account = stats.fetch_account(stats.v2_client())
    assert account.in_sandbox
    assert account.enforcement_status == "PROBATION"
    assert account.quota.max_24_hour_send == 50000.0
    assert account.suppressed_reasons == ("BOUNCE", "COMPLAINT")


def test_v1_identities_are_checked_in_batches_of_100(aws):
    from moto.ses.models import ses_backends

    from tests.aws import ACCOUNT_ID

    # Set up moto's state directly: 100 API calls would make the test slow.
    backend = ses_backends[ACCOUNT_ID]["us-east-1"]
    for n in range(100):
        backend.verify_email_identity(f"u{n:03d}@example.com")
    backend.verify_domain("example.com")
    identities = stats.fetch_identities_v1(stats.v1_client())
    assert len(identities) == 101
    assert identities[0] == stats.Identity("example.com", "domain", "SUCCESS")
    batches = aws.calls("ses", "GetIdentityVerificationAttributes")
    assert len(batches) == 2


def test_v2_identities_include_domains_with_their_status(aws):
    v2 = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    v2.create_email_identity(EmailIdentity="example.com")
    v2.create_email_identity(EmailIdentity="a@example.org")
    identities = stats.fetch_identities_v2(stats.v2_client())
    assert [(i.name, i.kind, i.verified) for i in identities] == [
        ("example.com", "domain", True),
        ("a@example.org", "email", True),
    ]


def test_errors_become_stats_errors_with_a_message(aws):
    aws.fail("ses", "GetSendQuota", "AccessDenied", "no", status=403)
    with pytest.raises(stats.StatsError, match="allow ses:GetSendQuota"):
        stats.fetch_send_quota(stats.v1_client())


def test_collect_overview_keeps_what_worked_when_a_part_fails(aws, settings):
    settings.USE_SES_V2 = True
    aws.fail("sesv2", "GetAccount", "AccessDeniedException", "no", status=403)
    serve_send_statistics(aws, [])
    overview = stats.collect_overview()
    assert overview.api == "v2"
    assert set(overview.errors) == {"account"}
    assert overview.identities == []
    assert overview.data_points == []


# -- clients are built like the backend's -----------------------------------------------------
def test_clients_use_the_configured_region(aws, settings):
    settings.AWS_SES_REGION_NAME = "eu-west-1"
    stats.fetch_send_quota(stats.v1_client())
    assert aws.calls("ses", "GetSendQuota")[0].region == "eu-west-1"


def test_clients_keep_the_users_botocore_config(aws, settings):
    settings.AWS_SES_CONFIG = Config(user_agent_extra="my-app/1.0")
    stats.fetch_send_quota(stats.v1_client())
    assert "my-app/1.0" in aws.calls("ses", "GetSendQuota")[0].headers["user-agent"]


# -- storing ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_store_daily_stats_creates_updates_and_leaves_unchanged_days():
    SESStat.objects.create(date=D1, delivery_attempts=1, bounces=0, complaints=0, rejects=0)
    SESStat.objects.create(date=D2, delivery_attempts=2, bounces=0, complaints=0, rejects=0)
    summary = stats.store_daily_stats(
        [stats.DailyStat(D1, 1), stats.DailyStat(D2, 20), stats.DailyStat(D3, 3)]
    )
    assert (summary.created, summary.updated, summary.unchanged) == ((D3,), (D2,), (D1,))
    assert dict(SESStat.objects.values_list("date", "delivery_attempts")) == {D1: 1, D2: 20, D3: 3}


@pytest.mark.django_db
def test_stored_history_reads_rows_from_a_day_on():
    for day, attempts in ((D1, 1), (D2, 2), (D3, 3)):
        SESStat.objects.create(
            date=day, delivery_attempts=attempts, bounces=0, complaints=0, rejects=0
        )
    assert [d.date for d in stats.stored_history(since=D2)] == [D2, D3]
