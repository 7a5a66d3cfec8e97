"""``message.ses_status``: what happened to a message after a send attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FAILED",
    "QUEUED",
    "SENT",
    "SUPPRESSED",
    "UNKNOWN",
    "DestinationStatus",
    "SESStatus",
    "Status",
]

Status = Literal["sent", "failed", "suppressed", "unknown", "queued"]

SENT: Status = "sent"
FAILED: Status = "failed"
SUPPRESSED: Status = "suppressed"
UNKNOWN: Status = "unknown"
#: Only from :class:`~django_ses.backends.queued.QueuedSESBackend`: handed to a task.
QUEUED: Status = "queued"


@dataclass(frozen=True)
class DestinationStatus:
    """What happened for one destination (recipient) of a message."""

    #: The recipient as the message gives it, and the bare address SES received.
    address: str
    destination: str
    #: ``"sent"``, ``"failed"`` or ``"unknown"``.
    status: Status
    #: The SES message id of the call (or the bulk entry) that carried it.
    message_id: str | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class SESStatus:
    """The result of the last send attempt of one message.

    ``status`` is one of:

    * ``"sent"``: SES accepted the message for every recipient; for a
      templated bulk message (``SendBulkEmail``), for at least one: the
      destinations SES refused are in ``unsent_recipients``, ``error`` is the
      first refusal, and ``destinations`` has each one's status;
    * ``"failed"``: SES did not accept it (``error`` says why). When the
      message had more than 50 recipients and only some of the calls
      succeeded, ``message_ids`` lists the accepted calls and
      ``unsent_recipients`` the recipients to retry;
    * ``"suppressed"``: every recipient was on the blacklist or (when
      ``AWS_SES_CHECK_SUPPRESSION_LIST`` is on) on the SES account-level
      suppression list; nothing was sent;
    * ``"unknown"``: the request may or may not have reached SES (a network
      failure or timeout, or an SES server error);
    * ``"queued"``: only with ``QueuedSESBackend``: the message was valid
      and a task will send it (see ``message.ses_task_result``).
    """

    status: Status
    message_id: str | None = None
    request_id: str | None = None
    error: BaseException | None = None
    #: One SES message id per API call (a message to more than 50 recipients
    #: is sent in several calls); ``message_id`` is the first.
    message_ids: tuple[str, ...] = ()
    #: The recipients removed before sending: by the blacklist (``AWS_SES_USE_BLACKLIST``)
    #: or the SES suppression list (``AWS_SES_CHECK_SUPPRESSION_LIST``).
    suppressed_recipients: tuple[str, ...] = ()
    #: Those of ``suppressed_recipients`` that are on the SES account-level suppression list.
    suppression_list_recipients: tuple[str, ...] = ()
    #: The recipients that SES did not accept (empty when ``status == "sent"``,
    #: except for a bulk message that SES accepted for some destinations only).
    unsent_recipients: tuple[str, ...] = ()
    #: Each recipient's own status and SES message id, in the order of the message.
    destinations: tuple[DestinationStatus, ...] = ()

    @property
    def sent(self) -> bool:
        """True when SES accepted the message (see ``status``)."""
        return self.status == SENT
