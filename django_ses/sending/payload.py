"""One message rendered for SES: the immutable :class:`EmailPayload`, and how it is built.

:func:`build_payload` is the message-building step of the pipeline: recipients
filtered through the blacklist, sender, configuration set, tags, raw MIME,
DKIM signature, size check. The sender (:mod:`django_ses.sending.sender`)
and the queue (:mod:`django_ses.sending.queued_email`) take the result.

:func:`check_payload` runs every check of :func:`build_payload` (the exact
size included) on the message's skeleton (:func:`~django_ses.sending.attachments.skeleton`:
its binary attachments stand in as small placeholders): its :class:`Draft`
knows the recipients and gives the payload when it is the message's turn
(:meth:`Draft.render`). A batch is checked whole before anything is sent, and
its attachments are rendered one window at a time.

A skeleton's rendering is kept when it can be finished without rendering
again: the message is not DKIM-signed here (a signature covers the body, the
attachments included) and the rendering is at most :data:`KEPT_SKELETON`
bytes. :meth:`Draft.render` then splices the attachments' base64 into it
(:func:`~django_ses.sending.attachments.splice`), the bytes a full rendering
gives; otherwise, and should a splice fail, it renders the message again.
A waiting message so costs at most :data:`KEPT_SKELETON` bytes beyond itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.utils import make_msgid

from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending import (
    attachments,
    dkim,
    list_management,
    mime,
    request,
    template,
    unsubscribe,
)
from django_ses.sending.options import SendOptions
from django_ses.sending.request import Envelope
from django_ses.sending.suppression import Suppression
from django_ses.sending.template import TemplateSpec

__all__ = ["KEPT_SKELETON", "Draft", "EmailPayload", "build_payload", "check_payload"]

#: The largest skeleton rendering a :class:`Draft` keeps (see the module docstring).
KEPT_SKELETON = 64 * 1024


@dataclass(frozen=True)
class EmailPayload:
    """One message, ready to send: raw MIME and the request parameters.

    ``recipients`` is empty when every recipient was suppressed (by the blacklist or
    the SES suppression list).
    """

    raw: bytes
    recipients: tuple[mime.Recipient, ...]
    sender: str | None = None
    envelope: Envelope = field(default_factory=Envelope)
    configuration_set: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The recipients removed by the blacklist or the SES suppression list.
    suppressed: tuple[str, ...] = ()
    #: Those of ``suppressed`` on the SES suppression list (``AWS_SES_CHECK_SUPPRESSION_LIST``).
    on_suppression_list: tuple[str, ...] = ()
    #: A templated message: SES renders it (``raw`` is empty).
    template: TemplateSpec | None = None
    #: SES v2 ``ListManagementOptions`` (:mod:`~django_ses.sending.list_management`).
    list_management: Mapping[str, str] | None = None
    #: Per-recipient header lines sent in front of ``raw``, by destination
    #: (:mod:`~django_ses.sending.unsubscribe`).
    raw_prefixes: Mapping[str, bytes] = field(default_factory=dict)

    def chunks(self) -> list[list[mime.Recipient]]:
        """The recipients, in groups of at most 50: one API call each.

        One recipient per call when each gets a message of their own (list
        management, per-recipient headers of a raw message).
        """
        return request.chunk_recipients(self.recipients, self._per_call())

    @property
    def first_call_size(self) -> int:
        """How many recipients the first of :meth:`chunks` has (what the throttle books)."""
        return min(len(self.recipients), self._per_call())

    def _per_call(self) -> int:
        alone = self.list_management is not None or bool(self.raw_prefixes)
        return 1 if alone else request.MAX_DESTINATIONS_PER_CALL

    def raw_for(self, chunk: Sequence[mime.Recipient]) -> bytes:
        """The raw MIME the call for ``chunk`` sends (its recipient's own, if any)."""
        if not self.raw_prefixes:
            return self.raw
        return self.raw_prefixes[chunk[0].destination.lower()] + self.raw


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
    head, headers = _head(message, recipients, options, (envelope, suppression))
    if head.template is not None or not head.recipients:
        return head
    payload = _render(message, head, options, suppression, headers)
    mime.check_size(_size(payload), options.api)
    return payload


@dataclass(frozen=True)
class Draft:
    """A message checked for sending but not rendered (see :func:`check_payload`).

    ``head`` is its payload without the raw MIME (a templated message, or one
    whose recipients were all suppressed, has none: ``head`` is then the
    payload itself); ``size`` is the exact size of the largest raw MIME a call
    sends for it, with ``message_id`` as its ``Message-ID`` (unless the
    message sets one); ``unsubscribe_headers`` are its recipients' own
    unsubscribe headers, if it asked for them. ``skeleton`` is the rendered
    skeleton when it is kept, and ``placeholders`` its attachments'
    placeholders.
    """

    head: EmailPayload
    size: int
    options: SendOptions
    suppression: Suppression
    message_id: str | None = None
    unsubscribe_headers: Mapping[str, unsubscribe.HeaderPairs] = field(default_factory=dict)
    skeleton: EmailPayload | None = None
    placeholders: tuple[attachments.Placeholder, ...] = ()

    def render(self, message: EmailMessage) -> EmailPayload:
        """The payload of ``message`` (the one this draft was checked from), rendered now.

        What the check computed (sender, configuration set, tags) is not
        computed again: a ``AWS_SES_CONFIGURATION_SET`` callable is called once.
        """
        if self.head.template is not None or not self.head.recipients:
            return self.head
        spliced = self._spliced()
        if spliced is not None:
            return spliced
        payload = _render(
            message,
            self.head,
            self.options,
            self.suppression,
            self.unsubscribe_headers,
            self.message_id,
        )
        mime.check_size(_size(payload), self.options.api)
        return payload

    def _spliced(self) -> EmailPayload | None:
        """The kept skeleton with the attachments spliced in (``None``: render again)."""
        if self.skeleton is None:
            return None
        raw = attachments.splice(self.skeleton.raw, self.placeholders)
        if raw is None:
            return None
        payload = replace(self.skeleton, raw=raw)
        return payload if _size(payload) == self.size else None


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
    rendered (every header and part, DKIM signature and per-recipient header
    lines included, each binary attachment as a small placeholder) and its
    size, plus the attachments' base64, checked against the limit; the
    rendered skeleton is kept when it can be spliced (see the module docstring).
    """
    head, headers = _head(message, recipients, options, (envelope, suppression))
    if head.template is not None or not head.recipients:  # nothing to render
        return Draft(head, 0, options, suppression)
    mime.check_size_before_rendering(message, options.api)
    skeleton = attachments.skeleton(message)
    message_id = make_msgid(domain=str(DNS_NAME))  # its length varies: the same one for both
    rendered = _render(skeleton.message, head, options, suppression, headers, message_id)
    size = _size(rendered) + skeleton.growth
    mime.check_size(size, options.api)
    signed = bool(options.dkim_domain and options.dkim_key)
    if signed or _size(rendered) > KEPT_SKELETON:
        return Draft(head, size, options, suppression, message_id, headers)
    return Draft(
        head, size, options, suppression, message_id, headers, rendered, skeleton.placeholders
    )


def _head(
    message: EmailMessage,
    recipients: Sequence[mime.Recipient],
    options: SendOptions,
    envelope_and_suppression: tuple[Envelope, Suppression],
) -> tuple[EmailPayload, dict[str, unsubscribe.HeaderPairs]]:
    """The payload of ``message`` without its raw MIME (templated: the whole payload),
    and each recipient's unsubscribe headers for the raw MIME, if it asks for them."""
    envelope, suppression = envelope_and_suppression
    if not recipients:
        raise InvalidMessageError("The message has no recipients (To, Cc or Bcc).")
    allowed, suppressed = suppression.split(recipients)
    listed = suppression.listed(suppressed)
    spec = template.template_spec(message, allowed)
    if spec is not None:
        _check_templated(spec, options, len(recipients))
    if not allowed:
        empty = EmailPayload(
            raw=b"",
            recipients=(),
            envelope=envelope,
            suppressed=suppressed,
            on_suppression_list=listed,
        )
        return empty, {}
    sender = mime.encode_address(
        str(options.from_email or message.from_email),
        field="AWS_SES_FROM_EMAIL" if options.from_email else "from address",
    )
    managed = list_management.list_management_options(
        message, options.list_management, api=options.api
    )
    unsubscribe_headers = _unsubscribe_headers(message, allowed, managed)
    if spec is not None and unsubscribe_headers:
        unsubscribe.refuse_copies(message)
        spec = unsubscribe.personalise_template(spec, unsubscribe_headers)
        unsubscribe_headers = {}  # carried by the template's entries
    head = EmailPayload(
        raw=b"",
        recipients=tuple(allowed),
        sender=sender,
        envelope=envelope,
        configuration_set=_configuration_set(message, options),
        tags=request.merge_tags(options.default_tags, getattr(message, "ses_tags", None)),
        suppressed=suppressed,
        on_suppression_list=listed,
        template=spec,
        list_management=managed,
    )
    return head, unsubscribe_headers


def _render(
    message: EmailMessage,
    head: EmailPayload,
    options: SendOptions,
    suppression: Suppression,
    unsubscribe_headers: Mapping[str, unsubscribe.HeaderPairs],
    message_id: str | None = None,
) -> EmailPayload:
    """``head`` with the raw MIME of ``message``: rendered and DKIM-signed, with each
    recipient's own header lines in front of it when it has some."""
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
    prefixes: dict[str, bytes] = {}
    if unsubscribe_headers:  # each copy is signed, not the shared part
        prefixes = unsubscribe.raw_prefixes(
            raw, unsubscribe_headers, sign=unsubscribe.dkim_signer(options)
        )
    elif options.dkim_domain and options.dkim_key:
        raw = dkim.sign_message(
            raw,
            domain=options.dkim_domain,
            private_key=options.dkim_key,
            selector=options.dkim_selector,
            headers=options.dkim_headers,
        )
    return replace(head, raw=raw, raw_prefixes=prefixes)


def _size(payload: EmailPayload) -> int:
    """The size of the largest raw MIME a call sends for ``payload``."""
    return len(payload.raw) + max(map(len, payload.raw_prefixes.values()), default=0)


def _unsubscribe_headers(
    message: EmailMessage,
    recipients: Sequence[mime.Recipient],
    managed: Mapping[str, str] | None,
) -> dict[str, unsubscribe.HeaderPairs]:
    """Each destination's unsubscribe headers, when the message asks for them."""
    list_name = unsubscribe.unsubscribe_list(message)
    if list_name is None:
        return {}
    if managed is not None:
        raise InvalidMessageError(
            "The message asks for its own unsubscribe headers (ses_unsubscribe) and for SES "
            "list management, which adds SES's: set ses_list_management = False on it, or "
            "drop ses_unsubscribe."
        )
    return unsubscribe.recipient_headers(message, recipients, list_name)


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
