"""The one way reporting calls SES: :func:`call` and :func:`paginate`.

Every AWS failure is raised as a :class:`~django_ses.exceptions.StatsError`
whose text says what to do, with the AWS error code. No client is built here
(:mod:`django_ses.reporting.clients` builds them), so the sending pipeline can
use these calls too (the suppression-list check before sending).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from django_ses.aws.errors import error_code
from django_ses.exceptions import StatsError
from django_ses.reporting.advice import describe_aws_error

__all__ = ["call", "paginate"]


def call(client: Any, operation: str, method: str, **kwargs: Any) -> Any:
    """``client.<method>(**kwargs)``; an AWS failure raises :class:`StatsError` with its code."""
    try:
        return getattr(client, method)(**kwargs)
    except (BotoCoreError, ClientError) as error:
        raise StatsError(describe_aws_error(error, operation), error_code(error)) from error


def paginate(
    client: Any, operation: str, method: str, page: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every answer of a ``NextToken``-paginated listing."""
    token: str | None = None
    while True:
        kwargs = dict(page, NextToken=token) if token else dict(page)
        answer: dict[str, Any] = call(client, operation, method, **kwargs)
        yield answer
        token = answer.get("NextToken")
        if not token:
            return
