"""DKIM signing (django_ses.sending.dkim), checked with dkimpy's own verifier."""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Callable

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.mail import EmailMultiAlternatives

from django_ses.exceptions import DKIMError, DKIMKeyError
from django_ses.sending.dkim import (
    DEFAULT_SIGNED_HEADERS,
    dkimpy_available,
    load_private_key,
    normalize_signed_headers,
    sign_message,
)

DOMAIN = "example.com"
SELECTOR = "ses"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode(
        "ascii"
    )


@pytest.fixture(scope="module")
def pkcs1_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return pem_of(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL)


@pytest.fixture(scope="module")
def dns_txt(rsa_key: rsa.RSAPrivateKey) -> Callable[..., bytes | None]:
    """A DNS resolver that knows one record: the public key at ses._domainkey.example.com."""
    public_der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        if name.rstrip(b".") == f"{SELECTOR}._domainkey.{DOMAIN}".encode():
            return record
        return None

    return lookup


def readme_style(pem: str) -> str:
    """The key as the django-ses README shows it in settings.py: triple-quoted, indented."""
    return "\n" + textwrap.indent(pem, "   ") + "   "


def a_message() -> bytes:
    message = EmailMultiAlternatives(
        subject="Grüße from the test suite",
        body="Plain body, with ümlauts.\n",
        from_email="Sender <sender@example.com>",
        to=["to@example.org"],
        cc=["cc@example.org"],
        headers={"Reply-To": "reply@example.com"},
    )
    message.attach_alternative("<p>HTML body</p>", "text/html")
    message.attach("notes.txt", "attached text\n", "text/plain")
    return message.message().as_bytes()


def signature_tags(signed: bytes) -> dict[str, str]:
    header, _, _ = signed.partition(b"\n\n")
    first = header.split(b"\nContent-Type", 1)[0].decode()
    assert first.startswith("DKIM-Signature:")
    value = " ".join(first.split(":", 1)[1].split())
    return {
        tag.strip(): val.strip()
        for tag, _, val in (part.partition("=") for part in value.split(";"))
    }


def test_dkimpy_is_reported_available_when_installed() -> None:
    assert dkimpy_available() is True


