from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "django_ses demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from demo import receivers

        receivers.connect()
