"""The local SES's own SES: what moto lacks or gets wrong, answered in SES's wire formats.

* Sending (v1 ``SendRawEmail``/``SendEmail``, v2 ``SendEmail`` raw or simple):
  the recipients are ``Destinations`` only, as in SES (moto adds the MIME
  To/Cc on top, so 50 Bcc plus a To were "too many"); the sender must be a
  verified identity of moto's SES, as in SES.
* ``GetSendQuota`` and v2 ``GetAccount``: the :class:`Quota` the local SES
  was given, with what was sent in the last 24 hours.
* ``GetSendStatistics``: 15-minute data points of the accepted mail, counting
  the mailbox simulator's bounces and complaints.
* The account-level suppression list (:mod:`django_ses.testing.suppression`).
* Email templates, templated ``SendEmail`` and ``SendBulkEmail``
  (:mod:`django_ses.testing.templates`).
* ``ListManagementOptions`` of v2 ``SendEmail``: checked against moto's contact
  lists, unsubscribed contacts bounce (:mod:`django_ses.testing.list_management`).

Each accepted message goes to the mailbox simulator
(:mod:`django_ses.testing.simulator`), which publishes its events to SNS.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_ses.testing import list_management
from django_ses.testing.calls import Call, Response
from django_ses.testing.notifications import ACCOUNT_SUPPRESSED, simulator_outcomes
from django_ses.testing.sent import SentMessage, envelope_recipients, source_address
from django_ses.testing.simulator import MailboxSimulator
from django_ses.testing.suppression import SuppressionList
from django_ses.testing.templates import EmailTemplates, send_bulk, send_templated
from django_ses.testing.wire import SESError, error_response, read_input, write_output

__all__ = ["RECIPIENT_LIMIT", "Quota", "SESAccount", "SESError", "SentMessage"]

#: SES accepts at most 50 recipients per call.
RECIPIENT_LIMIT = 50


@dataclass
class Quota:
    """The sending quota the local SES reports (SES's sandbox one by default)."""

    max_send_rate: float = 1.0
    max_24_hour_send: float = 200.0
    sending_enabled: bool = True
    production_access: bool = False
    enforcement_status: str = "HEALTHY"


Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


class SESAccount:
    """One SES account, all regions: its sent mail, quota and suppression list."""

    def __init__(self, account_id: str, quota: Quota) -> None:
        self.account_id = account_id
        self.quota = quota
        self._lock = threading.Lock()
        self._sent: list[SentMessage] = []
        self.suppression = SuppressionList()
        self.templates = EmailTemplates()
        self.simulator = MailboxSimulator(account_id)
        self._handlers: dict[tuple[str, str], Handler] = {
            ("ses", "SendRawEmail"): self._send_raw_v1,
            ("ses", "SendEmail"): self._send_simple_v1,
            ("sesv2", "SendEmail"): self._send_v2,
            ("ses", "GetSendQuota"): self._get_send_quota,
            ("ses", "GetSendStatistics"): self._get_send_statistics,
            ("sesv2", "GetAccount"): self._get_account,
            ("sesv2", "SendBulkEmail"): lambda call, params: send_bulk(self, call, params),
            **{("sesv2", name): handler for name, handler in self.templates.handlers().items()},
            **{("sesv2", name): handler for name, handler in self.suppression.handlers().items()},
        }

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, url: str) -> None:
        self.simulator.start(url)

    def stop(self) -> None:
        self.simulator.stop()

    def reset(self) -> None:
        with self._lock:
            self._sent.clear()
        self.suppression.clear()
        self.templates.reset()
        self.simulator.reset()

    # -- what was sent -----------------------------------------------------------------
    def sent(self, region: str | None = None) -> list[SentMessage]:
        with self._lock:
            return [m for m in self._sent if region is None or m.region == region]

    def sent_last_24_hours(self) -> int:
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=24)
        return sum(len(m.destinations) for m in self.sent() if m.sent_at >= since)

    # -- answering ---------------------------------------------------------------------
    def answer(self, call: Call) -> Response | None:
        """The answer to ``call``, or ``None`` when moto answers it."""
        handler = self._handlers.get((call.service, call.operation))
        if handler is None:
            return None
        try:
            params = read_input(call)
            if call.service == "sesv2" and "Template" in params.get("Content", {}):
                return write_output(call, send_templated(self, call, params))
            return write_output(call, handler(call, params))
        except SESError as exc:
            return error_response(call, exc.code, exc.message, exc.status)

    def _accept(
        self,
        call: Call,
        params: dict[str, Any],
        *,
        source: str | None,
        destinations: list[str] | None,
        raw: bytes | None,
    ) -> str:
        sender = source_address(source, raw)
        if not sender:
            raise SESError("MessageRejected", "Source not specified")
        if not self._is_verified(sender, call.region):
            raise SESError(
                "MessageRejected",
                f"Email address is not verified. The following identities failed the check "
                f"in region {call.region.upper()}: {sender}",
            )
        if not self.quota.sending_enabled:
            code = (
                "AccountSendingPausedException"
                if call.service == "sesv2"
                else ("AccountSendingPaused")
            )
            raise SESError(code, "Sending is paused for this account.")
        invalid = "BadRequestException" if call.service == "sesv2" else "InvalidParameterValue"
        recipients = envelope_recipients(destinations, raw)
        if not recipients:
            raise SESError(invalid, "Missing required header 'To'.")
        if len(recipients) > RECIPIENT_LIMIT:
            raise SESError(invalid, f"Recipient count exceeds {RECIPIENT_LIMIT}.")
        for address in recipients:
            if "@" not in address:
                raise SESError(invalid, f"Missing final '@domain' in {address}")
        managed = params.get("ListManagementOptions") if call.service == "sesv2" else None
        if managed:
            list_management.check_list(self.account_id, call.region, managed)
        message = SentMessage(
            id=f"0100{uuid.uuid4().hex[:16]}-{uuid.uuid4()}-000000",
            source=source or sender,
            destinations=recipients,
            raw=raw,
            operation=call.operation,
            service=call.service,
            region=call.region,
            params=params,
            sent_at=dt.datetime.now(dt.timezone.utc),
            outcomes={
                address: ("Bounce",)
                if managed
                and list_management.unsubscribed(self.account_id, call.region, managed, address)
                else self._outcomes(address)
                for address in recipients
            },
        )
        with self._lock:
            self._sent.append(message)
        self.simulator.accepted(message)
        return message.id

    def _outcomes(self, address: str) -> tuple[str, ...]:
        if self.suppression.is_suppressed(address):
            return (ACCOUNT_SUPPRESSED,)
        return simulator_outcomes(address)

    def _is_verified(self, address: str, region: str) -> bool:
        from moto.ses.models import ses_backends  # optional: moto comes with the testing extra

        backend = ses_backends[self.account_id][region or "us-east-1"]
        return bool(backend._is_verified_address(address))

    def _send_raw_v1(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        message_id = self._accept(
            call,
            params,
            source=params.get("Source"),
            destinations=params.get("Destinations"),
            raw=params["RawMessage"]["Data"],
        )
        return {"MessageId": message_id}

    def _send_simple_v1(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        destination = params.get("Destination", {})
        addresses = [
            a
            for key in ("ToAddresses", "CcAddresses", "BccAddresses")
            for a in destination.get(key, [])
        ]
        message_id = self._accept(
            call, params, source=params["Source"], destinations=addresses, raw=None
        )
        return {"MessageId": message_id}

    def _send_v2(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        content = params.get("Content", {})
        destination = params.get("Destination", {})
        addresses = [
            a
            for key in ("ToAddresses", "CcAddresses", "BccAddresses")
            for a in destination.get(key, [])
        ]
        raw = base64.b64decode(content["Raw"]["Data"]) if "Raw" in content else None
        if raw is None and "Simple" not in content:
            raise SESError("BadRequestException", "Content must be Simple, Raw or Template.")
        message_id = self._accept(
            call,
            params,
            source=params.get("FromEmailAddress"),
            destinations=addresses or None,
            raw=raw,
        )
        return {"MessageId": message_id}

    def _get_send_quota(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Max24HourSend": float(self.quota.max_24_hour_send),
            "MaxSendRate": float(self.quota.max_send_rate),
            "SentLast24Hours": float(self.sent_last_24_hours()),
        }

    def _get_account(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": self.quota.enforcement_status,
            "ProductionAccessEnabled": self.quota.production_access,
            "SendQuota": self._get_send_quota(call, params),
            "SendingEnabled": self.quota.sending_enabled,
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        }

    def _get_send_statistics(self, call: Call, params: dict[str, Any]) -> dict[str, Any]:
        return {"SendDataPoints": data_points(self.sent(call.region))}


def data_points(messages: list[SentMessage]) -> list[dict[str, Any]]:
    """15-minute data points over the last two weeks, as SES keeps them (pure)."""
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=14)
    points: dict[dt.datetime, dict[str, Any]] = {}
    for message in messages:
        if message.sent_at < since:
            continue
        start = message.sent_at.replace(second=0, microsecond=0)
        start -= dt.timedelta(minutes=start.minute % 15)
        point = points.setdefault(
            start,
            {
                "Timestamp": start,
                "DeliveryAttempts": 0,
                "Bounces": 0,
                "Complaints": 0,
                "Rejects": 0,
            },
        )
        point["DeliveryAttempts"] += len(message.destinations)
        for outcomes in message.outcomes.values():
            point["Bounces"] += outcomes.count("Bounce")
            point["Complaints"] += outcomes.count("Complaint")
    return [points[key] for key in sorted(points)]
