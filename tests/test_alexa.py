"""The Alexa adapter through POST /alexa (verification off): request types, intents, state, limits."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from skill import lambda_handler
from skill.alexa import AlexaSkill
from skill.content import FACETS
from skill.dialogue import Dialogue
from skill.intents import ALL_INTENTS
from skill.verify import VerificationError
from skill.web import create_app

SKILL_ID = "amzn1.ask.skill.test"
MAX_SPEECH = 8000
MAX_CARD = 8000
MAX_RESPONSE_BYTES = 24 * 1024


@pytest.fixture(scope="module")
def app(store, tmp_path_factory):
    db = tmp_path_factory.mktemp("progress") / "progress.sqlite3"
    return create_app({"store": store, "alexa_verify": "0", "alexa_skill_id": SKILL_ID,
                       "database_url": f"sqlite:///{db}"})


@pytest.fixture
def client(app):
    return app.test_client()


def envelope(request: dict, attributes: dict | None = None, new: bool = False, app_id: str = SKILL_ID) -> dict:
    request = {"requestId": "amzn1.echo-api.request.1", "locale": "en-GB",
               "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **request}
    return {
        "version": "1.0",
        "session": {"new": new, "sessionId": "amzn1.echo-api.session.1", "application": {"applicationId": app_id},
                    "attributes": attributes or {}, "user": {"userId": "amzn1.ask.account.student"}},
        "context": {"System": {"application": {"applicationId": app_id},
                               "user": {"userId": "amzn1.ask.account.student"},
                               "device": {"deviceId": "device", "supportedInterfaces": {}}}},
        "request": request,
    }


def intent(name: str, **slots) -> dict:
    return {"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE", "slots": {
        n: (v if isinstance(v, dict) else {"name": n, "value": v}) for n, v in slots.items()}}}


def topic_slot(value: str, topic_id: str | None) -> dict:
    """A TopicType slot as Alexa sends it, with entity resolution."""
    status = "ER_SUCCESS_MATCH" if topic_id else "ER_SUCCESS_NO_MATCH"
    authority = {"authority": "amzn1.er-authority.echo-sdk.amzn1.ask.skill.test.TopicType", "status": {"code": status}}
    if topic_id:
        authority["values"] = [{"value": {"name": value, "id": topic_id}}]
    return {"name": "topic", "value": value, "resolutions": {"resolutionsPerAuthority": [authority]}}


class Session:
    """Posts requests as one Alexa session, carrying sessionAttributes like the Alexa service does."""

    def __init__(self, client):
        self.client = client
        self.attributes: dict = {}

    def send(self, request: dict) -> dict:
        r = self.client.post("/alexa", json=envelope(request, self.attributes))
        assert r.status_code == 200, r.data
        check_limits(r.data)
        out = r.get_json()
        self.attributes = out.get("sessionAttributes") or {}
        return out


def speech(out: dict) -> str:
    return out["response"]["outputSpeech"]["ssml"]


def check_limits(raw: bytes) -> None:
    """Alexa's response limits and the certification rules about questions and reprompts."""
    assert len(raw) < MAX_RESPONSE_BYTES
    response = json.loads(raw)["response"]
    if "outputSpeech" not in response:
        return
    ssml = response["outputSpeech"]["ssml"]
    assert len(ssml) <= MAX_SPEECH
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
    assert len(re.findall(r"<audio", ssml)) <= 5
    card = response.get("card")
    assert card and card["type"] == "Simple" and card["title"] and card["content"]
    assert len(card["title"]) + len(card["content"]) <= MAX_CARD
    if response.get("shouldEndSession"):
        assert "reprompt" not in response
        assert not re.sub(r"<[^>]+>", "", ssml).rstrip().endswith("?"), "a goodbye must not ask a question"
    else:
        assert response["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")


# --- a conversation --------------------------------------------------------------------------------

