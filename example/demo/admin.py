from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from demo.models import ReceivedEmail, ReceivedEvent


class FilledBySignalsAdmin(admin.ModelAdmin):
    """Rows come from the signal receivers: they can be looked at and deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReceivedEvent)
class ReceivedEventAdmin(FilledBySignalsAdmin):
    list_display = ["event_type", "message_id", "timestamp", "received_at"]
    list_filter = ["event_type"]
    search_fields = ["message_id"]


@admin.register(ReceivedEmail)
class ReceivedEmailAdmin(FilledBySignalsAdmin):
    list_display = ["subject", "mail_from", "raw_size", "received_at"]
    search_fields = ["subject", "mail_from", "ses_message_id"]
