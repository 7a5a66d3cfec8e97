"""Sending statistics, quota and identities from SES: the old home of :mod:`django_ses.reporting`.

Every name stays importable from here; new code imports from the module of
:mod:`django_ses.reporting` that does the job (``data``, ``clients``, ``fetch``,
``identities``, ``store``).
"""

from __future__ import annotations

from django_ses.exceptions import StatsError
from django_ses.reporting.advice import describe_aws_error
from django_ses.reporting.clients import (
    account_fingerprint,
    call,
    client_settings,
    configured_api,
    v1_client,
    v2_client,
)
from django_ses.reporting.data import (
    BOUNCE_REVIEW_THRESHOLD,
    COMPLAINT_REVIEW_THRESHOLD,
    NEAR_THRESHOLD_SHARE,
    STATISTICS_WINDOW,
    AccountStatus,
    DailyStat,
    Identity,
    Overview,
    RateAssessment,
    RateLevel,
    SendDataPoint,
    SendQuota,
    UpsertSummary,
    aggregate_daily,
    assess_rate,
    fill_gaps,
    merge_daily,
    rate,
    statistics_window_start,
    total,
    utc_today,
)
from django_ses.reporting.fetch import (
    collect_overview,
    fetch_account,
    fetch_send_quota,
    fetch_send_statistics,
)
from django_ses.reporting.identities import fetch_identities_v1, fetch_identities_v2
from django_ses.reporting.store import store_daily_stats, stored_history

__all__ = [
    "BOUNCE_REVIEW_THRESHOLD",
    "COMPLAINT_REVIEW_THRESHOLD",
    "NEAR_THRESHOLD_SHARE",
    "STATISTICS_WINDOW",
    "AccountStatus",
    "DailyStat",
    "Identity",
    "Overview",
    "RateAssessment",
    "RateLevel",
    "SendDataPoint",
    "SendQuota",
    "StatsError",
    "UpsertSummary",
    "account_fingerprint",
    "aggregate_daily",
    "assess_rate",
    "call",
    "client_settings",
    "collect_overview",
    "configured_api",
    "describe_aws_error",
    "fetch_account",
    "fetch_identities_v1",
    "fetch_identities_v2",
    "fetch_send_quota",
    "fetch_send_statistics",
    "fill_gaps",
    "merge_daily",
    "rate",
    "statistics_window_start",
    "store_daily_stats",
    "stored_history",
    "total",
    "utc_today",
    "v1_client",
    "v2_client",
]
