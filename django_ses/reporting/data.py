"""SES sending statistics as plain data, and the pure functions that shape them.

The frozen dataclasses below are what :mod:`django_ses.reporting.fetch` makes of
SES's answers and what :mod:`django_ses.reporting.store` reads and writes;
summing data points per day, merging stored and live days, filling gaps and
judging rates against AWS's review thresholds are pure functions of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

# AWS reviews an account whose bounce rate reaches 5 % or whose complaint rate
# reaches 0.1 % (https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html).
BOUNCE_REVIEW_THRESHOLD = 0.05
COMPLAINT_REVIEW_THRESHOLD = 0.001
# A rate at or above this share of its review threshold is "near" it.
NEAR_THRESHOLD_SHARE = 0.5

STATISTICS_WINDOW = dt.timedelta(days=14)


# -- data --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SendDataPoint:
    """One 15-minute data point of ``GetSendStatistics``."""

    timestamp: dt.datetime
    delivery_attempts: int
    bounces: int
    complaints: int
    rejects: int


@dataclass(frozen=True)
class DailyStat:
    """Sending statistics of one UTC day."""

    date: dt.date
    delivery_attempts: int = 0
    bounces: int = 0
    complaints: int = 0
    rejects: int = 0

    @property
    def bounce_rate(self) -> float | None:
        return rate(self.bounces, self.delivery_attempts)

    @property
    def complaint_rate(self) -> float | None:
        return rate(self.complaints, self.delivery_attempts)


@dataclass(frozen=True)
class SendQuota:
    """The account's sending limits and use over the last 24 hours."""

    max_24_hour_send: float
    max_send_rate: float
    sent_last_24_hours: float

    @property
    def unlimited(self) -> bool:
        # SES reports -1 for an unlimited 24-hour quota.
        return self.max_24_hour_send < 0

    @property
    def used_share(self) -> float | None:
        """How much of the 24-hour quota is used, 0..1 (``None`` when unlimited)."""
        if self.unlimited or self.max_24_hour_send == 0:
            return None
        return self.sent_last_24_hours / self.max_24_hour_send


@dataclass(frozen=True)
class AccountStatus:
    """What SES v2 ``GetAccount`` says about the account."""

    quota: SendQuota
    sending_enabled: bool | None
    production_access: bool | None
    enforcement_status: str
    suppressed_reasons: tuple[str, ...] = ()

    @property
    def in_sandbox(self) -> bool:
        return self.production_access is False


@dataclass(frozen=True)
class Identity:
    """A sending identity: an email address or a domain."""

    name: str
    kind: str  # "email" or "domain"
    verification_status: str  # "SUCCESS", "PENDING", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED"
    sending_enabled: bool | None = None

    @property
    def verified(self) -> bool:
        return self.verification_status == "SUCCESS"

    @property
    def verification_label(self) -> str:
        """For people: ``"TEMPORARY_FAILURE"`` is ``"Temporary failure"``."""
        if self.verified:
            return "Verified"
        return self.verification_status.replace("_", " ").capitalize()


class RateLevel(str, Enum):
    """Where a bounce or complaint rate stands against AWS's review threshold."""

    NONE = "none"  # nothing sent, no rate
    OK = "ok"
    NEAR = "near"
    OVER = "over"


@dataclass(frozen=True)
class RateAssessment:
    rate: float | None
    threshold: float
    level: RateLevel

    @property
    def alarming(self) -> bool:
        return self.level in (RateLevel.NEAR, RateLevel.OVER)


@dataclass(frozen=True)
class UpsertSummary:
    """What ``store_daily_stats`` did, day by day."""

    created: tuple[dt.date, ...] = ()
    updated: tuple[dt.date, ...] = ()
    unchanged: tuple[dt.date, ...] = ()
    skipped: tuple[dt.date, ...] = ()  # cut-off first days with no stored row

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


@dataclass
class Overview:
    """Everything the dashboard shows from SES; each part may be missing with an error."""

    api: str  # "v1" or "v2"
    quota: SendQuota | None = None
    account: AccountStatus | None = None
    identities: list[Identity] | None = None
    data_points: list[SendDataPoint] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    @property
    def daily(self) -> list[DailyStat]:
        return aggregate_daily(self.data_points or [])


# -- pure helpers -----------------------------------------------------------------------------
def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def assess_rate(value: float | None, threshold: float) -> RateAssessment:
    """Compare ``value`` (0..1) with AWS's review ``threshold``."""
    if value is None:
        level = RateLevel.NONE
    elif value >= threshold:
        level = RateLevel.OVER
    elif value >= threshold * NEAR_THRESHOLD_SHARE:
        level = RateLevel.NEAR
    else:
        level = RateLevel.OK
    return RateAssessment(rate=value, threshold=threshold, level=level)


def total(days: Iterable[DailyStat]) -> DailyStat:
    """The sum of ``days`` (its ``date`` is the last day's, or today's when empty)."""
    days = list(days)
    return DailyStat(
        date=days[-1].date if days else utc_today(),
        delivery_attempts=sum(d.delivery_attempts for d in days),
        bounces=sum(d.bounces for d in days),
        complaints=sum(d.complaints for d in days),
        rejects=sum(d.rejects for d in days),
    )


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _utc_date(timestamp: dt.datetime) -> dt.date:
    if timestamp.tzinfo is None:
        return timestamp.date()
    return timestamp.astimezone(dt.timezone.utc).date()


def aggregate_daily(points: Iterable[SendDataPoint]) -> list[DailyStat]:
    """Sum data points per UTC day, oldest day first."""
    sums: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for point in points:
        row = sums[_utc_date(point.timestamp)]
        row[0] += point.delivery_attempts
        row[1] += point.bounces
        row[2] += point.complaints
        row[3] += point.rejects
    return [
        DailyStat(day, attempts, bounces, complaints, rejects)
        for day, (attempts, bounces, complaints, rejects) in sorted(sums.items())
    ]


def merge_daily(
    stored: Iterable[DailyStat],
    live: Iterable[DailyStat],
    *,
    window_start: dt.date | None = None,
) -> list[DailyStat]:
    """Stored history overlaid with live days, oldest first.

    Live days win, except on or before ``window_start``: SES has only part of
    that day left, so a stored row for it is more complete.
    """
    merged = {day.date: day for day in stored}
    for day in live:
        cut_off = window_start is not None and day.date <= window_start
        if not (cut_off and day.date in merged):
            merged[day.date] = day
    return [merged[key] for key in sorted(merged)]


def fill_gaps(days: Sequence[DailyStat], *, until: dt.date | None = None) -> list[DailyStat]:
    """``days`` with a zero row for every missing day between the first and ``until``."""
    if not days:
        return []
    by_date = {day.date: day for day in days}
    start = min(by_date)
    end = max(max(by_date), until or start)
    out = []
    current = start
    while current <= end:
        out.append(by_date.get(current, DailyStat(current)))
        current += dt.timedelta(days=1)
    return out


def statistics_window_start(now: dt.datetime | None = None) -> dt.date:
    """The UTC day SES's two-week statistics window starts on (usually cut off)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - STATISTICS_WINDOW).astimezone(dt.timezone.utc).date()
