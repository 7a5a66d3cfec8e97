"""Sending statistics, quota and identities from SES, as plain data.

Fetching talks to SES through boto3 (API v1 and v2) and turns the answers into
the frozen dataclasses below; everything else here is pure. ``store_daily_stats``
upserts one :class:`~django_ses.models.SESStat` row per UTC day.

SES keeps two weeks of sending statistics, in 15-minute data points, and only
API v1 serves them (``GetSendStatistics``), so they are read through v1 even
when mail is sent through v2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from django.db import IntegrityError, transaction

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client

# AWS reviews an account whose bounce rate reaches 5 % or whose complaint rate
# reaches 0.1 % (https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html).
BOUNCE_REVIEW_THRESHOLD = 0.05
COMPLAINT_REVIEW_THRESHOLD = 0.001
# A rate at or above this share of its review threshold is "near" it.
NEAR_THRESHOLD_SHARE = 0.5

STATISTICS_WINDOW = dt.timedelta(days=14)

# GetIdentityVerificationAttributes takes at most 100 identities per call.
_VERIFICATION_BATCH = 100


class StatsError(Exception):
    """SES could not be asked; ``str(error)`` says why and what to do."""


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


# -- error messages ---------------------------------------------------------------------------
def describe_aws_error(error: Exception, operation: str = "") -> str:
    """A sentence for a person: what went wrong talking to SES and what to do."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ReadTimeoutError,
    )
    from django.core.exceptions import ImproperlyConfigured

    action = f"ses:{operation}" if operation else "this SES action"
    if isinstance(error, ImproperlyConfigured):
        return f"django_ses is not configured correctly: {error}"
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return (
            "AWS credentials are missing: set AWS_SES_ACCESS_KEY_ID and "
            "AWS_SES_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), "
            "or give the process an IAM role."
        )
    if isinstance(error, NoRegionError):
        return "No AWS region is configured: set AWS_SES_REGION_NAME."
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return f"SES is unreachable ({error}). Check AWS_SES_REGION_NAME / AWS_SES_REGION_ENDPOINT."
    if isinstance(error, ReadTimeoutError):
        return f"SES did not answer in time ({error}). Try again later."
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", "")) or "Error"
        message = str(info.get("Message", "")) or str(error)
        if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}:
            return f"Access denied: allow {action} in the IAM policy of these credentials."
        if code in {
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "UnrecognizedClientException",
            "ExpiredToken",
            "ExpiredTokenException",
        }:
            return f"AWS rejected the credentials ({code}): {message}"
        if code in {"Throttling", "ThrottlingException", "TooManyRequestsException"}:
            return f"SES is throttling requests ({code}). Try again in a minute."
        return f"SES returned {code}: {message}"
    return f"Could not talk to SES: {error.__class__.__name__}: {error}"


# -- talking to SES ---------------------------------------------------------------------------
def _default_mailer() -> tuple[str, dict[str, Any]]:
    """The default mailer's backend path and options (``MAILERS`` or ``EMAIL_BACKEND``)."""
    import warnings

    from django.conf import settings

    mailers = getattr(settings, "MAILERS", None)  # Django 6.1+, when the project uses it
    if isinstance(mailers, dict):
        config = mailers.get("default") or {}
        return str(config.get("BACKEND", "")), dict(config.get("OPTIONS") or {})
    with warnings.catch_warnings():
        # Django 6.1 deprecates EMAIL_BACKEND; it warns about it when it sends mail.
        warnings.filterwarnings("ignore", message="The EMAIL_BACKEND setting is deprecated")
        return str(getattr(settings, "EMAIL_BACKEND", "")), {}


def _ses_backend() -> Any:
    """The project's default mailer when it is an ``SESBackend`` (subclass), else one.

    So the statistics use the same settings, options, credentials and
    ``create_session()`` override as the mail the project sends.
    """
    from django.utils.module_loading import import_string

    from django_ses.backend import SESBackend

    path, options = _default_mailer()
    try:
        configured = import_string(path) if path else None
    except ImportError:
        configured = None
    if isinstance(configured, type) and issubclass(configured, SESBackend):
        return configured(**options)
    return SESBackend()


