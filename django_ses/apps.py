from __future__ import annotations

from django.apps import AppConfig


class DjangoSESConfig(AppConfig):
    name = "django_ses"
    verbose_name = "Amazon SES"
    # django-ses's migrations use AutoField; keep it so makemigrations stays clean.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # app loading: the checks import models and backends; the receivers write models.
        from django.core.signals import setting_changed  # app loading, as the others

        from django_ses import checks, signals  # app loading
        from django_ses.send_log import receiver as send_log  # app loading: imports models
        from django_ses.sending import web_request  # noqa: F401  (app loading: its receivers)

        checks.register()
        signals.connect_blacklist_handlers()
        # The send log follows AWS_SES_SEND_LOG: connected now when it is on, and
        # connected or disconnected whenever the setting changes.
        send_log.sync_with_setting()
        setting_changed.connect(send_log.sync_with_setting, dispatch_uid=send_log.DISPATCH_UID)
