from __future__ import annotations

from django.apps import AppConfig


class DjangoSESConfig(AppConfig):
    name = "django_ses"
    verbose_name = "Amazon SES"
    # django-ses's migrations use AutoField; keep it so makemigrations stays clean.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        # app loading: the checks import models and backends; the receivers write models.
        from django_ses import checks, signals
        from django_ses.sending import web_request  # noqa: F401  (connects its receivers)

        checks.register()
        signals.connect_blacklist_handlers()
