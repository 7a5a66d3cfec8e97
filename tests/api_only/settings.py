"""An API-only project: django_ses is the only app, no auth, admin or sessions."""

SECRET_KEY = "api-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django_ses"]
MIDDLEWARE: list[str] = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "tests.api_only.urls"
USE_TZ = True
AWS_SES_VERIFY_EVENT_SIGNATURES = False
AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = ["arn:aws:sns:us-east-1:123456789012:ses-events"]
