"""Headers made from the parse of a model are the headers the email package parses.

:mod:`django_ses.sending.header_models` makes a multipart ``Content-Type`` with
our boundary, and a list of bare addresses, from the parse of a model header of
the same shape; these tests hold every such header to the one the email
package's own registry parses: its text, its attributes, its parse tree node
for node, and its folding under several policy settings.
"""

from __future__ import annotations

import copy
import email.message
import email.policy
import pickle
import random
import string
from typing import Any

import pytest

from django_ses.sending import email_policy, header_models, mime
from tests.email_headers import assert_folds_as_standard, parse_tree, standard_header
from tests.test_email_policy import messages

SUBTYPES = ["mixed", "alternative", "related", "x-custom.sub+1"]


@pytest.mark.parametrize("subtype", SUBTYPES)
def test_a_content_type_with_our_boundary_is_the_header_the_standard_registry_parses(
    subtype: str,
) -> None:
    for _ in range(50):
        value = f'multipart/{subtype}; boundary="{header_models.new_boundary()}"'
        ours = email_policy.SMTP.header_factory("Content-Type", value)
        standard = standard_header("Content-Type", value)
        assert str(ours) == str(standard) == value
        assert type(ours).__name__ == type(standard).__name__
        assert dict(ours.params) == dict(standard.params)
        assert (ours.content_type, ours.maintype, ours.subtype) == (
            standard.content_type,
            standard.maintype,
            standard.subtype,
        )
        assert ours.defects == standard.defects == ()
        assert parse_tree(ours) == parse_tree(standard)
        assert_folds_as_standard(email_policy.SMTP, "Content-Type", ours, standard)


