"""``manage.py ses_email_address``: SES identities through API v1, or v2 with USE_SES_V2."""

from __future__ import annotations

import io

import boto3
import pytest
from django.core.management import CommandError, call_command


def _run(*args: str, verbosity: int = 1) -> str:
    out = io.StringIO()
    call_command("ses_email_address", *args, verbosity=verbosity, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _v1_identities(aws) -> set[str]:
    client = boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)
    return set(client.list_identities()["Identities"])


@pytest.fixture(params=["v1", "v2"])
def api(request, settings):
    settings.USE_SES_V2 = request.param == "v2"
    return request.param


def test_add_verifies_an_email_address(aws, api):
    out = _run("--add", "Ops <OPS@Example.com>")
    assert _v1_identities(aws) == {"ops@example.com"}
    assert "verification email" in out
    expected = "CreateEmailIdentity" if api == "v2" else "VerifyEmailIdentity"
    assert [c.operation for c in aws.calls(None, expected)]


def test_add_verifies_a_domain_and_prints_its_dns_records(aws, api):
    out = _run("--add", "Example.COM")
    assert _v1_identities(aws) == {"example.com"}
    if api == "v2":
        assert aws.calls("sesv2", "CreateEmailIdentity")[0].json["EmailIdentity"] == "example.com"
    else:
        assert aws.calls("ses", "VerifyDomainIdentity")[0].params["Domain"] == "example.com"
        assert "_amazonses.example.com  TXT" in out


def test_v2_domains_get_their_easy_dkim_records(aws, settings):
    settings.USE_SES_V2 = True
    # moto leaves out the tokens SES returns for a new domain.
    aws.respond_json(
        "sesv2",
        "CreateEmailIdentity",
        {
            "IdentityType": "DOMAIN",
            "VerifiedForSendingStatus": False,
            "DkimAttributes": {"SigningEnabled": True, "Status": "PENDING", "Tokens": ["t1", "t2"]},
        },
    )
    out = _run("--add", "example.com")
    assert "t1._domainkey.example.com  CNAME  t1.dkim.amazonses.com" in out
    assert "t2._domainkey.example.com  CNAME  t2.dkim.amazonses.com" in out


def test_list_shows_addresses_and_domains_with_their_status(aws, api):
    client = boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)
    client.verify_domain_identity(Domain="example.com")
    client.verify_email_identity(EmailAddress="ops@example.org")
    out = _run("--list")
    lines = out.strip().splitlines()
    assert lines[0].split() == ["example.com", "domain", "Verified"]
    assert lines[1].split() == ["ops@example.org", "email", "Verified"]
    assert aws.calls(
        "sesv2" if api == "v2" else "ses",
        "ListEmailIdentities" if api == "v2" else "ListIdentities",
    )


def test_list_is_the_default_and_says_when_there_is_nothing(aws, api):
    assert "No identities." in _run()


def test_delete_removes_an_identity(aws, api):
    boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url).verify_domain_identity(
        Domain="example.com"
    )
    out = _run("--delete", "example.com")
    assert _v1_identities(aws) == set()
    assert "Deleted example.com." in out


def test_deleting_an_unknown_identity_is_an_error(aws, api):
    with pytest.raises(CommandError, match="not an SES identity"):
        _run("--delete", "nobody@example.com")


def test_adding_an_existing_v2_identity_is_an_error(aws, settings):
    settings.USE_SES_V2 = True
    aws.fail("sesv2", "CreateEmailIdentity", "AlreadyExistsException", "exists", status=400)
    with pytest.raises(CommandError, match="already an SES identity"):
        _run("--add", "example.com")


@pytest.mark.parametrize("bad", ["not an address", "a@b@c", "exa mple.com", "-bad-.com", "x@"])
def test_invalid_identities_are_rejected_before_calling_aws(aws, bad):
    with pytest.raises(CommandError):
        _run("--add", bad)
    assert aws.calls() == []


def test_verbosity_0_is_silent(aws, api):
    assert _run("--add", "example.com", verbosity=0) == ""
    assert _v1_identities(aws) == {"example.com"}


def test_aws_errors_are_command_errors(aws, settings):
    settings.USE_SES_V2 = True
    aws.fail("sesv2", "ListEmailIdentities", "AccessDeniedException", "nope", status=403)
    with pytest.raises(CommandError, match="allow ses:ListEmailIdentities"):
        _run("--list")
