"""The sending-statistics dashboard (django_ses.dashboard.DashboardView), against the local AWS."""

from __future__ import annotations

import datetime as dt
import re
import socket

import boto3
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from django_ses.aws import clients as aws_clients
from django_ses.models import SESStat
from django_ses.views import DashboardView
from tests.ses_fakes import (
    Point,
    forget_cached_answers,
    serve_account,
    serve_send_statistics,
    two_weeks_of_points,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture(autouse=True)
def _no_cached_answers():
    forget_cached_answers()
    yield
    forget_cached_answers()


@pytest.fixture
def url():
    return reverse("django_ses_stats")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", None)


@pytest.fixture
def staff_viewer(django_user_model):
    user = django_user_model.objects.create_user(
        "viewer", "viewer@example.com", None, is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_sesstat"))
    return user


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _ses(aws):
    return boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)


# -- access -----------------------------------------------------------------------------------
def test_anonymous_users_are_sent_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "next=" in response["Location"]


def test_staff_without_the_permission_get_403(client, url, django_user_model):
    user = django_user_model.objects.create_user("staff", "s@example.com", None, is_staff=True)
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_users_with_the_permission_but_not_staff_get_403(client, url, django_user_model):
    user = django_user_model.objects.create_user("plain", "p@example.com", None)
    user.user_permissions.add(Permission.objects.get(codename="view_sesstat"))
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_staff_with_view_sesstat_permission_see_the_dashboard(client, url, staff_viewer):
    client.force_login(staff_viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "SES sending statistics" in response.content.decode()


def test_superusers_see_the_dashboard(admin_client, url):
    assert admin_client.get(url).status_code == 200


# -- look -------------------------------------------------------------------------------------
def test_page_extends_the_admin_base_template_and_loads_its_stylesheet(admin_client, url):
    response = admin_client.get(url)
    templates = [t.name for t in response.templates]
    assert "django_ses/send_stats.html" in templates
    assert "admin/base_site.html" in templates
    html = response.content.decode()
    assert 'href="/static/django_ses/dashboard.css"' in html
    assert 'class="breadcrumbs"' in html
    assert "root" in html  # the admin's user tools


def test_page_works_under_a_strict_content_security_policy(admin_client, url, aws):
    serve_send_statistics(aws, two_weeks_of_points(NOW))
    html = admin_client.get(url).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag for tag in scripts), scripts
    assert " style=" not in html
    assert "<style" not in html
    assert "//cdn" not in html and "https://" not in html.split("</head>")[0]


def test_response_is_never_cached_by_browsers_or_proxies(admin_client, url):
    response = admin_client.get(url)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# -- v1 ---------------------------------------------------------------------------------------
def test_v1_shows_quota_identities_and_daily_charts(admin_client, url, aws):
    ses = _ses(aws)
    ses.verify_domain_identity(Domain="example.com")
    ses.verify_email_identity(EmailAddress="ops@example.org")
    serve_send_statistics(aws, two_weeks_of_points(NOW, attempts=250, bounces=2))

    html = admin_client.get(url).content.decode()

    assert aws.calls("ses", "GetSendQuota")
    assert not aws.calls("sesv2")
    quota = html.split('id="ses-quota"')[1].split("</section>")[0]
    assert "200" in quota  # moto's 24-hour quota
    identities = html.split('id="ses-identities"')[1].split("</section>")[0]
    assert "example.com" in identities and "Domain" in identities
    assert "ops@example.org" in identities and "Email address" in identities
    assert "Verified" in identities
    attempts_chart = html.split('id="ses-chart-attempts"')[1].split("</svg>")[0]
    assert attempts_chart.count('class="ses-bar ses-series-attempts"') >= 14
    assert "1,000 delivery attempts" in attempts_chart  # four points of 250 on a full day


def test_v1_identities_show_pending_verification(admin_client, url, aws):
    # moto verifies instantly; SES answers Pending until the DNS record is found.
    _ses(aws).verify_domain_identity(Domain="pending.example")
    aws.respond(
        "ses",
        "GetIdentityVerificationAttributes",
        lambda call: (
            200,
            {"Content-Type": "text/xml"},
            b"<GetIdentityVerificationAttributesResponse "
            b'xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
            b"<GetIdentityVerificationAttributesResult><VerificationAttributes><entry>"
            b"<key>pending.example</key><value><VerificationStatus>Pending</VerificationStatus>"
            b"<VerificationToken>abc</VerificationToken></value></entry>"
            b"</VerificationAttributes></GetIdentityVerificationAttributesResult>"
            b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            b"</GetIdentityVerificationAttributesResponse>",
        ),
    )
    html = admin_client.get(url).content.decode()
    identities = html.split('id="ses-identities"')[1].split("</section>")[0]
    assert "pending.example" in identities
    assert "Pending" in identities and "Verified" not in identities


# -- v2 ---------------------------------------------------------------------------------------
def test_v2_shows_account_status_identities_and_v1_statistics(admin_client, url, aws, settings):
    settings.USE_SES_V2 = True
    v2 = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    v2.create_email_identity(EmailIdentity="example.com")
    v2.create_email_identity(EmailIdentity="ops@example.org")
    serve_account(aws, sent_last_24_hours=4321, max_24_hour_send=50000)
    serve_send_statistics(aws, two_weeks_of_points(NOW))

    html = admin_client.get(url).content.decode()

    assert aws.calls("sesv2", "GetAccount")
    assert aws.calls("sesv2", "ListEmailIdentities")
    assert aws.calls("ses", "GetSendStatistics"), "the 2-week statistics only exist in v1"
    assert not aws.calls("ses", "GetSendQuota")
    account = html.split('id="ses-account"')[1].split("</section>")[0]
    assert "Enabled" in account and "Healthy" in account
    quota = html.split('id="ses-quota"')[1].split("</section>")[0]
    assert "4,321" in quota and "50,000" in quota
    identities = html.split('id="ses-identities"')[1].split("</section>")[0]
    assert "example.com" in identities and "ops@example.org" in identities
    assert "1 domain, 1 address" in identities


def test_v2_warns_about_the_sandbox_and_disabled_sending(admin_client, url, aws, settings):
    settings.USE_SES_V2 = True
    serve_account(
        aws, sending_enabled=False, production_access=False, enforcement_status="SHUTDOWN"
    )
    html = admin_client.get(url).content.decode()
    assert "Sending is disabled for this account (enforcement status SHUTDOWN)" in html
    assert "SES sandbox" in html


# -- rates ------------------------------------------------------------------------------------
def test_bounce_rate_near_the_review_threshold_shows_a_warning(admin_client, url, aws):
    # 3 bounces per 100 attempts: 3 %, more than half of AWS's 5 %.
    serve_send_statistics(aws, two_weeks_of_points(NOW, attempts=100, bounces=3))
    html = admin_client.get(url).content.decode()
    assert 'class="warning" data-topic="bounce"' in html
    assert "close to the 5.0 %" in html
    assert "ses-chart--near" in html


def test_complaint_rate_over_the_review_threshold_shows_an_error(admin_client, url, aws):
    serve_send_statistics(aws, two_weeks_of_points(NOW, attempts=100, bounces=0, complaints=1))
    html = admin_client.get(url).content.decode()
    assert 'class="error" data-topic="complaint"' in html
    assert "1.000 %" in html and "0.1 %" in html
    assert "ses-chart--over" in html


def test_a_quiet_fortnight_says_nothing_was_sent(admin_client, url, aws):
    serve_send_statistics(aws, [])
    html = admin_client.get(url).content.decode()
    recent = html.split('id="ses-recent"')[1].split("</section>")[0]
    assert "Nothing sent in the last 14 days." in recent


def test_healthy_rates_show_no_warning(admin_client, url, aws):
    serve_send_statistics(aws, two_weeks_of_points(NOW, attempts=1000, bounces=1))
    html = admin_client.get(url).content.decode()
    assert 'data-topic="bounce"' not in html and 'data-topic="complaint"' not in html


# -- history ----------------------------------------------------------------------------------
def test_stored_history_is_listed_and_charted(admin_client, url, aws):
    old_day = NOW.date() - dt.timedelta(days=40)
    SESStat.objects.create(date=old_day, delivery_attempts=777, bounces=7, complaints=0, rejects=1)
    html = admin_client.get(url).content.decode()
    history = html.split('id="ses-history"')[1].split("</section>")[0]
    assert old_day.isoformat() in history and "777" in history
    assert f"{old_day.isoformat()}: 777 delivery attempts" in html


def test_live_data_wins_over_stored_rows_except_for_the_cut_off_first_day(admin_client, url, aws):
    yesterday = NOW.date() - dt.timedelta(days=1)
    first_day = (NOW - dt.timedelta(days=14)).date()
    SESStat.objects.create(date=yesterday, delivery_attempts=1, bounces=0, complaints=0, rejects=0)
    SESStat.objects.create(
        date=first_day, delivery_attempts=9999, bounces=0, complaints=0, rejects=0
    )
    noon = dt.datetime.combine(yesterday, dt.time(12), tzinfo=dt.timezone.utc)
    late = dt.datetime.combine(first_day, dt.time(23, 45), tzinfo=dt.timezone.utc)
    serve_send_statistics(aws, [Point(late, 5), Point(noon, 42)])
    html = admin_client.get(url).content.decode()
    chart = html.split('id="ses-chart-attempts"')[1].split("</svg>")[0]
    assert f"{yesterday.isoformat()}: 42 delivery attempts" in chart
    assert f"{first_day.isoformat()}: 9,999 delivery attempts" in chart


# -- failures ---------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_aws_still_renders_and_says_so(admin_client, url, settings):
    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{_closed_port()}"
    SESStat.objects.create(
        date=NOW.date() - dt.timedelta(days=3),
        delivery_attempts=5,
        bounces=0,
        complaints=0,
        rejects=0,
    )
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "SES is unreachable" in html
    assert 'id="ses-chart-attempts"' in html  # stored history still charted


def test_missing_credentials_still_render_and_say_so(admin_client, url, settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings.AWS_ACCESS_KEY_ID = None
    settings.AWS_SECRET_ACCESS_KEY = None
    aws_clients.clear_clients()  # clients keep the credentials they were built with
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "AWS credentials are missing" in response.content.decode()


def test_access_denied_names_the_missing_iam_action(admin_client, url, aws):
    aws.fail("ses", "GetSendStatistics", "AccessDenied", "not allowed", status=403)
    html = admin_client.get(url).content.decode()
    assert "allow ses:GetSendStatistics in the IAM policy" in html


# -- caching ----------------------------------------------------------------------------------
def test_aws_answers_are_cached_between_requests(admin_client, url, aws):
    serve_send_statistics(aws, two_weeks_of_points(NOW))
    admin_client.get(url)
    admin_client.get(url)
    assert len(aws.calls("ses", "GetSendStatistics")) == 1


def test_refresh_asks_aws_again(admin_client, url, aws):
    admin_client.get(url)
    admin_client.get(url + "?refresh=1")
    assert len(aws.calls("ses", "GetSendStatistics")) == 2


def test_failures_are_not_cached(admin_client, url, aws):
    aws.fail("ses", "GetSendQuota", "AccessDenied", "not allowed", status=403, times=1)
    first = admin_client.get(url).content.decode()
    second = admin_client.get(url).content.decode()
    assert "Access denied" in first
    assert "Access denied" not in second
    assert len(aws.calls("ses", "GetSendQuota")) == 2


def test_the_cache_holds_data_not_pages_so_each_user_sees_their_own(
    client, url, superuser, staff_viewer
):
    client.force_login(superuser)
    client.get(url)
    client.force_login(staff_viewer)
    html = client.get(url).content.decode()
    assert "viewer" in html
    assert "<strong>root</strong>" not in html


def test_a_broken_cache_does_not_break_the_page(admin_client, url, aws, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    serve_send_statistics(aws, two_weeks_of_points(NOW, attempts=250))
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "1,000 delivery attempts" in response.content.decode()


# -- subclassing ------------------------------------------------------------------------------
class CustomSESDashboardView(DashboardView):
    """The subclass from django-ses's README."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(**admin.site.each_context(self.request))
        context["extra_note"] = "custom"
        return context


def test_dashboard_view_can_be_subclassed_as_the_readme_shows(superuser, aws):
    request = RequestFactory().get("/stats/")
    request.user = superuser
    response = CustomSESDashboardView.as_view()(request)
    response.render()
    assert response.status_code == 200
    assert response.context_data["extra_note"] == "custom"
    assert "site_header" in response.context_data
    assert b"SES sending statistics" in response.content


def test_subclasses_can_require_another_permission(staff_viewer):
    class StricterDashboard(DashboardView):
        permission_required = "django_ses.change_sesstat"

    request = RequestFactory().get("/stats/")
    request.user = staff_viewer
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        StricterDashboard.as_view()(request)


# -- system checks ----------------------------------------------------------------------------
def test_check_passes_when_the_admin_apps_are_installed():
    from django_ses.checks.stats import check_dashboard

    assert check_dashboard() == []


def test_check_reports_a_dashboard_without_the_admin(settings):
    from django_ses.checks.stats import check_dashboard

    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "django.contrib.admin"
    ]
    assert [m.id for m in check_dashboard()] == ["django_ses.E070"]


def test_check_warns_when_staticfiles_cannot_serve_the_stylesheet(settings):
    from django_ses.checks.stats import check_dashboard

    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "django.contrib.staticfiles"
    ]
    assert [m.id for m in check_dashboard()] == ["django_ses.W070"]


def test_answers_for_another_account_or_region_are_not_reused(admin_client, url, aws, settings):
    admin_client.get(url)
    settings.AWS_SES_REGION_NAME = "eu-west-1"
    admin_client.get(url)
    regions = [call.region for call in aws.calls("ses", "GetSendStatistics")]
    assert regions == ["us-east-1", "eu-west-1"]
