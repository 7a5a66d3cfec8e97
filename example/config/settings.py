"""Settings of the django_ses example project.

Start the example with ``python example/run.py``: it starts a local SES (moto)
first and points these settings at it through environment variables, so the
example never talks to Amazon and needs no AWS account.
"""

from __future__ import annotations

import os
from pathlib import Path

import django

from django_ses.testing.environment import point_boto3_at

EXAMPLE_DIR = Path(__file__).resolve().parent.parent

# A demo key for a demo site that only listens on 127.0.0.1. Never reuse it.
SECRET_KEY = "django_ses-example-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_ses",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own templates: its look for django_ses's unsubscribe pages.
        "DIRS": [EXAMPLE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# run.py --smoke uses a throw-away database; a normal run keeps example/db.sqlite3.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DATABASE", str(EXAMPLE_DIR / "db.sqlite3")),
        # The webhook, the pages and the mailbox simulator write from several threads.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
LOGIN_URL = "admin:login"

# ---------------------------------------------------------------------------
# django_ses
# ---------------------------------------------------------------------------
if django.VERSION >= (6, 1):
    # Django 6.1 configures email backends with MAILERS; "OPTIONS" takes the
    # backend's keyword arguments (aws_region_name, fail_silently, ...).
    MAILERS = {"default": {"BACKEND": "django_ses.SESBackend"}}
else:
    EMAIL_BACKEND = "django_ses.SESBackend"
DEFAULT_FROM_EMAIL = "demo@example.com"

AWS_SES_REGION_NAME = "us-east-1"
# The local SES that run.py starts (django_ses.testing.LocalSES), on port 8025
# unless run.py --local-ses-port moved it. Every boto3 client of this project,
# example/manage.py commands included, talks to it with dummy credentials: the
# example never reaches AWS. In a real project, leave all of this out.
EXAMPLE_LOCAL_SES_URL = os.environ.get("EXAMPLE_LOCAL_SES_URL") or "http://127.0.0.1:8025"
point_boto3_at(EXAMPLE_LOCAL_SES_URL)
AWS_SES_REGION_ENDPOINT_URL = EXAMPLE_LOCAL_SES_URL

# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
# DANGER: signature verification is OFF here ONLY because the local SES
# cannot sign SNS messages the way Amazon does: its certificate URL points at
# sns.<region>.amazonaws.com, where Amazon's real certificate does not match.
# NEVER set this to False in production: anyone on the internet could then post
# forged bounces and complaints to your webhook and blacklist your customers.
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
AWS_SES_VERIFY_EVENT_SIGNATURES = False

# The local SES's topics (moto's default account). Only these may post to the
# webhook: keep such an allow-list in production too.
EXAMPLE_AWS_ACCOUNT_ID = "123456789012"
EXAMPLE_EVENTS_TOPIC_ARN = f"arn:aws:sns:us-east-1:{EXAMPLE_AWS_ACCOUNT_ID}:example-ses-events"
EXAMPLE_INBOUND_TOPIC_ARN = f"arn:aws:sns:us-east-1:{EXAMPLE_AWS_ACCOUNT_ID}:example-ses-inbound"
AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [EXAMPLE_EVENTS_TOPIC_ARN, EXAMPLE_INBOUND_TOPIC_ARN]

# The sender domain verified in the local SES, and its receipt rules for inbound
# mail: mail for the first address is published whole to EXAMPLE_INBOUND_TOPIC_ARN
# (an SNS action); mail for the second is stored in the bucket, and the topic gets
# a notification pointing at it (an S3 action, for mail over SNS's size limit).
EXAMPLE_SENDER_DOMAIN = "example.com"
EXAMPLE_INBOUND_ADDRESS = "inbox@example.com"
EXAMPLE_INBOUND_S3_ADDRESS = "archive@example.com"
EXAMPLE_INBOUND_BUCKET = "example-ses-inbound"
# The inbound handler reads S3 actions' messages from these buckets only.
AWS_SES_INBOUND_S3_BUCKETS = [EXAMPLE_INBOUND_BUCKET]

# AWS_SES_AUTO_THROTTLE keeps its default (0.5): the local SES reports a quota
# of 100 recipients per second (example/local_ses/__init__.py), so the backend
# paces sends at half that rate, 50 recipients per second, as it would on AWS.

# Permanent bounces and complaints land on the blacklist, and the backend skips
# blacklisted recipients: send to bounce@simulator.amazonses.com twice to see it.
AWS_SES_USE_BLACKLIST = True
AWS_SES_ADD_BOUNCE_TO_BLACKLIST = True
AWS_SES_ADD_COMPLAINT_TO_BLACKLIST = True

# The send log: every accepted message, with its recipients' timeline of events
# (the Send page links to it). Recipients on the SES account-level suppression
# list are left out before sending (admin: Blacklisted emails, SES suppression list).
AWS_SES_SEND_LOG = True
AWS_SES_CHECK_SUPPRESSION_LIST = True

# One-click unsubscribe (docs/unsubscribe.rst): a message sent with "one-click
# unsubscribe headers" ticked on the Send page carries each recipient's signed
# List-Unsubscribe URL of this site (the view of django_ses.urls, under
# /admin/django-ses/unsubscribe/…); using it puts the address on the blacklist.
# run.py replaces the address with the one the site really listens on.
AWS_SES_UNSUBSCRIBE_BASE_URL = "http://127.0.0.1:8000"
# The demo runs on http://127.0.0.1; on a real site the base URL is https://
# (manage.py check --deploy warns, django_ses.W110).

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django_ses": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_ses.testing": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