def test_signed_message_verifies_with_dkimpy(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    raw = a_message()

    signed = sign_message(
        raw, domain=DOMAIN, private_key=pkcs1_pem, selector=SELECTOR, headers=["From", "To"]
    )

    assert signed.startswith(b"DKIM-Signature: ")
    assert signed.endswith(raw)
    assert dkim.verify(signed, dnsfunc=dns_txt) is True


def test_signature_names_domain_selector_and_signed_headers(pkcs1_pem: str) -> None:
    signed = sign_message(
        a_message(),
        domain=DOMAIN,
        private_key=pkcs1_pem,
        selector=SELECTOR,
        headers=DEFAULT_SIGNED_HEADERS,
    )

    tags = signature_tags(signed)
    assert tags["d"] == DOMAIN
    assert tags["s"] == SELECTOR
    assert tags["a"] == "rsa-sha256"
    assert [h.strip() for h in tags["h"].split(":")] == ["from", "to", "cc", "subject"]


def test_tampered_body_fails_verification(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    signed = sign_message(
        a_message(), domain=DOMAIN, private_key=pkcs1_pem, selector=SELECTOR, headers=["From"]
    )

    tampered = signed.replace(b"<p>HTML body</p>", b"<p>HTML b0dy</p>")

    assert tampered != signed
    assert dkim.verify(tampered, dnsfunc=dns_txt) is False


def test_tampered_signed_header_fails_verification(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    signed = sign_message(
        a_message(),
        domain=DOMAIN,
        private_key=pkcs1_pem,
        selector=SELECTOR,
        headers=["From", "To", "Subject"],
    )

    tampered = signed.replace(b"To: to@example.org", b"To: someone-else@example.org")

    assert tampered != signed
    assert dkim.verify(tampered, dnsfunc=dns_txt) is False


def test_unsigned_header_may_change_without_breaking_the_signature(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    # SES rewrites Message-ID and Date; they are not in the default signed headers.
    raw = a_message()
    signed = sign_message(
        raw,
        domain=DOMAIN,
        private_key=pkcs1_pem,
        selector=SELECTOR,
        headers=DEFAULT_SIGNED_HEADERS,
    )
    message_id_line = next(line for line in raw.split(b"\n") if line.startswith(b"Message-ID:"))

    relayed = signed.replace(message_id_line, b"Message-ID: <rewritten@email.amazonses.com>")

    assert dkim.verify(relayed, dnsfunc=dns_txt) is True


def test_readme_style_indented_string_key_signs(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    key = readme_style(pkcs1_pem)
    assert key.startswith("\n   -----BEGIN RSA PRIVATE KEY-----")

    signed = sign_message(
        a_message(), domain=DOMAIN, private_key=key, selector=SELECTOR, headers=["From"]
    )

    assert dkim.verify(signed, dnsfunc=dns_txt) is True


def test_pkcs8_key_as_bytes_with_crlf_line_endings_signs(
    rsa_key: rsa.RSAPrivateKey, dns_txt: Callable[..., bytes | None]
) -> None:
    pem = pem_of(rsa_key, serialization.PrivateFormat.PKCS8)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    key = pem.replace("\n", "\r\n").encode("ascii")

    signed = sign_message(
        a_message(), domain=DOMAIN, private_key=key, selector=SELECTOR, headers=["From"]
    )

    assert dkim.verify(signed, dnsfunc=dns_txt) is True


def test_crlf_message_keeps_crlf_and_verifies(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    raw = a_message().replace(b"\n", b"\r\n")

    signed = sign_message(
        raw, domain=DOMAIN, private_key=pkcs1_pem, selector=SELECTOR, headers=["From", "To"]
    )

    signature = signed[: len(signed) - len(raw)]
    assert signature.endswith(b"\r\n")
    assert b"\n" not in signature.replace(b"\r\n", b"")
    assert dkim.verify(signed, dnsfunc=dns_txt) is True


def test_lf_message_gets_an_lf_signature_header(pkcs1_pem: str) -> None:
    raw = a_message()
    assert b"\r\n" not in raw

    signed = sign_message(
        raw, domain=DOMAIN, private_key=pkcs1_pem, selector=SELECTOR, headers=["From"]
    )

    assert b"\r" not in signed[: len(signed) - len(raw)]


def test_header_names_are_matched_case_insensitively(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    signed = sign_message(
        a_message(),
        domain=DOMAIN,
        private_key=pkcs1_pem,
        selector=SELECTOR,
        headers=["FROM", "subject", "Reply-TO"],
    )

    assert signature_tags(signed)["h"].replace(" ", "") == "from:subject:reply-to"
    assert dkim.verify(signed, dnsfunc=dns_txt) is True


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("From, To, Cc, Subject", (b"from", b"to", b"cc", b"subject")),
        ("from:to:subject", (b"from", b"to", b"subject")),
        ([b"From", "Subject"], (b"from", b"subject")),
        (None, (b"from", b"to", b"cc", b"subject")),
        ((), (b"from", b"to", b"cc", b"subject")),
    ],
)
def test_signed_headers_accept_plain_strings_bytes_and_defaults(
    setting: object, expected: tuple[bytes, ...]
) -> None:
    assert normalize_signed_headers(setting) == expected  # type: ignore[arg-type]


def test_from_is_always_signed_as_rfc6376_requires(
    pkcs1_pem: str, dns_txt: Callable[..., bytes | None]
) -> None:
    signed = sign_message(
        a_message(), domain=DOMAIN, private_key=pkcs1_pem, selector=SELECTOR, headers=["Subject"]
    )

    assert signature_tags(signed)["h"].replace(" ", "").split(":") == ["from", "subject"]
    assert dkim.verify(signed, dnsfunc=dns_txt) is True


@pytest.mark.parametrize("header", ["Bcc", "Return-Path", "Received", "DKIM-Signature"])
def test_headers_that_must_not_be_signed_are_refused(pkcs1_pem: str, header: str) -> None:
    with pytest.raises(DKIMError, match=f"{header}.*must not be DKIM-signed"):
        sign_message(
            a_message(),
            domain=DOMAIN,
            private_key=pkcs1_pem,
            selector=SELECTOR,
            headers=["From", header],
        )


def test_a_header_name_with_a_space_is_refused(pkcs1_pem: str) -> None:
    with pytest.raises(DKIMError, match="not a header name"):
        sign_message(
            a_message(),
            domain=DOMAIN,
            private_key=pkcs1_pem,
            selector=SELECTOR,
            headers=["From", "X Bad"],
        )


def test_garbage_key_raises_our_error_with_advice() -> None:
    with pytest.raises(DKIMKeyError, match=r"not in PEM form.*openssl genrsa") as excinfo:
        sign_message(
            a_message(), domain=DOMAIN, private_key="xxxxxxxxxxx", selector=SELECTOR, headers=()
        )
    assert isinstance(excinfo.value, ValueError)


def test_readme_placeholder_key_raises_our_error() -> None:
    placeholder = """
   -----BEGIN RSA PRIVATE KEY-----
   xxxxxxxxxxx
   -----END RSA PRIVATE KEY-----
   """
    with pytest.raises(DKIMKeyError, match="could not be read as an RSA key"):
        sign_message(
            a_message(), domain=DOMAIN, private_key=placeholder, selector=SELECTOR, headers=()
        )


def test_truncated_key_raises_our_error(pkcs1_pem: str) -> None:
    lines = pkcs1_pem.strip().splitlines()
    truncated = "\n".join([lines[0], *lines[1:6], lines[-1]])

    with pytest.raises(DKIMKeyError, match="whole PEM block"):
        load_private_key(truncated)


def test_public_key_instead_of_private_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(DKIMKeyError, match=r"'PUBLIC KEY' block.*cannot sign"):
        load_private_key(public_pem)


def test_encrypted_key_is_refused_with_decrypt_advice(rsa_key: rsa.RSAPrivateKey) -> None:
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    with pytest.raises(DKIMKeyError, match=r"encrypted.*openssl rsa"):
        load_private_key(encrypted)


def test_non_rsa_private_key_raises_our_error() -> None:
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(DKIMKeyError, match="RSA"):
        sign_message(a_message(), domain=DOMAIN, private_key=ec_pem, selector=SELECTOR, headers=())


def test_empty_key_is_refused() -> None:
    with pytest.raises(DKIMKeyError, match="empty"):
        load_private_key("\n   \n")


def test_key_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(DKIMKeyError, match="str or bytes"):
        load_private_key(1234)  # type: ignore[arg-type]


def test_load_private_key_reports_the_key_size(rsa_key: rsa.RSAPrivateKey, pkcs1_pem: str) -> None:
    assert load_private_key(readme_style(pkcs1_pem)).bits == rsa_key.key_size


@pytest.mark.parametrize(("domain", "selector"), [("", "ses"), ("example.com", "  ")])
def test_empty_domain_or_selector_is_refused(pkcs1_pem: str, domain: str, selector: str) -> None:
    with pytest.raises(DKIMError, match="non-empty"):
        sign_message(
            a_message(), domain=domain, private_key=pkcs1_pem, selector=selector, headers=()
        )


def test_internationalised_domain_is_signed_in_its_ascii_form(
    rsa_key: rsa.RSAPrivateKey, pkcs1_pem: str
) -> None:
    public_der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    looked_up: list[bytes] = []

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        looked_up.append(name)
        return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)

    signed = sign_message(
        a_message(), domain="bücher.example", private_key=pkcs1_pem, selector="ses", headers=()
    )

    assert signature_tags(signed)["d"] == "xn--bcher-kva.example"
    assert dkim.verify(signed, dnsfunc=lookup) is True
    assert looked_up == [b"ses._domainkey.xn--bcher-kva.example."]
