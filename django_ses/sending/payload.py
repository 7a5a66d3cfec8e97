"""One message rendered for SES: the immutable :class:`EmailPayload`, and how it is built.

:func:`build_payload` is the message-building step of the pipeline: recipients
filtered through the blacklist, sender, configuration set, tags, raw MIME,
DKIM signature, size check. The sender (:mod:`django_ses.sending.sender`)
and the queue (:mod:`django_ses.sending.queued_email`) take the result.

:func:`check_payload` runs every check of :func:`build_payload` (the exact
size included) on the message's skeleton (:func:`~django_ses.sending.attachments.skeleton`:
its binary attachments stand in as small placeholders) and keeps no MIME: its
:class:`Draft` knows the recipients and renders the message when it is its
turn (:meth:`Draft.render`). A batch is checked whole before anything is
sent, and rendered one window at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.utils import make_msgid

from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending import attachments, dkim, mime, request, template
from django_ses.sending.options import SendOptions
from django_ses.sending.request import Envelope
from django_ses.sending.suppression import Suppression
from django_ses.sending.template import TemplateSpec

__all__ = ["Draft", "EmailPayload", "build_payload", "check_payload"]


@dataclass(frozen=True)
class EmailPayload:
    """One message, ready to send: raw MIME and the request parameters.

    ``recipients`` is empty when every recipient was suppressed by the blacklist.
    """

    raw: bytes
    recipients: tuple[mime.Recipient, ...]
    sender: str | None = None
    envelope: Envelope = field(default_factory=Envelope)
    configuration_set: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The recipients removed by the blacklist.
    suppressed: tuple[str, ...] = ()
    #: A templated message: SES renders it (``raw`` is empty).
    template: TemplateSpec | None = None

    def chunks(self) -> list[list[mime.Recipient]]:
        """The recipients, in groups of at most 50: one API call each."""
        return request.chunk_recipients(self.recipients)


def build_payload(
    message: EmailMessage,
    recipients: Sequence[mime.Recipient],
    *,
    options: SendOptions,
    envelope: Envelope,
    suppression: Suppression,
) -> EmailPayload:
    """Render ``message`` for SES.

    Raises :class:`~django_ses.exceptions.InvalidMessageError` (or
    :class:`~django_ses.exceptions.DKIMError`) when it cannot be sent.
    """
    head = _head(message, recipients, options, (envelope, suppression))
    if head.template is not None or not head.recipients:
        return head
    return replace(head, raw=_raw_mime(message, head, options, suppression))


@dataclass(frozen=True)
class Draft:
    """A message checked for sending but not rendered (see :func:`check_payload`).

    ``head`` is its payload without the raw MIME (a templated message, or one
    whose recipients were all suppressed, has none: ``head`` is then the
    payload itself); ``size`` is the exact size of the raw MIME it renders to,
    with ``message_id`` as its ``Message-ID`` (unless the message sets one).
    """

    head: EmailPayload
    size: int
    options: SendOptions
    suppression: Suppression
    message_id: str | None = None

    def render(self, message: EmailMessage) -> EmailPayload:
        """The payload of ``message`` (the one this draft was checked from), rendered now.

        What the check computed (sender, configuration set, tags) is not
        computed again: a ``AWS_SES_CONFIGURATION_SET`` callable is called once.
        """
        if self.head.template is not None or not self.head.recipients:
            return self.head
        raw = _raw_mime(message, self.head, self.options, self.suppression, self.message_id)
        return replace(self.head, raw=raw)


def check_payload(
    message: EmailMessage,
    recipients: Sequence[mime.Recipient],
    *,
    options: SendOptions,
    envelope: Envelope,
    suppression: Suppression,
) -> Draft:
    """Check ``message`` as :func:`build_payload` would, without rendering it in full.

    Raises what :func:`build_payload` raises for it. The message's skeleton is
    rendered (every header and part, DKIM signature included, each binary
    attachment as a small placeholder) and its size, plus the attachments'
    base64, checked against the limit; the rendered skeleton is not kept.
    """
    head = _head(message, recipients, options, (envelope, suppression))
    if head.template is not None or not head.recipients:  # nothing to render
        return Draft(head, 0, options, suppression)
    mime.check_size_before_rendering(message, options.api)
    skeleton, growth = attachments.skeleton(message)
    message_id = make_msgid(domain=str(DNS_NAME))  # its length varies: the same one for both
    size = len(_raw_mime(skeleton, head, options, suppression, message_id)) + growth
    mime.check_size(size, options.api)
    return Draft(head, size, options, suppression, message_id)


def _head(
    message: EmailMessage,
    recipients: Sequence[mime.Recipient],
    options: SendOptions,
    envelope_and_suppression: tuple[Envelope, Suppression],
) -> EmailPayload:
    """The payload of ``message`` without its raw MIME (templated: the whole payload)."""
    envelope, suppression = envelope_and_suppression
    if not recipients:
        raise InvalidMessageError("The message has no recipients (To, Cc or Bcc).")
    allowed, suppressed = suppression.split(recipients)
    spec = template.template_spec(message, allowed)
    if spec is not None:
        _check_templated(spec, options, len(recipients))
    if not allowed:
        return EmailPayload(raw=b"", recipients=(), envelope=envelope, suppressed=suppressed)
    sender = mime.encode_address(
        str(options.from_email or message.from_email),
        field="AWS_SES_FROM_EMAIL" if options.from_email else "from address",
    )
    return EmailPayload(
        raw=b"",
        recipients=tuple(allowed),
        sender=sender,
        envelope=envelope,
        configuration_set=_configuration_set(message, options),
        tags=request.merge_tags(options.default_tags, getattr(message, "ses_tags", None)),
        suppressed=suppressed,
        template=spec,
    )


def _raw_mime(
    message: EmailMessage,
    head: EmailPayload,
    options: SendOptions,
    suppression: Suppression,
    message_id: str | None = None,
) -> bytes:
    """The raw MIME of ``message`` for ``head``: rendered, DKIM-signed, its size checked."""
    to_header: list[str] | None = None
    cc_header: list[str] | None = None
    if head.suppressed:
        to_header = [a for a in message.to if a and suppression.allows(str(a))]
        cc_header = [a for a in message.cc if a and suppression.allows(str(a))]
    mime.check_size_before_rendering(message, options.api)
    raw = mime.render_mime(
        message,
        to=to_header,
        cc=cc_header,
        configuration_set=head.configuration_set,
        message_id=message_id,
    )
    if options.dkim_domain and options.dkim_key:
        raw = dkim.sign_message(
            raw,
            domain=options.dkim_domain,
            private_key=options.dkim_key,
            selector=options.dkim_selector,
            headers=options.dkim_headers,
        )
    mime.check_size(len(raw), options.api)
    return raw


def _check_templated(spec: TemplateSpec, options: SendOptions, destinations: int) -> None:
    limit = options.template_max_destinations
    if isinstance(limit, int) and destinations > limit:
        raise InvalidMessageError(
            f"The templated message has {destinations} destinations, more than "
            f"AWS_SES_TEMPLATE_MAX_DESTINATIONS ({limit}): split it into several messages, "
            "or raise the setting."
        )
    if options.api != "v2":
        raise InvalidMessageError(
            "SES templates are sent with the SES v2 API: set AWS_SES_USE_V2 = True "
            "(or pass use_ses_v2=True to the backend)."
        )
    if options.dkim_domain and options.dkim_key:
        raise InvalidMessageError(
            "Manual DKIM signing (AWS_SES_DKIM_KEY) cannot sign a templated message, "
            "which SES renders: verify the domain with Easy DKIM, which signs every message."
        )
    size = sum(len(a["RawContent"]) for a in spec.attachments) + len(spec.data)
    limit = mime.SIZE_LIMITS["v2"]
    if size > limit:
        raise MessageTooLargeError(size, limit, "v2")


def _configuration_set(message: EmailMessage, options: SendOptions) -> str | None:
    from_header = mime.configuration_set_header(message)
    if from_header:
        return from_header
    setting = options.configuration_set
    if callable(setting):
        value = setting(
            message,
            dkim_domain=options.dkim_domain,
            dkim_key=options.dkim_key,
            dkim_selector=options.dkim_selector,
            dkim_headers=options.dkim_headers,
        )
    else:
        value = setting
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidMessageError(
            f"AWS_SES_CONFIGURATION_SET gave {value!r}; a configuration set name must be "
            "a string (or the callable must return one, or None)."
        )
    return value
