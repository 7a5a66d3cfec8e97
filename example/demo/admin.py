from __future__ import annotations

from django.contrib import admin

from demo.models import ReceivedEmail, ReceivedEvent


@admin.register(ReceivedEvent)
class ReceivedEventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "message_id", "timestamp", "received_at"]
    list_filter = ["event_type"]
    search_fields = ["message_id"]


@admin.register(ReceivedEmail)
class ReceivedEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "mail_from", "raw_size", "received_at"]
    search_fields = ["subject", "mail_from", "ses_message_id"]
