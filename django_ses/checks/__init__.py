"""System checks, one module per area. Ids are ``django_ses.E0xx`` / ``W0xx``."""

from __future__ import annotations


def register() -> None:
    from django_ses.checks import inbound, sending, stats, tasks, webhook  # noqa: F401
