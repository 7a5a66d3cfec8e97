"""Reading and verifying Amazon SNS messages: the names of their first home.

The code lives in :mod:`django_ses.sns` (envelope, certificates, signature)
and the errors in :mod:`django_ses.exceptions`; this module re-exports them.
"""

from __future__ import annotations

from django_ses.exceptions import (
    CertificateFetchError,
    MalformedSNSMessage,
    NestedTooDeeply,
    SNSMessageError,
    UntrustedSNSMessage,
    VerificationUnavailable,
)
from django_ses.sns.certificates import (
    CERT_CACHE_MAX_ENTRIES,
    CERT_CACHE_TTL,
    CERT_FAILURE_TTL,
    CERT_FETCH_TIMEOUT,
    CERT_MAX_BYTES,
    check_certificate_url,
    clear_cert_cache,
    get_certificate,
    trusted_cert_domains,
)
from django_ses.sns.envelope import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MESSAGE_TYPES,
    check_envelope,
    is_topic_arn,
    load_json_object,
    topic_region,
)
from django_ses.sns.signature import (
    BounceMessageVerifier,
    EventMessageVerifier,
    canonical_string,
    verify_bounce_message,
    verify_event_message,
)

__all__ = [
    "CERT_CACHE_MAX_ENTRIES",
    "CERT_CACHE_TTL",
    "CERT_FAILURE_TTL",
    "CERT_FETCH_TIMEOUT",
    "CERT_MAX_BYTES",
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MESSAGE_TYPES",
    "BounceMessageVerifier",
    "CertificateFetchError",
    "EventMessageVerifier",
    "MalformedSNSMessage",
    "NestedTooDeeply",
    "SNSMessageError",
    "UntrustedSNSMessage",
    "VerificationUnavailable",
    "canonical_string",
    "check_certificate_url",
    "check_envelope",
    "clear_cert_cache",
    "get_certificate",
    "is_topic_arn",
    "load_json_object",
    "topic_region",
    "trusted_cert_domains",
    "verify_bounce_message",
    "verify_event_message",
]