def test_a_copied_content_type_with_our_boundary_folds_as_the_original() -> None:
    value = f'multipart/mixed; boundary="{header_models.new_boundary()}"'
    ours = email_policy.SMTP.header_factory("Content-Type", value)
    for copied in (copy.copy(ours), copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert str(copied) == value
        assert copied.params["boundary"] == ours.params["boundary"]
        assert email_policy.SMTP.fold("Content-Type", copied) == email.policy.SMTP.fold(
            "Content-Type", standard_header("Content-Type", value)
        )


def test_a_content_type_with_our_boundary_is_made_from_its_models_parse() -> None:
    boundary = header_models.new_boundary()
    model = email_policy.SMTP.header_factory(
        "Content-Type", f'multipart/mixed; boundary="{header_models.MODEL_BOUNDARY}"'
    )
    made = email_policy.SMTP.header_factory(
        "Content-Type", f'multipart/mixed; boundary="{boundary}"'
    )
    assert made.params["boundary"] == boundary
    assert model.params["boundary"] == header_models.MODEL_BOUNDARY  # the model is unchanged
    assert made._parse_tree[0] is model._parse_tree[0]  # the subtype's token: shared, not parsed
    assert made._parse_tree is not model._parse_tree


@pytest.mark.parametrize(
    "value",
    [
        'multipart/mixed; boundary="===============ABCDEF0123456789012=="',  # capitals
        'multipart/mixed; boundary="===============0123456789=="',  # shorter
        'multipart/mixed; charset="utf-8"; boundary="===============0123456789012345678=="',
        'multipart/mixed; boundary="===============0123456789012345678=="; x=y',
        "multipart/mixed; boundary================0123456789012345678==",  # unquoted
        'Multipart/Mixed; boundary="===============0123456789012345678=="',
    ],
)
def test_any_other_multipart_content_type_is_parsed(value: str) -> None:
    ours = email_policy.SMTP.header_factory("Content-Type", value)
    standard = standard_header("Content-Type", value)
    assert not hasattr(ours, "_django_ses_model")
    assert dict(ours.params) == dict(standard.params)
    assert email_policy.SMTP.fold("Content-Type", ours) == email.policy.SMTP.fold(
        "Content-Type", standard
    )


def test_a_header_of_another_name_with_such_a_value_is_parsed_as_that_header() -> None:
    value = f'multipart/mixed; boundary="{header_models.new_boundary()}"'
    ours = email_policy.SMTP.header_factory("X-Note", value)
    assert not hasattr(ours, "_django_ses_model")
    assert str(ours) == str(standard_header("X-Note", value))


def test_only_a_content_type_with_the_model_boundary_can_take_another() -> None:
    factory = email_policy.SMTP.header_factory
    assert header_models.with_boundary(factory("Subject", "Hello"), "x") is None
    assert header_models.with_boundary(factory("Content-Type", "multipart/mixed"), "x") is None
    other = factory("Content-Type", 'multipart/mixed; boundary="elsewhere"')
    assert header_models.with_boundary(other, header_models.new_boundary()) is None


def test_boundaries_are_random_and_of_one_form_and_length() -> None:
    made = {header_models.new_boundary() for _ in range(1000)}
    assert len(made) == 1000
    assert {len(boundary) for boundary in made} == {len(header_models.MODEL_BOUNDARY)}
    value = 'multipart/mixed; boundary="{}"'
    assert all(header_models.BOUNDARY_CONTENT_TYPE.fullmatch(value.format(b)) for b in made)


def test_a_rendered_message_has_a_boundary_of_that_form_in_every_multipart() -> None:
    raw = mime.render_mime(messages()[1], message_id="<fixed@example.com>")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    boundaries = [p.get_boundary() for p in parsed.walk() if p.is_multipart()]
    assert len(boundaries) == 2 and len(set(boundaries)) == 2
    assert all(
        header_models.BOUNDARY_CONTENT_TYPE.fullmatch(f'multipart/x; boundary="{b}"')
        for b in boundaries
    )


def test_a_boundary_the_message_has_already_is_kept() -> None:
    built = mime._build(messages()[1])
    built.set_boundary("kept-boundary")
    mime._set_boundaries(built)
    assert built.get_boundary() == "kept-boundary"
    inner = [p for p in built.walk() if p.is_multipart()][1]
    assert header_models.BOUNDARY_CONTENT_TYPE.fullmatch(
        f'multipart/x; boundary="{inner.get_boundary()}"'
    )


# -- lists of bare addresses -------------------------------------------------------------

ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"


def random_bare_address(rng: random.Random) -> str:
    def dot_atom(most: int) -> str:
        return ".".join(
            "".join(rng.choice(ATEXT) for _ in range(rng.randint(1, 12)))
            for _ in range(rng.randint(1, most))
        )

    return f"{dot_atom(4)}@{dot_atom(5)}"


def assert_same_address_header(name: str, value: str) -> Any:
    ours = email_policy.SMTP.header_factory(name, value)
    standard = standard_header(name, value)
    assert str(ours) == str(standard)
    assert ours.addresses == standard.addresses
    assert ours.groups == standard.groups
    assert [repr(d) for d in ours.defects] == [repr(d) for d in standard.defects]
    assert parse_tree(ours) == parse_tree(standard)
    assert_folds_as_standard(email_policy.SMTP, name, ours, standard)
    return ours


def test_a_list_of_bare_addresses_is_the_header_the_standard_registry_parses() -> None:
    rng = random.Random(20261208)
    for count in (1, 2, 3, 7, 40):  # 40: folded over several lines
        for _ in range(15):
            value = ", ".join(random_bare_address(rng) for _ in range(count))
            for name in ("To", "Cc", "Bcc", "Reply-To"):
                assert_same_address_header(name, value)


def test_a_bare_sender_is_the_header_the_standard_registry_parses() -> None:
    header = assert_same_address_header("From", "sender@mail.example.com")
    assert [a.addr_spec for a in header.addresses] == ["sender@mail.example.com"]


def at_signs(header: Any) -> list[Any]:
    def terminals(node: Any) -> Any:
        for child in node:
            yield from terminals(child) if isinstance(child, list) else [child]

    return [t for t in terminals(header._parse_tree) if t.token_type == "address-at-symbol"]


def test_a_list_of_bare_addresses_is_made_from_the_parse_of_models() -> None:
    first = email_policy.SMTP.header_factory("To", "jane@example.com, john.doe@example.net")
    second = email_policy.SMTP.header_factory("To", "zoe@example.org, max.mu@example.com")
    # The '@' terminals are the models' (one for the first address, one for the next):
    # shared, not parsed again.
    assert [id(t) for t in at_signs(first)] == [id(t) for t in at_signs(second)]
    assert [a.addr_spec for a in second.addresses] == ["zoe@example.org", "max.mu@example.com"]


@pytest.mark.parametrize(
    "value",
    [
        "Jane Doe <jane@example.com>",
        '"Doe, Jane" <jane@example.com>, john@example.com',
        "jane@example.com,john@example.com",  # no space after the comma
        "jane@example.com , john@example.com",
        "jane@example.com (Jane)",
        '"quoted local"@example.com',
        "jane@[127.0.0.1]",
        "zoë@example.com",
        "jane@exämple.com",
        "jane..doe@example.com",
        "jane@example.com, ",
        "undisclosed-recipients:;",
        "",
        "a" * 20 + "." + ".".join(["b"] * 20) + "@example.com",  # more atoms than a model has
    ],
)
def test_any_other_address_header_is_parsed_by_the_email_package(value: str) -> None:
    assert_same_address_header("To", value)


def test_a_whole_message_to_bare_addresses_is_written_as_with_the_standard_policy() -> None:
    standard_policy = email.policy.SMTP.clone(linesep="\r\n")
    for policy in (email_policy.SMTP, standard_policy):
        built = email.message.EmailMessage(policy=policy)
        built["To"] = "a.b@example.com, c@d.example.net"
        built["Cc"] = ", ".join(f"cc{i}@example.org" for i in range(30))
        built.set_content("hello")
        if policy is email_policy.SMTP:
            ours = built.as_bytes()
        else:
            standard = built.as_bytes()
    assert ours == standard
