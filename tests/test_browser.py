"""The dashboard in a real browser: headless Chromium (Debian's ``chromium``) via Playwright.

Logs into the admin, opens the dashboard with data, checks that the SVG charts
render with a real size under a strict Content-Security-Policy, and saves
light and dark screenshots under ``test-output/``. Set
``DJANGO_SES_UPDATE_DOCS_SCREENSHOTS=1`` to also refresh the documentation's
copies in ``docs/_static/``.

Skips, saying why, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from pathlib import Path

import pytest

from django_ses.models import SESStat
from tests.ses_fakes import Point, forget_cached_answers, serve_account, serve_send_statistics

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
DOCS_STATIC = ROOT / "docs" / "_static"
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@pytest.fixture
def sync_playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"needs Chromium at {CHROMIUM} (Debian's 'chromium' package: "
            "apt-get install chromium; .ci/run installs it)"
        )
    api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")
    return api.sync_playwright


def _fill_history(now: dt.datetime) -> list[Point]:
    """90 stored days and 14 live days of plausible traffic; live bounces near 5 %."""
    rng = random.Random(5)
    today = now.date()
    SESStat.objects.bulk_create(
        SESStat(
            date=today - dt.timedelta(days=offset),
            delivery_attempts=(attempts := rng.randint(1800, 2600)),
            bounces=int(attempts * rng.uniform(0.008, 0.02)),
            complaints=rng.randint(0, 1),
            rejects=rng.randint(0, 3),
        )
        for offset in range(14, 90)
    )
    points = []
    for offset in range(13, -1, -1):
        day = today - dt.timedelta(days=offset)
        for hour in (2, 8, 14, 20):
            moment = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)
            if moment > now:
                break
            attempts = rng.randint(450, 700)
            points.append(
                Point(
                    moment,
                    attempts,
                    bounces=int(attempts * rng.uniform(0.02, 0.04)),
                    complaints=rng.choice([0, 0, 0, 1]),
                    rejects=rng.randint(0, 2),
                )
            )
    return points


def test_dashboard_charts_render_in_chromium_under_a_strict_csp(
    live_server, aws, settings, django_user_model, monkeypatch, sync_playwright
):
    settings.USE_SES_V2 = True
    now = dt.datetime.now(dt.timezone.utc)
    serve_send_statistics(aws, _fill_history(now))
    serve_account(aws, sent_last_24_hours=2210, max_24_hour_send=50000, max_send_rate=14)
    import boto3

    v2 = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    for identity in ("example.com", "mail.example.org", "alerts@example.com"):
        v2.create_email_identity(EmailIdentity=identity)
    django_user_model.objects.create_superuser("admin", "admin@example.com", "correct horse")
    forget_cached_answers()
    # Playwright's sync API runs an event loop in this thread; the ORM work is done above.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUTPUT.mkdir(exist_ok=True)

    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()

            def add_csp(route):
                response = route.fetch(max_redirects=0)
                headers = {**response.headers, "content-security-policy": STRICT_CSP}
                route.fulfill(response=response, headers=headers)

            page.route(f"{live_server.url}/**", add_csp)
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )

            page.goto(f"{live_server.url}/admin/django-ses/")
            assert "/admin/login/" in page.url
            page.fill("#id_username", "admin")
            page.fill("#id_password", "correct horse")
            page.click("input[type=submit]")
            page.wait_for_selector("svg.ses-chart")

            assert page.title().startswith("SES sending statistics")
            charts = page.locator("svg.ses-chart")
            assert charts.count() == 4
            for index in range(4):
                box = charts.nth(index).bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 100
            bars = page.locator("#ses-chart-attempts rect.ses-bar")
            assert bars.count() >= 80
            tallest = max(bars.nth(i).bounding_box()["height"] for i in range(bars.count()))
            assert tallest > 50
            line = page.locator("#ses-chart-bounce-rate polyline.ses-line").first.bounding_box()
            assert line is not None and line["width"] > 100
            # The stylesheet applied: bars are filled with the series colour, not black.
            fill = bars.first.evaluate("el => getComputedStyle(el).fill")
            assert fill not in ("", "rgb(0, 0, 0)")
            assert page.locator(".ses-alerts li.warning[data-topic=bounce]").is_visible()

            page.emulate_media(color_scheme="light")
            page.screenshot(path=str(OUTPUT / "dashboard-light.png"), full_page=True)
            light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(OUTPUT / "dashboard-dark.png"), full_page=True)
            dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert light_bg != dark_bg  # the admin's dark theme follows the system setting
        finally:
            browser.close()

    assert violations == []
    for name in ("dashboard-light.png", "dashboard-dark.png"):
        assert (OUTPUT / name).stat().st_size > 10_000
        if os.environ.get("DJANGO_SES_UPDATE_DOCS_SCREENSHOTS"):
            shutil.copyfile(OUTPUT / name, DOCS_STATIC / name)
