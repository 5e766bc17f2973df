"""A session state that cannot be read starts afresh instead of failing the turn."""
from __future__ import annotations

import pytest

from skill.dialogue import Dialogue, Turn


@pytest.fixture(scope="module")
def dialogue(store):
    return Dialogue(store)


@pytest.mark.parametrize("state", [
    {"topic": "great-leap-forward", "facet": "why", "next": "abc", "pending": "more"},
    {"last": "x"},
    {"last": {"ssml": [1, 2], "text": [None]}},
    {"topic": ["not", "a", "string"], "facet": 7},
    {"mode": "quiz", "quiz": "garbage"},
    {"mode": "guide", "guide": {"topic": 3, "part": "two"}},
    "not a dict",
])
def test_unreadable_state_starts_afresh(dialogue, state):
    for text in ("yes", "repeat that", "tell me more", "what caused the great famine", "next"):
        reply = dialogue.handle(Turn(text=text, state=state))
        assert reply.text and "Traceback" not in reply.text
        assert isinstance(reply.state, dict)


def test_readable_state_is_kept(dialogue):
    first = dialogue.handle(Turn(text="why was the great leap forward introduced"))
    more = dialogue.handle(Turn(text="yes", state=first.state))
    assert more.topic == "great-leap-forward" and more.facet == "why"


def test_a_glossary_answer_names_its_topic_as_it_reads_mid_sentence(dialogue):
    reply = dialogue.handle(Turn(text="when was the tangshan earthquake"))
    assert reply.mode == "glossary" and "28 July 1976" in reply.text
    assert "That is part of the death of Mao." in reply.text and "The death" not in reply.text
