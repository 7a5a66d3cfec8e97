"""The local SES's templates (:mod:`django_ses.testing.templates`), as the tests use them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.aws import ACCOUNT_ID, LocalAWS


@dataclass
class LocalTemplates:
    """``templates`` (by name), ``sent`` (rendered), ``rendering_failures``, ``reject()``."""

    aws: LocalAWS

    def install(self) -> LocalTemplates:
        return self

    @property
    def _store(self) -> Any:
        return self.aws.ses.templates

    @property
    def templates(self) -> dict[str, dict[str, str]]:
        return self._store.store  # type: ignore[no-any-return]

    @property
    def sent(self) -> list[Any]:
        return list(self._store.rendered)

    @property
    def rendering_failures(self) -> list[tuple[str, str]]:
        return list(self._store.rendering_failures)

    def reject(self, destination: str, status: str = "MESSAGE_REJECTED") -> None:
        self._store.reject(destination, status)


def template_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ses:{region}:{ACCOUNT_ID}:template/{name}"
