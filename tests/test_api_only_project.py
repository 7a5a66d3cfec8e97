"""A project without django.contrib.auth, admin or sessions can route the webhook.

The project runs in a subprocess, since its INSTALLED_APPS differ from the
test suite's (tests/api_only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.api_only.settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.api_only.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data: dict = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_the_webhook_processes_events_without_the_auth_app(report):
    assert report["webhook"] == 200
    assert report["received"] == ["ses-1"]


def test_the_only_check_error_is_about_the_routed_dashboard(report):
    assert "django_ses.E070" in report["check"]
    assert "django.contrib.admin, django.contrib.auth, django.contrib.sessions" in report["check"]
    assert report["check"].count("django_ses.E") == 1


def test_the_routed_dashboard_answers_503_naming_the_apps_it_needs(report):
    assert report["dashboard"] == 503
    assert "django.contrib.auth" in report["dashboard_body"]
