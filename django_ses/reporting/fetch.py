"""Sending statistics, the quota and the account, asked of SES.

SES keeps two weeks of sending statistics, in 15-minute data points, and only
API v1 serves them (``GetSendStatistics``), so they are read through v1 even
when mail is sent through v2. Each ``fetch_*`` raises
:class:`~django_ses.exceptions.StatsError` when SES cannot answer;
:func:`collect_overview` never raises.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_ses.exceptions import StatsError
from django_ses.reporting.clients import call, configured_api, v1_client, v2_client
from django_ses.reporting.data import AccountStatus, Overview, SendDataPoint, SendQuota
from django_ses.reporting.identities import fetch_identities_v1, fetch_identities_v2

__all__ = [
    "collect_overview",
    "fetch_account",
    "fetch_send_quota",
    "fetch_send_statistics",
]


# -- answers ----------------------------------------------------------------------------------
def _count(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def fetch_send_statistics(client: Any) -> list[SendDataPoint]:
    """The last two weeks of v1 ``GetSendStatistics`` data points, oldest first."""
    answer = call(client, "GetSendStatistics", "get_send_statistics")
    points = [
        SendDataPoint(
            timestamp=item["Timestamp"],
            delivery_attempts=_count(item.get("DeliveryAttempts")),
            bounces=_count(item.get("Bounces")),
            complaints=_count(item.get("Complaints")),
            rejects=_count(item.get("Rejects")),
        )
        for item in answer.get("SendDataPoints", [])
        if isinstance(item.get("Timestamp"), dt.datetime)
    ]
    return sorted(points, key=lambda p: p.timestamp)


def _quota(values: dict[str, Any]) -> SendQuota:
    return SendQuota(
        max_24_hour_send=float(values.get("Max24HourSend", 0)),
        max_send_rate=float(values.get("MaxSendRate", 0)),
        sent_last_24_hours=float(values.get("SentLast24Hours", 0)),
    )


def fetch_send_quota(client: Any) -> SendQuota:
    """v1 ``GetSendQuota``."""
    return _quota(call(client, "GetSendQuota", "get_send_quota"))


def fetch_account(client: Any) -> AccountStatus:
    """v2 ``GetAccount``."""
    answer = call(client, "GetAccount", "get_account")
    suppression = answer.get("SuppressionAttributes") or {}
    return AccountStatus(
        quota=_quota(answer.get("SendQuota") or {}),
        sending_enabled=answer.get("SendingEnabled"),
        production_access=answer.get("ProductionAccessEnabled"),
        enforcement_status=str(answer.get("EnforcementStatus") or ""),
        suppressed_reasons=tuple(suppression.get("SuppressedReasons") or ()),
    )


# -- the dashboard's overview -----------------------------------------------------------------
def collect_overview(api: str | None = None) -> Overview:
    """Ask SES for everything the dashboard shows; failures become ``errors``, never raise.

    ``errors`` maps the part (``"quota"``, ``"account"``, ``"identities"``,
    ``"statistics"``) to a message for a person.
    """
    api = api or configured_api()
    overview = Overview(api=api)
    try:
        v1 = v1_client()
        v2 = v2_client() if api == "v2" else None
    except StatsError as error:
        overview.errors = {"statistics": str(error), "identities": str(error)}
        overview.errors["account" if api == "v2" else "quota"] = str(error)
        return overview
    try:
        overview.data_points = fetch_send_statistics(v1)
    except StatsError as error:
        overview.errors["statistics"] = str(error)
    if v2 is not None:
        try:
            overview.account = fetch_account(v2)
            overview.quota = overview.account.quota
        except StatsError as error:
            overview.errors["account"] = str(error)
    else:
        try:
            overview.quota = fetch_send_quota(v1)
        except StatsError as error:
            overview.errors["quota"] = str(error)
    try:
        overview.identities = fetch_identities_v2(v2) if v2 else fetch_identities_v1(v1)
    except StatsError as error:
        overview.errors["identities"] = str(error)
    return overview