def account_fingerprint() -> str:
    """A short hash of the account, region and endpoint SES is reached at (no secrets)."""
    import hashlib

    parts: tuple[Any, ...]
    try:
        settings = _ses_backend().client_settings
        parts = (
            settings.region_name,
            settings.endpoint_url,
            settings.access_key_id,
            settings.profile_name,
        )
    except Exception:  # unusable settings: nothing worth keeping apart
        parts = ("unconfigured",)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _client(service_name: Literal["ses", "sesv2"], attempts: int = 2) -> Any:
    """A client built the way the backend builds its own (settings, credentials, endpoint).

    Timeouts are short and retries few (``attempts`` in all), so a page that
    asks SES never hangs; ``AWS_SES_CONFIG`` still wins where it sets the same
    options. Bulk commands ask for more attempts, with adaptive retries.
    """
    from botocore.config import Config

    from django_ses import transport

    try:
        backend = _ses_backend()
        base = backend.client_settings
        mode: Literal["standard", "adaptive"] = "adaptive" if attempts > 2 else "standard"
        quick = Config(
            connect_timeout=5,
            read_timeout=15,
            retries={"total_max_attempts": attempts, "mode": mode},
        )
        config = quick.merge(base.config) if isinstance(base.config, Config) else quick
        settings = dataclasses.replace(base, service_name=service_name, config=config)
        if backend.uses_default_session():
            return transport.shared_client(settings)
        return transport.build_client(backend.create_session(), settings)
    except Exception as error:  # bad settings, an unknown profile, …
        raise StatsError(describe_aws_error(error)) from error


def v1_client(attempts: int = 2) -> SESClient:
    """A boto3 ``ses`` (API v1) client configured like the backend's."""
    client: SESClient = _client("ses", attempts)
    return client


def v2_client(attempts: int = 2) -> SESV2Client:
    """A boto3 ``sesv2`` client configured like the backend's."""
    client: SESV2Client = _client("sesv2", attempts)
    return client


def configured_api() -> str:
    """``"v2"`` when ``USE_SES_V2`` is set, else ``"v1"``."""
    from django_ses.conf import get_setting

    return "v2" if get_setting("USE_SES_V2", False) else "v1"


def _call(client: Any, operation: str, method: str, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, method)(**kwargs)
    except (BotoCoreError, ClientError) as error:
        raise StatsError(describe_aws_error(error, operation)) from error


def _count(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def fetch_send_statistics(client: Any) -> list[SendDataPoint]:
    """The last two weeks of v1 ``GetSendStatistics`` data points, oldest first."""
    answer = _call(client, "GetSendStatistics", "get_send_statistics")
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
    return _quota(_call(client, "GetSendQuota", "get_send_quota"))


def fetch_account(client: Any) -> AccountStatus:
    """v2 ``GetAccount``."""
    answer = _call(client, "GetAccount", "get_account")
    suppression = answer.get("SuppressionAttributes") or {}
    return AccountStatus(
        quota=_quota(answer.get("SendQuota") or {}),
        sending_enabled=answer.get("SendingEnabled"),
        production_access=answer.get("ProductionAccessEnabled"),
        enforcement_status=str(answer.get("EnforcementStatus") or ""),
        suppressed_reasons=tuple(suppression.get("SuppressedReasons") or ()),
    )


def _kind(name: str) -> str:
    return "email" if "@" in name else "domain"


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_identities_v1(client: Any) -> list[Identity]:
    """Every v1 identity (addresses and domains) with its verification status."""
    names: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxItems": 1000}
        if token:
            kwargs["NextToken"] = token
        answer = _call(client, "ListIdentities", "list_identities", **kwargs)
        names.extend(answer.get("Identities", []))
        token = answer.get("NextToken")
        if not token:
            break
    statuses: dict[str, Any] = {}
    for batch in _batches(names, _VERIFICATION_BATCH):
        answer = _call(
            client,
            "GetIdentityVerificationAttributes",
            "get_identity_verification_attributes",
            Identities=list(batch),
        )
        statuses.update(answer.get("VerificationAttributes", {}))
    identities = []
    for name in names:
        v1_status = str(statuses.get(name, {}).get("VerificationStatus", "NotStarted"))
        identities.append(Identity(name=name, kind=_kind(name), verification_status=_V1[v1_status]))
    return sorted(identities, key=_identity_order)


# v1 spells verification statuses differently from v2; the dashboard uses v2's.
_V1: defaultdict[str, str] = defaultdict(
    lambda: "NOT_STARTED",
    {
        "Success": "SUCCESS",
        "Pending": "PENDING",
        "Failed": "FAILED",
        "TemporaryFailure": "TEMPORARY_FAILURE",
        "NotStarted": "NOT_STARTED",
    },
)


def fetch_identities_v2(client: Any) -> list[Identity]:
    """Every v2 email identity (addresses and domains) with its verification status."""
    identities = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"PageSize": 1000}
        if token:
            kwargs["NextToken"] = token
        answer = _call(client, "ListEmailIdentities", "list_email_identities", **kwargs)
        for item in answer.get("EmailIdentities", []):
            name = str(item.get("IdentityName", ""))
            kind = "email" if item.get("IdentityType") == "EMAIL_ADDRESS" else "domain"
            identities.append(
                Identity(
                    name=name,
                    kind=kind,
                    verification_status=str(item.get("VerificationStatus") or "NOT_STARTED"),
                    sending_enabled=item.get("SendingEnabled"),
                )
            )
        token = answer.get("NextToken")
        if not token:
            break
    return sorted(identities, key=_identity_order)


