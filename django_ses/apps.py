from __future__ import annotations

from django.apps import AppConfig


class DjangoSESConfig(AppConfig):
    name = "django_ses"
    verbose_name = "Amazon SES"
    # django-ses's migrations use AutoField; keep it so makemigrations stays clean.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from django_ses import checks  # app loading: checks import models and backends

        checks.register()
