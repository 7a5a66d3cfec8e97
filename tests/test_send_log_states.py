"""send_log.states: which state each SES event leads to, and the order states replace each other."""

from __future__ import annotations

import pytest

from django_ses.send_log.states import STATE_RANKS, State, transition


@pytest.mark.parametrize(
    ("event_type", "detail", "state", "text"),
    [
        ("send", {}, State.SENT, ""),
        ("delivery", {}, State.DELIVERED, ""),
        ("delivery_delay", {"delayType": "MailboxFull"}, State.DELAYED, "MailboxFull"),
        (
            "bounce",
            {"bounceType": "Permanent", "bounceSubType": "General"},
            State.BOUNCED,
            "Permanent/General",
        ),
        (
            "bounce",
            {"bounceType": "Permanent", "bounceSubType": "OnAccountSuppressionList"},
            State.SUPPRESSED,
            "Permanent/OnAccountSuppressionList",
        ),
        ("complaint", {"complaintFeedbackType": "abuse"}, State.COMPLAINED, "abuse"),
        ("reject", {"reason": "Bad content"}, State.REJECTED, "Bad content"),
        ("open", {}, State.OPENED, ""),
        ("click", {"link": "https://example.com/a"}, State.CLICKED, "https://example.com/a"),
        ("rendering_failure", {"errorMessage": "no name"}, State.RENDERING_FAILED, "no name"),
        (
            "subscription",
            {"contactList": "news", "newTopicPreferences": {"unsubscribeAll": True}},
            State.UNSUBSCRIBED,
            "news",
        ),
    ],
)
def test_each_event_type_leads_to_its_state_with_its_detail(event_type, detail, state, text):
    move = transition(event_type, detail)
    assert (move.state, move.detail) == (state, text)


def test_a_subscription_event_that_opts_in_changes_no_state():
    detail = {"contactList": "news", "newTopicPreferences": {"unsubscribeAll": False}}
    assert transition("subscription", detail).state is None


def test_failures_rank_above_delivery_and_the_recipients_actions_above_all():
    assert STATE_RANKS[State.BOUNCED] > STATE_RANKS[State.DELIVERED] > STATE_RANKS[State.SENT]
    assert STATE_RANKS[State.BOUNCED] > STATE_RANKS[State.CLICKED] > STATE_RANKS[State.OPENED]
    assert (
        STATE_RANKS[State.UNSUBSCRIBED] > STATE_RANKS[State.COMPLAINED] > STATE_RANKS[State.BOUNCED]
    )
    assert set(STATE_RANKS) == {value for value, _ in State.choices}


def test_the_suppression_list_subtype_is_the_one_events_recognise():
    from django_ses import events
    from django_ses.send_log import states

    assert states.SUPPRESSION_LIST_SUBTYPE == events.SUPPRESSION_LIST_SUBTYPE
