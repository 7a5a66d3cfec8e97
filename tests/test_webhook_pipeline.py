"""The webhook's modules: the dispatch table, the lazy package, the certificate cache registry."""

from __future__ import annotations

import importlib

import pytest

from django_ses import caches, webhook
from django_ses.events import EVENT_KINDS
from django_ses.webhook import dispatch
from django_ses.webhook.views import SESEventWebhookView


def test_every_event_kind_has_a_route_and_a_hook():
    assert set(dispatch.EVENT_ROUTES) == {kind.event_type for kind in EVENT_KINDS}
    for route in dispatch.EVENT_ROUTES.values():
        assert callable(getattr(SESEventWebhookView, route.hook))


def test_the_hooks_of_the_dispatch_table_are_found_by_name():
    assert dispatch.event_hook({"notificationType": "Bounce"}) == "handle_bounce"
    assert dispatch.event_hook({"eventType": "Rendering Failure"}) == "handle_rendering_failure"
    assert dispatch.event_hook({"notificationType": "Received"}) == "handle_received"
    assert dispatch.event_hook({"eventType": "Nope"}) == "handle_unknown_event_type"
    assert dispatch.sns_type_hook("Nope") == "handle_unknown_notification_type"


@pytest.mark.parametrize("name", webhook.__all__)
def test_every_name_of_the_webhook_package_resolves(name):
    assert getattr(webhook, name) is getattr(importlib.import_module(webhook._HOMES[name]), name)


def test_an_unknown_name_of_the_webhook_package_is_an_attribute_error():
    with pytest.raises(AttributeError):
        webhook.nothing_here  # noqa: B018


def test_the_certificate_cache_is_registered():
    assert "sns_certificates" in {cache.name for cache in caches.registered()}