def test_launch_welcomes_and_says_what_to_ask(client):
    out = Session(client).send({"type": "LaunchRequest"})
    assert "Welcome to History Revision" in speech(out)
    assert "Ask me a question" in speech(out)
    assert out["response"]["shouldEndSession"] is False
    assert out["response"]["card"]["title"] == "History Revision"


def test_a_resolved_slot_id_is_used_directly_as_the_topic(client):
    # the heard value means nothing to the resolver; the entity-resolution id decides
    out = Session(client).send(intent("WhyIntent", topic=topic_slot("zzz qqq", "great-famine")))
    assert (out["sessionAttributes"]["topic"], out["sessionAttributes"]["facet"]) == ("great-famine", "why")
    assert out["response"]["card"]["title"].startswith("The Great Famine")


def test_an_unresolved_slot_value_goes_through_the_resolver(client):
    out = Session(client).send(intent("WhenIntent", topic=topic_slot("the great leap forwards", None)))
    assert (out["sessionAttributes"]["topic"], out["sessionAttributes"]["facet"]) == ("great-leap-forward", "when")


def test_a_slot_value_nobody_knows_gets_a_polite_fallback(client):
    out = Session(client).send(intent("WhyIntent", topic=topic_slot("the moon landing", None)))
    assert "don't have an answer" in speech(out)
    assert out["response"]["shouldEndSession"] is False
    assert "topic" not in out["sessionAttributes"]


def test_question_follow_up_more_repeat_help_stop(client):
    s = Session(client)
    s.send({"type": "LaunchRequest"})
    first = s.send(intent("AskQuestionIntent", question="why was the great leap forward introduced"))
    assert (s.attributes["topic"], s.attributes["facet"]) == ("great-leap-forward", "why")
    assert "Would you like to hear more?" in speech(first)

    more = s.send(intent("AMAZON.YesIntent"))
    assert speech(more) != speech(first) and s.attributes["facet"] == "why"

    follow = s.send(intent("EffectsIntent"))             # "what were its effects": no slot at all
    assert (s.attributes["topic"], s.attributes["facet"]) == ("great-leap-forward", "effects")

    again = s.send(intent("AMAZON.RepeatIntent"))
    assert speech(again) == speech(follow)

    helped = s.send(intent("AMAZON.HelpIntent"))
    assert "Great Leap Forward" in speech(helped) and helped["response"]["shouldEndSession"] is False

    bye = s.send(intent("AMAZON.StopIntent"))
    assert "Goodbye" in speech(bye)
    assert bye["response"]["shouldEndSession"] is True
    assert bye["sessionAttributes"] == {}


@pytest.mark.parametrize("name", ["AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"])
def test_cancel_and_home_say_goodbye(client, name):
    out = Session(client).send(intent(name))
    assert out["response"]["shouldEndSession"] is True


