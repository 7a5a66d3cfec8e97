"""The task payload of a queued message: what travels from the web process to the worker.

Task arguments must be JSON-serialisable, so :class:`QueuedEmail` is turned
into a plain ``dict`` (:meth:`QueuedEmail.to_payload`) and back
(:meth:`QueuedEmail.from_payload`). Pure functions, no I/O.

The message is rendered once, when it is queued: the payload carries the raw
MIME exactly as SES will receive it (already DKIM-signed when manual DKIM is
configured, without Bcc), so the worker never renders or signs again. The
payload, format ``django_ses.queued/1``::

    {
        "format": "django_ses.queued/1",
        "delivery_id": "5f0c…",            # unique per queued message
        "backend": "django_ses.QueuedSESBackend",
        "mailer": null,                    # Django 6.1 MAILERS alias, if any
        "options": {"use_ses_v2": true},   # constructor keywords (never credentials)
        "raw_message": "RnJvbTog…",        # base64 of the raw MIME
        "sender": "sender@example.com",    # Source / FromEmailAddress
        "envelope": {"from_email": null, "return_path": null, "source_arn": null,
                     "from_arn": null, "return_path_arn": null,
                     "global_endpoint_id": null},
        "recipients": [{"kind": "to", "address": "Ann <ann@example.net>",
                        "destination": "ann@example.net"}, …],
        "suppressed_recipients": [],       # removed by the blacklist when queued
        "suppression_list_recipients": [], # of those, on the SES suppression list
        "configuration_set": "tracking",
        "tags": {"campaign": "spring"},
        "subject": "Hello",
        "from_email": "sender@example.com",
        "attempt": 1,                      # 2, 3… when the worker queued it again
        "template": null,                  # a templated message: its TemplateSpec
        "list_management": null,           # SES v2 ListManagementOptions, if any
        "raw_prefixes": {}                 # per-recipient header lines (base64), by destination
    }

``attempt``, ``template``, ``suppression_list_recipients``, ``list_management``
and ``raw_prefixes`` are optional (a payload without them is a first attempt of a
raw message): the format stays ``django_ses.queued/1``. A templated message has an
empty ``raw_message`` and its :class:`~django_ses.sending.template.TemplateSpec` in ``template``
(:mod:`django_ses.sending.template_codec`).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.core.mail import EmailMessage

from django_ses.exceptions import InvalidMessageError
from django_ses.sending.mime import Recipient
from django_ses.sending.payload import EmailPayload
from django_ses.sending.request import Envelope
from django_ses.sending.template import TemplateSpec
from django_ses.sending.template_codec import spec_from_json, spec_to_json

__all__ = ["PAYLOAD_FORMAT", "QueuedEmail"]

#: The ``format`` of the payloads this version writes and reads.
PAYLOAD_FORMAT = "django_ses.queued/1"

_KINDS = ("to", "cc", "bcc")
_ENVELOPE_FIELDS = tuple(f.name for f in fields(Envelope))
#: The fields a QueuedEmail shares with an EmailPayload: {queued name: payload name}.
_SHARED = {
    "raw": "raw",
    "recipients": "recipients",
    "sender": "sender",
    "envelope": "envelope",
    "configuration_set": "configuration_set",
    "tags": "tags",
    "suppressed_recipients": "suppressed",
    "suppression_list_recipients": "on_suppression_list",
    "template": "template",
    "list_management": "list_management",
    "raw_prefixes": "raw_prefixes",
}


@dataclass(frozen=True)
class QueuedEmail:
    """One message, rendered and ready for a worker to send."""

    raw: bytes
    recipients: tuple[Recipient, ...]
    sender: str | None
    envelope: Envelope = field(default_factory=Envelope)
    configuration_set: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    suppressed_recipients: tuple[str, ...] = ()
    suppression_list_recipients: tuple[str, ...] = ()
    subject: str = ""
    from_email: str = ""
    #: The dotted path of the backend class the worker sends with.
    backend: str = "django_ses.QueuedSESBackend"
    #: JSON-safe constructor keywords of that backend.
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The Django 6.1 ``MAILERS`` alias the backend came from, if any.
    mailer: str | None = None
    delivery_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Which attempt this is: 1 when queued by the backend, then 2, 3… (see
    #: :mod:`django_ses.sending.retry`).
    attempt: int = 1
    #: A templated message (``raw`` is empty then): SES renders it.
    template: TemplateSpec | None = None
    #: SES v2 ``ListManagementOptions``.
    list_management: Mapping[str, str] | None = None
    #: Per-recipient header lines in front of ``raw``, by destination (unsubscribe headers).
    raw_prefixes: Mapping[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, payload: EmailPayload, **metadata: Any) -> QueuedEmail:
        """The queued form of ``payload``; ``metadata`` are the other fields."""
        fields_of_payload = {mine: getattr(payload, theirs) for mine, theirs in _SHARED.items()}
        return cls(**fields_of_payload, **metadata)

    def email_payload(self) -> EmailPayload:
        """What the worker sends (every recipient; it drops the ones already accepted)."""
        shared = {theirs: getattr(self, mine) for mine, theirs in _SHARED.items()}
        return EmailPayload(**{**shared, "tags": dict(self.tags)})

    def to_payload(self) -> dict[str, Any]:
        """The JSON-safe ``dict`` a task is enqueued with."""
        return {
            "format": PAYLOAD_FORMAT,
            "delivery_id": self.delivery_id,
            "backend": self.backend,
            "mailer": self.mailer,
            "options": dict(self.options),
            "raw_message": base64.b64encode(self.raw).decode("ascii"),
            "sender": self.sender,
            "envelope": asdict(self.envelope),
            "recipients": [
                {"kind": r.kind, "address": r.address, "destination": r.destination}
                for r in self.recipients
            ],
            "suppressed_recipients": list(self.suppressed_recipients),
            "suppression_list_recipients": list(self.suppression_list_recipients),
            "configuration_set": self.configuration_set,
            "tags": dict(self.tags),
            "subject": self.subject,
            "from_email": self.from_email,
            "attempt": self.attempt,
            "template": None if self.template is None else spec_to_json(self.template),
            "list_management": None if self.list_management is None else dict(self.list_management),
            "raw_prefixes": {
                destination: base64.b64encode(prefix).decode("ascii")
                for destination, prefix in self.raw_prefixes.items()
            },
        }

    @classmethod
    def from_payload(cls, payload: Any) -> QueuedEmail:
        """Read a payload written by :meth:`to_payload`.

        Raises :class:`~django_ses.exceptions.InvalidMessageError` when it is
        not one (another format version, a missing or mistyped field).
        """
        if not isinstance(payload, Mapping):
            raise _invalid(f"a mapping is expected, not {type(payload).__name__}")
        if payload.get("format") != PAYLOAD_FORMAT:
            raise _invalid(
                f"format {payload.get('format')!r} is not {PAYLOAD_FORMAT!r} (was it queued "
                "by another version of django_ses?)"
            )
        templated = payload.get("template") is not None
        try:
            raw = (
                b""
                if templated and payload.get("raw_message") == ""
                else base64.b64decode(_text(payload, "raw_message"), validate=True)
            )
        except (binascii.Error, ValueError) as error:
            raise _invalid(f"raw_message is not base64 ({error})") from error
        envelope_data = payload.get("envelope") or {}
        if not isinstance(envelope_data, Mapping):
            raise _invalid("envelope must be a mapping")
        envelope = Envelope(**{k: _optional_text(envelope_data, k) for k in _ENVELOPE_FIELDS})
        options = payload.get("options") or {}
        tags = payload.get("tags") or {}
        if not isinstance(options, Mapping) or not isinstance(tags, Mapping):
            raise _invalid("options and tags must be mappings")
        return cls(
            raw=raw,
            recipients=tuple(_recipient(item) for item in _list(payload, "recipients")),
            sender=_optional_text(payload, "sender"),
            envelope=envelope,
            configuration_set=_optional_text(payload, "configuration_set"),
            tags={str(k): str(v) for k, v in tags.items()},
            suppressed_recipients=tuple(
                str(a) for a in _list(payload, "suppressed_recipients", required=False)
            ),
            suppression_list_recipients=tuple(
                str(a) for a in _list(payload, "suppression_list_recipients", required=False)
            ),
            subject=_optional_text(payload, "subject") or "",
            from_email=_optional_text(payload, "from_email") or "",
            backend=_text(payload, "backend"),
            options=dict(options),
            mailer=_optional_text(payload, "mailer"),
            delivery_id=_text(payload, "delivery_id"),
            attempt=_attempt(payload),
            template=None
            if payload.get("template") is None
            else spec_from_json(payload["template"]),
            list_management=_list_management(payload),
            raw_prefixes=_raw_prefixes(payload),
        )

    def rebuild_message(self) -> EmailMessage:
        """An :class:`~django.core.mail.EmailMessage` standing for the queued one.

        It has the subject, sender, To/Cc/Bcc and ``ses_tags`` of the original,
        an empty body, and the raw MIME SES receives as ``ses_raw_message``.
        """
        by_kind: dict[str, list[str]] = {kind: [] for kind in _KINDS}
        for recipient in self.recipients:
            by_kind[recipient.kind].append(recipient.address)
        message = EmailMessage(
            subject=self.subject,
            body="",
            from_email=self.from_email or None,
            to=by_kind["to"],
            cc=by_kind["cc"],
            bcc=by_kind["bcc"],
        )
        message.ses_tags = dict(self.tags)  # type: ignore[attr-defined]
        message.ses_raw_message = self.raw  # type: ignore[attr-defined]
        message.ses_delivery_id = self.delivery_id  # type: ignore[attr-defined]
        return message


def _list_management(payload: Mapping[str, Any]) -> dict[str, str] | None:
    value = payload.get("list_management")
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _invalid("list_management must be a mapping of strings or null")
    return dict(value)


def _raw_prefixes(payload: Mapping[str, Any]) -> dict[str, bytes]:
    value = payload.get("raw_prefixes") or {}
    if not isinstance(value, Mapping):
        raise _invalid("raw_prefixes must be a mapping of destinations to base64")
    try:
        return {
            str(destination): base64.b64decode(str(prefix), validate=True)
            for destination, prefix in value.items()
        }
    except (binascii.Error, ValueError) as error:
        raise _invalid(f"raw_prefixes holds something that is not base64 ({error})") from error


def _attempt(payload: Mapping[str, Any]) -> int:
    value = payload.get("attempt", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid(f"attempt must be a positive integer, not {value!r}")
    return value


def _invalid(reason: str) -> InvalidMessageError:
    return InvalidMessageError(f"Not a django_ses queued email payload: {reason}.")


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise _invalid(f"{key} must be a non-empty string, not {value!r}")
    return value


def _optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{key} must be a string or null, not {value!r}")
    return value


def _list(payload: Mapping[str, Any], key: str, *, required: bool = True) -> Sequence[Any]:
    value = payload.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, (list, tuple)) or (required and not value):
        raise _invalid(f"{key} must be a non-empty list, not {value!r}")
    return value


def _recipient(item: Any) -> Recipient:
    if not isinstance(item, Mapping) or item.get("kind") not in _KINDS:
        raise _invalid(f"a recipient must be {{'kind': 'to'|'cc'|'bcc', …}}, not {item!r}")
    return Recipient(item["kind"], _text(item, "address"), _text(item, "destination"))
