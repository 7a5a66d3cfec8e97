"""``django_ses.QueuedSESBackend``: send through SES from Django Tasks workers.

``send_messages()`` prepares every message exactly as
:class:`~django_ses.SESBackend` does (:func:`~django_ses.sending.batch.prepare_batch`:
recipients, blacklist, configuration set, tags, MIME, DKIM signature, size;
an invalid message raises the same error, before anything is queued), then
enqueues one ``django_ses.tasks.send_queued_email`` task per valid message,
with its JSON-safe payload (:class:`~django_ses.sending.queued_email.QueuedEmail`).
The message gets ``message.ses_status.status == "queued"`` and
``message.ses_task_result``.

A worker then runs :func:`django_ses.sending.worker.deliver`, which sends the
payload with the same sender as ``SESBackend``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

from django_ses.backends.ses import SESBackend
from django_ses.conf import get_setting
from django_ses.sending.batch import prepare_batch
from django_ses.sending.options import UNSET
from django_ses.sending.payload import EmailPayload
from django_ses.sending.queued_email import PAYLOAD_FORMAT, QueuedEmail
from django_ses.sending.result import Outcome, aborted, failed, record
from django_ses.sending.status import QUEUED, SESStatus
from django_ses.tasks import get_task

__all__ = ["QueuedSESBackend"]

logger = logging.getLogger(__name__)

#: Constructor keywords that travel in the payload (JSON-safe, not secret).
_QUEUED_OPTIONS = (
    "aws_session_profile",
    "aws_region_name",
    "aws_region_endpoint",
    "aws_auto_throttle",
    "ses_source_arn",
    "ses_from_arn",
    "ses_return_path_arn",
    "use_ses_v2",
    "aws_global_endpoint_id",
)
#: Keywords that cannot travel in a task payload (secret, or not JSON-safe).
_UNQUEUEABLE_OPTIONS = ("aws_access_key", "aws_secret_key", "aws_session_token", "aws_config")


class QueuedSESBackend(SESBackend):
    """An email backend that queues each message as a Django task; workers send it.

    It takes ``SESBackend``'s keywords. The credential keywords and
    ``aws_config`` cannot be put in a task payload: set them as settings (or,
    on Django 6.1, in the ``MAILERS`` ``OPTIONS`` the backend comes from, which
    workers read from their own settings). ``send_messages()`` returns the
    number of messages queued.
    """

    #: The payloads this backend queues; a worker only runs a backend that has it.
    queued_payload_format: ClassVar[str] = PAYLOAD_FORMAT

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently, **kwargs)
        mailer = self._mailers_alias()
        passed = {k for k in _UNQUEUEABLE_OPTIONS if kwargs.get(k, UNSET) not in (UNSET, None)}
        if passed and mailer is None:
            raise ImproperlyConfigured(
                f"QueuedSESBackend got {', '.join(sorted(passed))}: credentials and "
                "botocore Config objects are never put in the task queue. Set them in "
                "the settings the workers read (AWS_SES_ACCESS_KEY_ID, "
                "AWS_SES_SECRET_ACCESS_KEY, AWS_SES_SESSION_TOKEN, AWS_SES_CONFIG) or in "
                "their environment."
            )
        self._mailer = mailer
        self._queued_options = {
            k: kwargs[k] for k in _QUEUED_OPTIONS if kwargs.get(k, UNSET) is not UNSET
        }

    def _mailers_alias(self) -> str | None:
        """The Django 6.1 ``MAILERS`` alias this backend was built from, if any."""
        alias = getattr(self, "alias", None)
        mailers = get_setting("MAILERS")
        if isinstance(alias, str) and isinstance(mailers, dict) and alias in mailers:
            return alias
        return None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        """Validate ``email_messages`` and queue one task per valid message.

        Returns the number of messages queued (0 for none).
        """
        if not email_messages:
            return 0
        task = get_task()
        queued = 0
        for outcome in self._outcomes(list(email_messages), task):
            record(outcome)
            if outcome.status.status == QUEUED:
                queued += 1
        return queued

    def _outcomes(self, messages: list[EmailMessage], task: Any) -> Iterator[Outcome]:
        sendable = yield from prepare_batch(
            messages,
            self.options,
            fail_silently=self.fail_silently,
            suppression_list=self.suppression_list_check(),
        )
        for index, (message, draft) in enumerate(sendable):
            try:
                payload = draft.render(message)  # one rendered message alive at a time
                result = task.enqueue(self._queued_email(message, payload).to_payload())
            except Exception as error:
                yield failed(message, error)
                for rest, _ in sendable[index + 1 :]:
                    yield failed(rest, aborted(error))
                if not self.fail_silently:
                    raise
                logger.warning("django_ses: could not queue a message: %s", error)
                return
            status = SESStatus(
                QUEUED,
                suppressed_recipients=draft.head.suppressed,
                suppression_list_recipients=draft.head.on_suppression_list,
            )
            yield Outcome(message, status, task_result=result)

    def _queued_email(self, message: EmailMessage, payload: EmailPayload) -> QueuedEmail:
        backend_class = type(self)
        path = (
            "django_ses.QueuedSESBackend"
            if backend_class is QueuedSESBackend
            else f"{backend_class.__module__}.{backend_class.__qualname__}"
        )
        return QueuedEmail.of(
            payload,
            subject=str(message.subject or ""),
            from_email=str(message.from_email or ""),
            backend=path,
            options={} if self._mailer else self._queued_options,
            mailer=self._mailer,
        )
