"""``message.ses_status``: what happened to a message after a send attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FAILED", "QUEUED", "SENT", "SUPPRESSED", "UNKNOWN", "SESStatus", "Status"]

Status = Literal["sent", "failed", "suppressed", "unknown", "queued"]

SENT: Status = "sent"
FAILED: Status = "failed"
SUPPRESSED: Status = "suppressed"
UNKNOWN: Status = "unknown"
#: Only from :class:`~django_ses.backends.queued.QueuedSESBackend`: handed to a task.
QUEUED: Status = "queued"


@dataclass(frozen=True)
class SESStatus:
    """The result of the last send attempt of one message.

    ``status`` is one of:

    * ``"sent"``: SES accepted the message for every recipient;
    * ``"failed"``: SES did not accept it (``error`` says why). When the
      message had more than 50 recipients and only some of the calls
      succeeded, ``message_ids`` lists the accepted calls and
      ``unsent_recipients`` the recipients to retry;
    * ``"suppressed"``: every recipient was on the blacklist; nothing was sent;
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
    #: The recipients removed by the blacklist (``AWS_SES_USE_BLACKLIST``).
    suppressed_recipients: tuple[str, ...] = ()
    #: The recipients that SES did not accept (empty when ``status == "sent"``).
    unsent_recipients: tuple[str, ...] = ()

    @property
    def sent(self) -> bool:
        """True when SES accepted the message for every recipient."""
        return self.status == SENT