def _identity_order(identity: Identity) -> tuple[int, str]:
    """Domains first, then addresses, each alphabetically."""
    return (0 if identity.kind == "domain" else 1, identity.name)


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
        try:
            overview.identities = fetch_identities_v2(v2)
        except StatsError as error:
            overview.errors["identities"] = str(error)
    else:
        try:
            overview.quota = fetch_send_quota(v1)
        except StatsError as error:
            overview.errors["quota"] = str(error)
        try:
            overview.identities = fetch_identities_v1(v1)
        except StatsError as error:
            overview.errors["identities"] = str(error)
    return overview


# -- the database ----------------------------------------------------------------------------
def stored_history(since: dt.date | None = None) -> list[DailyStat]:
    """Stored ``SESStat`` rows from ``since`` on, oldest first."""
    from django_ses.models import SESStat

    rows = SESStat.objects.order_by("date")
    if since is not None:
        rows = rows.filter(date__gte=since)
    return [
        DailyStat(r.date, r.delivery_attempts, r.bounces, r.complaints, r.rejects) for r in rows
    ]


_COUNTS = ("delivery_attempts", "bounces", "complaints", "rejects")


def store_daily_stats(
    days: Iterable[DailyStat], *, window_start: dt.date | None = None
) -> UpsertSummary:
    """Upsert one ``SESStat`` row per day; running it twice changes nothing.

    ``window_start`` is the first day of SES's two-week window, which SES only
    has the later hours of: a stored count for that day is never lowered, and
    no row is created for it (a partial day would pass for a whole one).
    """
    from django_ses.models import SESStat

    created: list[dt.date] = []
    updated: list[dt.date] = []
    unchanged: list[dt.date] = []
    skipped: list[dt.date] = []
    with transaction.atomic():
        for day in days:
            new = {name: getattr(day, name) for name in _COUNTS}
            cut_off = window_start is not None and day.date <= window_start
            row = SESStat.objects.select_for_update().filter(date=day.date).first()
            if row is None:
                if cut_off:
                    skipped.append(day.date)
                    continue
                try:
                    with transaction.atomic():
                        SESStat.objects.create(date=day.date, **new)
                    created.append(day.date)
                    continue
                except IntegrityError:
                    # Another run created the day meanwhile: update that row instead.
                    row = SESStat.objects.select_for_update().get(date=day.date)
            if cut_off:
                new = {name: max(value, getattr(row, name)) for name, value in new.items()}
            if all(getattr(row, name) == value for name, value in new.items()):
                unchanged.append(day.date)
                continue
            for name, value in new.items():
                setattr(row, name, value)
            row.save(update_fields=[*_COUNTS, "updated_at"])
            updated.append(day.date)
    return UpsertSummary(tuple(created), tuple(updated), tuple(unchanged), tuple(skipped))


def statistics_window_start(now: dt.datetime | None = None) -> dt.date:
    """The UTC day SES's two-week statistics window starts on (usually cut off)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return (now - STATISTICS_WINDOW).astimezone(dt.timezone.utc).date()
