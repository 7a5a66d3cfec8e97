"""One message rendered for SES: the immutable :class:`EmailPayload`, and how it is built.

:func:`build_payload` is the message-building step of the pipeline: recipients
filtered through the blacklist, sender, configuration set, tags, raw MIME,
DKIM signature, size check. The sender (:mod:`django_ses.sending.sender`)
and the queue (:mod:`django_ses.sending.queued_email`) take the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError, MessageTooLargeError
from django_ses.sending import dkim, list_management, mime, request, template, unsubscribe
from django_ses.sending.options import SendOptions
from django_ses.sending.request import Envelope
from django_ses.sending.suppression import Suppression
from django_ses.sending.template import TemplateSpec

__all__ = ["EmailPayload", "build_payload"]


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
        alone = self.list_management is not None or bool(self.raw_prefixes)
        return request.chunk_recipients(
            self.recipients, 1 if alone else request.MAX_DESTINATIONS_PER_CALL
        )

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
    if not recipients:
        raise InvalidMessageError("The message has no recipients (To, Cc or Bcc).")
    allowed, suppressed = suppression.split(recipients)
    listed = suppression.listed(suppressed)
    spec = template.template_spec(message, allowed)
    if spec is not None:
        _check_templated(spec, options, len(recipients))
    to_header: list[str] | None = None
    cc_header: list[str] | None = None
    if suppressed:
        to_header = [a for a in message.to if a and suppression.allows(str(a))]
        cc_header = [a for a in message.cc if a and suppression.allows(str(a))]
    if not allowed:
        return EmailPayload(
            raw=b"",
            recipients=(),
            envelope=envelope,
            suppressed=suppressed,
            on_suppression_list=listed,
        )
    sender = mime.encode_address(
        str(options.from_email or message.from_email),
        field="AWS_SES_FROM_EMAIL" if options.from_email else "from address",
    )
    configuration_set = _configuration_set(message, options)
    tags = request.merge_tags(options.default_tags, getattr(message, "ses_tags", None))
    managed = list_management.list_management_options(
        message, options.list_management, api=options.api
    )
    unsubscribe_headers = _unsubscribe_headers(message, allowed, managed)
    if spec is not None:
        if unsubscribe_headers:
            unsubscribe.refuse_copies(message)
            spec = unsubscribe.personalise_template(spec, unsubscribe_headers)
        return EmailPayload(
            raw=b"",
            recipients=tuple(allowed),
            sender=sender,
            envelope=envelope,
            configuration_set=configuration_set,
            tags=tags,
            suppressed=suppressed,
            on_suppression_list=listed,
            template=spec,
            list_management=managed,
        )
    mime.check_size_before_rendering(message, options.api)
    raw = mime.render_mime(message, to=to_header, cc=cc_header, configuration_set=configuration_set)
    prefixes: dict[str, bytes] = {}
    if unsubscribe_headers:
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
    mime.check_size(raw + max(prefixes.values(), key=len, default=b""), options.api)
    return EmailPayload(
        raw=raw,
        recipients=tuple(allowed),
        sender=sender,
        envelope=envelope,
        configuration_set=configuration_set,
        tags=tags,
        suppressed=suppressed,
        on_suppression_list=listed,
        list_management=managed,
        raw_prefixes=prefixes,
    )


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
