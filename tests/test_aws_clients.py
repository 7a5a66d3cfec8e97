"""django_ses.aws.clients and .endpoints, as the backend uses them: shared clients, endpoints."""

from __future__ import annotations

import threading
import uuid

import pytest
from botocore.compat import HAS_CRT
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

from django_ses import SESBackend
from django_ses.aws import clients


@pytest.fixture
def botocore_resolves(settings, monkeypatch):
    """No endpoint configured anywhere: botocore resolves it (as in production)."""
    del settings.AWS_SES_REGION_ENDPOINT_URL
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SES", "AWS_ENDPOINT_URL_SESV2"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    clients.clear_clients()
    yield
    clients.clear_clients()


def endpoint_of(backend: SESBackend) -> str:
    backend.open()
    try:
        return str(backend.connection.meta.endpoint_url)
    finally:
        backend.close()


# ------------------------------------------------------------------------- sharing


def test_backend_instances_share_one_client_per_configuration():
    first, second = SESBackend(), SESBackend()
    first.open()
    second.open()

    assert first.connection is second.connection


def test_a_different_configuration_gets_its_own_client():
    v1, v2, other_region = (
        SESBackend(),
        SESBackend(use_ses_v2=True),
        SESBackend(aws_region_name="eu-west-1"),
    )
    for backend in (v1, v2, other_region):
        backend.open()

    assert len({id(v1.connection), id(v2.connection), id(other_region.connection)}) == 3
    assert v2.connection.meta.service_model.service_name == "sesv2"
    assert other_region.connection.meta.region_name == "eu-west-1"


def test_equal_botocore_configs_share_a_client():
    first = SESBackend(aws_config=Config(connect_timeout=7, retries={"max_attempts": 2}))
    second = SESBackend(aws_config=Config(connect_timeout=7, retries={"max_attempts": 2}))
    first.open()
    second.open()

    assert first.connection is second.connection


def test_threads_building_the_same_client_at_once_get_one_client():
    settings = clients.ClientSettings(
        service_name="ses", region_name="us-east-1", access_key_id=f"AKIA{uuid.uuid4().hex}"
    )
    barrier = threading.Barrier(12)
    built = []

    def build():
        barrier.wait()
        built.append(clients.shared_client(settings))

    threads = [threading.Thread(target=build) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 12
    assert len({id(client) for client in built}) == 1


def test_threads_send_through_one_shared_client(aws, ses_identity):
    errors = []

    def send(index):
        try:
            SESBackend().send_messages(
                [EmailMessage(f"n{index}", "Body", "sender@example.com", ["to@example.net"])]
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(aws.sent_messages()) == 8


def test_closing_a_backend_does_not_close_the_shared_client(aws, ses_identity):
    with SESBackend() as first:
        pass
    second = SESBackend()

    assert second.send_messages([EmailMessage("s", "b", "sender@example.com", ["t@x.org"])]) == 1
    assert first.connection is None


# ------------------------------------------------------------------------ endpoints


def test_the_endpoint_url_setting_is_used(aws):
    assert endpoint_of(SESBackend()) == aws.url


def test_the_endpoint_url_setting_wins_over_the_host_setting(aws, settings):
    settings.AWS_SES_REGION_ENDPOINT = "email.eu-west-1.amazonaws.com"

    assert endpoint_of(SESBackend()) == aws.url


def test_the_host_setting_becomes_an_https_endpoint(botocore_resolves, settings):
    settings.AWS_SES_REGION_NAME = "eu-west-1"
    settings.AWS_SES_REGION_ENDPOINT = "email.eu-west-1.amazonaws.com"

    assert endpoint_of(SESBackend()) == "https://email.eu-west-1.amazonaws.com"


def test_a_region_keyword_moves_the_endpoint_away_from_the_settings_host(
    botocore_resolves, settings
):
    settings.AWS_SES_REGION_NAME = "eu-west-1"
    settings.AWS_SES_REGION_ENDPOINT = "email.eu-west-1.amazonaws.com"

    backend = SESBackend(aws_region_name="ap-south-1")

    assert endpoint_of(backend) == "https://email.ap-south-1.amazonaws.com"


def test_the_endpoint_keyword_wins(botocore_resolves):
    backend = SESBackend(aws_region_endpoint="vpce-1.email.us-east-1.vpce.amazonaws.com")

    assert endpoint_of(backend) == "https://vpce-1.email.us-east-1.vpce.amazonaws.com"


@pytest.mark.parametrize("use_v2", [False, True], ids=["v1", "v2"])
def test_botocore_resolves_china_regions(botocore_resolves, use_v2):
    backend = SESBackend(aws_region_name="cn-north-1", use_ses_v2=use_v2)

    assert endpoint_of(backend) == "https://email.cn-north-1.amazonaws.com.cn"


def test_botocore_resolves_fips_endpoints_from_aws_ses_config(botocore_resolves, settings):
    settings.AWS_SES_CONFIG = Config(use_fips_endpoint=True)

    assert endpoint_of(SESBackend()) == "https://email-fips.us-east-1.amazonaws.com"


def test_an_smtp_host_is_refused_with_a_clear_error(settings):
    del settings.AWS_SES_REGION_ENDPOINT_URL
    settings.AWS_SES_REGION_ENDPOINT = "email-smtp.us-east-1.amazonaws.com"

    with pytest.raises(ImproperlyConfigured, match="SMTP host"):
        SESBackend()


def test_global_endpoint_without_v2_is_refused():
    with pytest.raises(ImproperlyConfigured, match="USE_SES_V2"):
        SESBackend(aws_global_endpoint_id="abcdef12.g3h")


class _Captured(Exception):
    pass


@pytest.mark.skipif(not HAS_CRT, reason="global endpoints need botocore's CRT signer (awscrt)")
def test_global_endpoint_requests_go_to_the_multi_region_host_signed_with_sigv4a(
    botocore_resolves, settings
):
    settings.AWS_SES_REGION_ENDPOINT = "email.us-east-1.amazonaws.com"  # ignored
    backend = SESBackend(
        use_ses_v2=True,
        aws_global_endpoint_id="abcdef12.g3h",
        aws_access_key=f"AKIA{uuid.uuid4().hex[:12].upper()}",  # a client of its own
    )
    backend.open()
    seen = {}

    def capture(request, **kwargs):
        # botocore's before-send event: observe the signed request, send nothing.
        seen["url"] = request.url
        seen["authorization"] = request.headers["Authorization"].decode()
        raise _Captured

    backend.connection.meta.events.register("before-send.sesv2.SendEmail", capture)
    msg = EmailMessage("s", "b", "sender@example.com", ["t@example.org"])
    with pytest.raises(_Captured):
        backend.send_messages([msg])

    assert seen["url"].startswith("https://abcdef12.g3h.endpoints.email.amazonaws.com/v2/")
    assert seen["authorization"].startswith("AWS4-ECDSA-P256-SHA256 ")
    assert msg.ses_status.status == "unknown"
