"""Signals sent by django_ses.

Every event signal is sent with ``mail_obj``, the kind-specific object (see the
table in the docs) and ``raw_message``; receivers must accept ``**kwargs``.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sending.
message_sent = Signal()  # message

# SES events, one per event type: mail_obj, <kind>_obj, raw_message.
bounce_received = Signal()  # bounce_obj
complaint_received = Signal()  # complaint_obj
delivery_received = Signal()  # delivery_obj
send_received = Signal()  # send_obj
open_received = Signal()  # open_obj
click_received = Signal()  # click_obj
reject_received = Signal()  # reject_obj
rendering_failure_received = Signal()  # failure_obj
delivery_delay_received = Signal()  # delivery_delay_obj
subscription_received = Signal()  # subscription_obj

# Every SES event, normalised: event.
event_received = Signal()

# Inbound mail: mail_obj, receipt_obj, message, raw_message.
inbound_received = Signal()

__all__ = [
    "bounce_received",
    "click_received",
    "complaint_received",
    "delivery_delay_received",
    "delivery_received",
    "event_received",
    "inbound_received",
    "message_sent",
    "open_received",
    "reject_received",
    "rendering_failure_received",
    "send_received",
    "subscription_received",
]
