"""Answers for the SES operations moto's server lacks or fakes, in the real wire protocols.

moto's ``GetSendStatistics`` returns one synthetic data point, and its server has
no SES v2 ``GetAccount`` or account-level suppression list. These helpers
install responders on the local AWS (``tests.aws.LocalAWS.respond``) that speak
the real protocols: v1's query/XML and v2's REST-JSON.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from tests.aws import LocalAWS


@dataclass(frozen=True)
class Point:
    """One 15-minute data point of GetSendStatistics."""

    timestamp: dt.datetime
    attempts: int
    bounces: int = 0
    complaints: int = 0
    rejects: int = 0


def send_statistics_xml(points: Iterable[Point]) -> bytes:
    members = "".join(
        "<member>"
        f"<DeliveryAttempts>{p.attempts}</DeliveryAttempts>"
        f"<Timestamp>{p.timestamp.astimezone(dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ}</Timestamp>"
        f"<Rejects>{p.rejects}</Rejects><Bounces>{p.bounces}</Bounces>"
        f"<Complaints>{p.complaints}</Complaints>"
        "</member>"
        for p in points
    )
    return (
        '<GetSendStatisticsResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        f"<GetSendStatisticsResult><SendDataPoints>{members}</SendDataPoints>"
        "</GetSendStatisticsResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GetSendStatisticsResponse>"
    ).encode()


def serve_send_statistics(aws: LocalAWS, points: Iterable[Point]) -> None:
    """Make v1 GetSendStatistics answer with ``points``."""
    body = send_statistics_xml(list(points))
    aws.respond("ses", "GetSendStatistics", lambda call: (200, {"Content-Type": "text/xml"}, body))


def two_weeks_of_points(
    now: dt.datetime, *, attempts: int = 100, bounces: int = 1, complaints: int = 0
) -> list[Point]:
    """Four data points a day over the last 14 days (ending ``now``)."""
    points = []
    start = now - dt.timedelta(days=14)
    moment = start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    while moment <= now:
        if moment.hour in (3, 9, 15, 21) and moment.minute == 0:
            points.append(Point(moment, attempts, bounces, complaints, 0))
        moment += dt.timedelta(minutes=15)
    return points


def serve_account(
    aws: LocalAWS,
    *,
    sending_enabled: bool = True,
    production_access: bool = True,
    enforcement_status: str = "HEALTHY",
    max_24_hour_send: float = 50000.0,
    max_send_rate: float = 14.0,
    sent_last_24_hours: float = 1234.0,
) -> None:
    """Make v2 GetAccount answer (moto's server lacks it)."""
    aws.respond_json(
        "sesv2",
        "GetAccount",
        {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": enforcement_status,
            "ProductionAccessEnabled": production_access,
            "SendQuota": {
                "Max24HourSend": max_24_hour_send,
                "MaxSendRate": max_send_rate,
                "SentLast24Hours": sent_last_24_hours,
            },
            "SendingEnabled": sending_enabled,
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        },
    )


def forget_cached_answers() -> None:
    """Drop the dashboard's cached SES answers (not cache.clear(): Redis may be shared)."""
    from django.core.cache import cache

    from django_ses.dashboard import DashboardView

    view = DashboardView()
    cache.delete_many([view.get_cache_key("v1"), view.get_cache_key("v2")])


class SuppressionList:
    """The local SES's account-level suppression list, filled with ``entries``."""

    def __init__(self, aws: LocalAWS, entries: dict[str, str] | None = None) -> None:
        self._list = aws.ses.suppression
        for address, reason in (entries or {}).items():
            self._list.add(address, reason)

    @property
    def entries(self) -> dict[str, tuple[str, dt.datetime]]:
        return self._list.entries
