"""Admin of the send log: each sent message, its recipients' states and its events' timeline.

The list filters by state, date, tag and configuration set, and searches by
recipient (hashed first when ``AWS_SES_SEND_LOG_HASH_RECIPIENTS`` is on) or SES
message id. A message's page shows, per recipient, the events in order, each
with its raw SES record one click away.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from django_ses.admin.logs import ReadOnlyAdmin, pretty_json
from django_ses.send_log.keys import recipient_key
from django_ses.send_log.models import SentMessage, SentMessageEvent, SentRecipient
from django_ses.send_log.states import State

__all__ = ["SentMessageAdmin", "SentMessageEventAdmin", "StateFilter", "TagFilter"]

#: How many recent messages the tag filter reads its choices from.
TAG_CHOICES_FROM = 500


class StateFilter(admin.SimpleListFilter):
    """Messages with at least one recipient in the state."""

    title = "recipient state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in State.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        in_state = SentRecipient.objects.filter(message_id=OuterRef("message_id"), state=value)
        filtered: QuerySet[Any] = queryset.filter(Exists(in_state))
        return filtered


class TagFilter(admin.SimpleListFilter):
    """Messages sent with a tag (``name=value``); the choices come from recent messages."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        pairs: set[str] = set()
        recent = SentMessage.objects.order_by("-sent_at").values_list("tags", flat=True)
        for tags in recent[:TAG_CHOICES_FROM]:
            if isinstance(tags, dict):
                pairs.update(f"{name}={value}" for name, value in tags.items())
        return [(pair, pair) for pair in sorted(pairs)[:100]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value or "=" not in value:
            return queryset
        name, _, tag_value = value.partition("=")
        if not name or "__" in name:
            nothing: QuerySet[Any] = queryset.none()
            return nothing
        tagged: QuerySet[Any] = queryset.filter(**{f"tags__{name}": tag_value})
        return tagged


def _raw_link(event: SentMessageEvent) -> str:
    url = reverse("admin:django_ses_sentmessageevent_change", args=[event.pk])
    return format_html(
        '<details><summary>raw event</summary><pre>{}</pre><a href="{}">open</a></details>',
        json.dumps(event.raw, indent=2, sort_keys=True, default=str),
        url,
    )


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "sent_at",
        "message_id",
        "from_email",
        "recipient_states_list",
        "subject",
        "configuration_set",
        "template",
    )
    list_filter = (StateFilter, "sent_at", TagFilter, "configuration_set", "queued")
    search_fields = ("=message_id",)
    date_hierarchy = "sent_at"
    list_per_page = 100
    fields = (
        "message_id",
        "sent_at",
        "from_email",
        "subject",
        "tags_pretty",
        "configuration_set",
        "template",
        "queued",
        "timeline",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SentMessage]:
        queryset: QuerySet[SentMessage] = (
            super().get_queryset(request).prefetch_related("recipient_states")
        )
        return queryset

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A message id, or a recipient's address (hashed when the log stores hashes)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        to_recipient = SentRecipient.objects.filter(
            message_id=OuterRef("message_id"), recipient=recipient_key(term)
        )
        return queryset.filter(Q(message_id=term) | Q(Exists(to_recipient))), False

    @admin.display(description="Recipients")
    def recipient_states_list(self, obj: SentMessage) -> str:
        states = list(obj.recipient_states.all())
        return format_html_join(
            ", ", "{}: <b>{}</b>", ((r.recipient, r.get_state_display()) for r in states)
        )

    @admin.display(description="Tags")
    def tags_pretty(self, obj: SentMessage) -> str:
        return pretty_json(obj.tags)

    @admin.display(description="Timeline")
    def timeline(self, obj: SentMessage) -> str:
        """Each recipient's state, then its events in order, each with its raw record."""
        events = list(obj.events.all())
        blocks = []
        for state in obj.recipient_states.all().order_by("pk"):
            rows = format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        e.timestamp or e.received_at,
                        e.event_type,
                        e.state or "-",
                        e.detail,
                        _raw_link(e),
                    )
                    for e in events
                    if state.recipient in (e.recipients or [])
                ),
            )
            blocks.append(
                format_html(
                    "<h3>{} — {}{}</h3><table><thead><tr><th>When</th><th>Event</th>"
                    "<th>State</th><th>Detail</th><th></th></tr></thead><tbody>{}</tbody></table>",
                    state.recipient,
                    state.get_state_display(),
                    f" ({state.detail})" if state.detail else "",
                    rows or format_html('<tr><td colspan="5">No events yet.</td></tr>'),
                )
            )
        return format_html_join("", "{}", ((b,) for b in blocks)) or "-"


@admin.register(SentMessageEvent)
class SentMessageEventAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "event_type", "message", "state", "detail")
    list_filter = ("event_type", "state", "timestamp")
    search_fields = ("=message__message_id", "=sns_message_id")
    list_select_related = ("message",)
    list_per_page = 100
    fields = (
        "message",
        "event_type",
        "recipients",
        "state",
        "detail",
        "timestamp",
        "received_at",
        "sns_message_id",
        "raw_pretty",
    )
    readonly_fields = fields

    @admin.display(description="Raw SES event")
    def raw_pretty(self, obj: SentMessageEvent) -> str:
        return pretty_json(obj.raw)
