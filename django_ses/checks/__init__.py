"""System checks, one module per area. Ids are ``django_ses.E0xx`` / ``W0xx``."""

from __future__ import annotations


def register() -> None:
    # app loading: the check modules import the backends and models, so they load
    # from AppConfig.ready(), once every app is ready.
    from django_ses.checks import (  # noqa: F401
        inbound,
        sending,
        sqs,
        stats,
        tasks,
        unsubscribe,
        webhook,
    )