def test_no_declines_more_and_keeps_the_session(client):
    s = Session(client)
    s.send(intent("WhyIntent", topic=topic_slot("the great leap forward", "great-leap-forward")))
    out = s.send(intent("AMAZON.NoIntent"))
    assert "What else" in speech(out) and out["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("name", ["AMAZON.FallbackIntent", "SomeIntentFromANewerModel"])
def test_fallback_and_unknown_intents_answer_with_guidance(client, name):
    out = Session(client).send(intent(name))
    assert "For example, you could ask" in speech(out)
    assert out["response"]["shouldEndSession"] is False


def test_every_catalogue_intent_gets_a_valid_answer(client):
    """Each intent in skill.intents, by its Alexa name, in a session that has a topic."""
    for item in ALL_INTENTS:
        s = Session(client)
        s.send(intent("WhoIntent", topic=topic_slot("the korean war", "korean-war")))
        s.send(intent(item.alexa))


def test_session_attributes_carry_the_whole_dialogue_state(client):
    s = Session(client)
    s.send(intent("FeaturesIntent", topic=topic_slot("the cultural revolution", "cultural-revolution")))
    assert {"topic", "facet", "next", "pending", "last"} <= set(s.attributes)
    s.attributes["next"] = 0               # state comes back from Alexa and is what the dialogue uses
    out = s.send(intent("AMAZON.RepeatIntent"))
    assert speech(out).startswith("<speak>")


# --- other request types ---------------------------------------------------------------------------

def test_session_ended_gets_an_empty_response(client):
    for reason in ("USER_INITIATED", "EXCEEDED_MAX_REPROMPTS"):
        out = Session(client).send({"type": "SessionEndedRequest", "reason": reason})
        assert "outputSpeech" not in out["response"]
    out = Session(client).send({"type": "SessionEndedRequest", "reason": "ERROR",
                                "error": {"type": "INVALID_RESPONSE", "message": "bad SSML"}})
    assert "outputSpeech" not in out["response"]


def test_exception_encountered_gets_an_empty_response(client):
    out = Session(client).send({"type": "System.ExceptionEncountered",
                                "error": {"type": "INVALID_RESPONSE", "message": "bad SSML"},
                                "cause": {"requestId": "amzn1.echo-api.request.0"}})
    assert out["response"] == {}


def test_unused_request_types_get_an_empty_response(client):
    out = Session(client).send({"type": "AlexaSkillEvent.SkillEnabled"})
    assert "outputSpeech" not in out["response"]


def can_fulfill(client, name: str, **slots) -> dict:
    request = intent(name, **slots)
    request["type"] = "CanFulfillIntentRequest"
    env = envelope(request)
    del env["session"]["attributes"]
    r = client.post("/alexa", json=env)
    assert r.status_code == 200
    return r.get_json()["response"]["canFulfillIntent"]


def test_can_fulfill_says_yes_only_for_questions_the_content_answers(client):
    yes = can_fulfill(client, "WhyIntent", topic=topic_slot("the great famine", "great-famine"))
    assert yes == {"canFulfill": "YES", "slots": {"topic": {"canUnderstand": "YES", "canFulfill": "YES"}}}
    by_name = can_fulfill(client, "EffectsIntent", topic=topic_slot("the hundred flower campaign", None))
    assert by_name["canFulfill"] == "YES"
    no = can_fulfill(client, "WhyIntent", topic=topic_slot("the french revolution", None))
    assert no == {"canFulfill": "NO", "slots": {"topic": {"canUnderstand": "NO", "canFulfill": "NO"}}}
    assert can_fulfill(client, "AskQuestionIntent", question="what caused the sino soviet split")["canFulfill"] == "YES"
    assert can_fulfill(client, "AskQuestionIntent", question="how do volcanoes erupt")["canFulfill"] == "NO"
    assert can_fulfill(client, "WhyIntent")["canFulfill"] == "NO"
    assert can_fulfill(client, "AMAZON.HelpIntent")["canFulfill"] == "NO"


# --- limits over the whole content -----------------------------------------------------------------

def test_every_topic_and_facet_answers_within_alexa_limits(client, store):
    for topic_id in sorted(store.topics):
        for facet in FACETS:
            s = Session(client)
            s.send(intent(f"{facet.capitalize()}Intent", topic=topic_slot(topic_id, topic_id)))
            assert s.attributes["topic"] == topic_id
            while s.attributes.get("pending") == "more":      # every point of the answer, turn by turn
                s.send(intent("MoreIntent"))
            s.send(intent("AMAZON.RepeatIntent"))


# --- bad input, errors, settings -------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"{}", b"[]", b"not json", b'{"request": "LaunchRequest"}',
                                  b'{"request": {"type": 5}}', b"\xff\xfe{}"])
