"""System checks for the SNS event webhook (ids E030-E049, W030-W049).

The checks about the extras and the topic allow-list only speak up when the
webhook is routed in the root URLconf, so projects that only send mail are
not bothered. The warning that signature verification is off (W032) is a
deployment check: ``check --deploy`` shows it, and so does
``ses_events_consume`` (through :data:`EVENTS_TAG`), not every command of a
project that turned verification off for its tests.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import get_resolver

from django_ses.conf import SETTINGS, raw_setting, written_values
from django_ses.sns.certificates import CERT_DOMAIN_SETTINGS, CERT_HOST_RULE
from django_ses.sns.envelope import is_topic_arn
from django_ses.tasks import get_event_task, task_backend_alias
from django_ses.tasks_compat import tasks_module
from django_ses.webhook.config import (
    EVENT_PROCESSING_MODES,
    allowed_topic_arns,
    verification_enabled,
)
from django_ses.webhook.legacy import handle_bounce
from django_ses.webhook.views import SESEventWebhookView

_TOPIC_SETTINGS = SETTINGS["AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS"].names

#: The hint of each message id (``E030`` is ``django_ses.E030``).
_HINTS = {
    "E031": "Use full ARNs: arn:aws:sns:<region>:<account id>:<topic name>.",
    "W031": "Keep one of the two settings.",
    "E032": (
        f"It can only narrow the built-in rule ({CERT_HOST_RULE}), "
        "e.g. ['sns.eu-west-1.amazonaws.com']."
    ),
    "E033": (
        "Use the same user and password in the HTTPS subscription URL: "
        "https://user:password@example.com/ses/event-webhook/."
    ),
    "E034": "For example AWS_SES_SNS_MAX_AGE = 3600, or remove the setting.",
    "W032": "Only turn verification off in tests.",
    "E035": "Install the events extra: pip install 'django-ses[events]'.",
    "W030": "Set AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS to the ARN(s) of your SES event topic(s).",
    "E036": 'Set AWS_SES_EVENT_PROCESSING to "inline" or "tasks".',
    "E037": 'Upgrade to Django 6.0+, or pip install "django-ses[tasks]".',
    "E038": "Add it to TASKS, or set AWS_SES_TASK_BACKEND to an alias of TASKS.",
    "E039": "Set AWS_SES_TASK_QUEUE_NAME to one of the backend's QUEUES.",
}


def _message(code: str, text: str, hint: str | None = None) -> checks.CheckMessage:
    """The check message ``django_ses.<code>``: an error for ``E…``, a warning for ``W…``."""
    level = checks.Error if code.startswith("E") else checks.Warning
    return level(text, hint=hint or _HINTS.get(code), id=f"django_ses.{code}")


#: The tag of the checks that concern the commands receiving SES events
#: (``ses_events_consume`` runs them, deployment checks included).
EVENTS_TAG = "django_ses_events"


@checks.register("django_ses", checks.Tags.security)
def check_webhook_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    parts = [*_SETTINGS_CHECKS, *(_ROUTED_CHECKS if _webhook_is_routed() else ())]
    return [message for check in parts for message in check()]


def _is_string_list(value: object) -> bool:
    return isinstance(value, str) or (
        isinstance(value, (list, tuple, set, frozenset))
        and all(isinstance(item, str) for item in value)
    )


def _check_topic_arns() -> Iterator[checks.CheckMessage]:
    for name, value in written_values("AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS"):
        if value is None:
            continue
        if not _is_string_list(value):
            example = f"For example {name} = ['arn:aws:sns:us-east-1:123456789012:ses-events']."
            yield _message("E030", f"{name} must be an SNS topic ARN or a list of them.", example)
            continue
        items = [value] if isinstance(value, str) else list(value)
        bad = [item for item in items if not is_topic_arn(item.strip())]
        if bad:
            listed = ", ".join(map(repr, bad))
            yield _message("E031", f"{name} holds values that are not SNS topic ARNs: {listed}.")
    written = dict(written_values("AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS"))
    first, alias = (written.get(name) for name in _TOPIC_SETTINGS)
    if first is not None and alias is not None and first != alias:
        yield _message(
            "W031",
            "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS and AWS_SES_ALLOWED_TOPIC_ARNS are both set and "
            "differ; only AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS is used.",
        )


def _check_cert_domains() -> Iterator[checks.CheckMessage]:
    for name, value in written_values(CERT_DOMAIN_SETTINGS[0]):
        if value is not None and not _is_string_list(value):
            yield _message("E032", f"{name} must be a domain or a list of domains.")


def _check_secret() -> Iterator[checks.CheckMessage]:
    secret = raw_setting("AWS_SES_WEBHOOK_SECRET")
    if secret in (None, ""):
        return
    if not isinstance(secret, str) or ":" not in secret or secret.startswith(":"):
        yield _message("E033", "AWS_SES_WEBHOOK_SECRET must be a string 'user:password'.")


def _check_max_age() -> Iterator[checks.CheckMessage]:
    value = raw_setting("AWS_SES_SNS_MAX_AGE")
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        yield _message("E034", "AWS_SES_SNS_MAX_AGE must be a positive number of seconds.")


@checks.register("django_ses", checks.Tags.security, EVENTS_TAG, deploy=True)
def check_signature_verification(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """W032, a deployment check: verification is meant to be off in tests and development."""
    if verification_enabled():
        return []
    return [
        _message(
            "W032",
            "SNS signature verification is off (AWS_SES_VERIFY_EVENT_SIGNATURES = False): "
            "anyone who can reach the webhook or write to the events' SQS queue can forge "
            "SES events.",
        )
    ]


def _check_extras() -> Iterator[checks.CheckMessage]:
    if not verification_enabled():
        return
    missing = [name for name in ("requests", "cryptography") if not _importable(name)]
    if missing:
        yield _message(
            "E035",
            f"The SNS webhook verifies signatures with {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed.",
        )


def _check_allow_list_present() -> Iterator[checks.CheckMessage]:
    if allowed_topic_arns() is None:
        yield _message(
            "W030",
            "No SNS topic allow-list is set: any AWS account can subscribe this webhook to "
            "its own SNS topic and send it genuine, signed SES events.",
        )


def _check_event_processing() -> Iterator[checks.CheckMessage]:
    """``AWS_SES_EVENT_PROCESSING`` and, in tasks mode, the task backend (E036-E039)."""
    mode = raw_setting("AWS_SES_EVENT_PROCESSING")
    if mode not in EVENT_PROCESSING_MODES:
        yield _message(
            "E036", f"AWS_SES_EVENT_PROCESSING is {mode!r}; SES events are processed inline."
        )
        return
    if mode == "tasks":
        yield from _check_event_task()


def _check_event_task() -> Iterator[checks.CheckMessage]:
    try:
        framework = tasks_module()
    except ImproperlyConfigured as error:
        text = f'AWS_SES_EVENT_PROCESSING is "tasks", but no Tasks framework is installed: {error}'
        yield _message("E037", text)
        return
    alias = task_backend_alias()
    if alias not in framework.task_backends.settings:
        yield _message(
            "E038",
            f'AWS_SES_EVENT_PROCESSING is "tasks" and SES events are queued on the task '
            f"backend {alias!r} (AWS_SES_TASK_BACKEND), but TASKS has no such entry.",
        )
        return
    try:
        get_event_task()
    except ImproperlyConfigured as error:
        yield _message("E039", str(error))


#: The checks of the settings, always run.
_SETTINGS_CHECKS: tuple[Callable[[], Iterator[checks.CheckMessage]], ...] = (
    _check_topic_arns,
    _check_cert_domains,
    _check_secret,
    _check_max_age,
    _check_event_processing,
)
#: The checks that only speak up when the webhook is routed in the root URLconf.
_ROUTED_CHECKS: tuple[Callable[[], Iterator[checks.CheckMessage]], ...] = (
    _check_extras,
    _check_allow_list_present,
)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _webhook_is_routed() -> bool:
    """Whether the root URLconf routes to the event webhook (or the legacy view)."""
    try:
        patterns = get_resolver().url_patterns
    except Exception:  # a broken URLconf is reported by Django's own checks
        return False
    return any(_is_webhook(callback) for callback in _callbacks(patterns))


def _callbacks(patterns: Iterable[Any]) -> Iterator[Any]:
    for pattern in patterns:
        nested = getattr(pattern, "url_patterns", None)
        if nested is not None:
            yield from _callbacks(nested)
        else:
            yield getattr(pattern, "callback", None)


def _is_webhook(callback: Any) -> bool:
    if callback is None:
        return False
    if callback is handle_bounce:
        return True
    view_class = getattr(callback, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, SESEventWebhookView)