def test_malformed_bodies_answer_400_even_with_verification_off(client, body):
    r = client.post("/alexa", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"] == "Bad Request"


ODD_SHAPES = [
    ({"request": {"type": "IntentRequest"}}, 400),
    ({"request": {"type": "IntentRequest", "intent": 5}}, 400),
    ({"request": {"type": "IntentRequest", "intent": {}}}, 400),
    ({"request": {"type": "IntentRequest", "intent": {"name": 5}}}, 200),      # read as "5": a fallback
    ({"request": {"type": "CanFulfillIntentRequest"}}, 400),
    ({"request": {"type": "IntentRequest", "intent": {"name": "WhyIntent", "slots": [1, 2]}}}, 400),
    ({"request": {"type": "IntentRequest", "intent": {"name": "WhyIntent", "slots": {"topic": "x"}}}}, 400),
    ({"request": {"type": "LaunchRequest"}, "session": 5}, 400),
    ({"request": {"type": "LaunchRequest"}, "session": {"user": 5}}, 400),
    ({"request": {"type": "SessionEndedRequest", "error": 5}}, 400),
    ({"request": {"type": "IntentRequest", "intent": {"name": "WhyIntent", "slots": {"topic": {"value": 5}}}}}, 200),
    ({"request": {"type": "CanFulfillIntentRequest", "intent": {"name": "WhyIntent", "slots": {"topic": {
        "value": "x", "resolutions": {"resolutionsPerAuthority": [
            {"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"id": None}}]}]}}}}}}, 200),
    ({"request": {"type": "LaunchRequest"}, "session": {"attributes": {"topic": 7, "facet": [], "next": "x"}}}, 200),
]


@pytest.mark.parametrize("body,status", ODD_SHAPES)
def test_odd_shapes_are_refused_or_answered_never_a_500(client, body, status):
    body = {"context": {"System": {"application": {"applicationId": SKILL_ID}}}, **body}   # ours, or odd
    r = client.post("/alexa", json=body)
    assert r.status_code == status, r.data
    if status == 400:
        assert r.get_json()["message"] != "request is for another skill"
    if status == 200:
        assert r.get_json()["response"] is not None


def test_a_foreign_application_id_answers_400_with_verification_off(client):
    r = client.post("/alexa", json=envelope({"type": "LaunchRequest"}, app_id="amzn1.ask.skill.other"))
    assert (r.status_code, r.get_json()["message"]) == (400, "request is for another skill")


def test_get_is_not_allowed(client):
    assert client.get("/alexa").status_code == 405


class _BrokenDialogue(Dialogue):
    def handle(self, turn):
        raise RuntimeError("a bug in the dialogue policy")


def test_a_bug_in_the_dialogue_is_an_apology_not_a_500(store):
    skill = AlexaSkill(_BrokenDialogue(store))
    out = skill.handle_envelope(envelope(intent("AMAZON.HelpIntent")))
    assert "something went wrong" in out["response"]["outputSpeech"]["ssml"]
    assert out["response"]["shouldEndSession"] is False


def test_production_refuses_to_start_without_verification(store):
    memory = "sqlite:///:memory:"
    with pytest.raises(RuntimeError, match="SKILL_ALEXA_VERIFY"):
        create_app({"store": store, "production": "1", "alexa_verify": "0", "alexa_skill_id": SKILL_ID,
                    "database_url": memory})
    with pytest.raises(RuntimeError, match="SKILL_ALEXA_SKILL_ID"):
        create_app({"store": store, "production": "1", "alexa_verify": "1", "alexa_skill_id": "",
                    "database_url": memory})


# --- AWS Lambda -------------------------------------------------------------------------------------

def test_lambda_handler_serves_the_same_skill(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILL_ALEXA_SKILL_ID", SKILL_ID)
    monkeypatch.setenv("SKILL_DATABASE_URL", f"sqlite:///{tmp_path / 'progress.sqlite3'}")
    out = lambda_handler(envelope(intent("WhatIntent", topic=topic_slot("the red guards", "red-guards"))), None)
    assert out["sessionAttributes"]["topic"] == "red-guards"
    with pytest.raises(VerificationError):
        lambda_handler(envelope({"type": "LaunchRequest"}, app_id="amzn1.ask.skill.other"), None)
