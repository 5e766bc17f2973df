"""skill.alexa_codec gives exactly what ask-sdk's own serializer gives, for real and generated envelopes."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from hypothesis import HealthCheck, given, settings, strategies as st

from skill.alexa import AlexaSkill
from skill.alexa_codec import ModelCodec
from skill.dialogue import Dialogue
from test_alexa import envelope, intent, topic_slot

NOW = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

# The request kinds the skill answers, with the parts of a real device's context that carry nested
# models, lists, enums and dates.
FULL_CONTEXT = {
    "System": {"application": {"applicationId": "amzn1.ask.skill.test"},
               "user": {"userId": "amzn1.ask.account.student", "accessToken": "token"},
               "person": {"personId": "amzn1.ask.person.1"},
               "device": {"deviceId": "device", "supportedInterfaces": {"AudioPlayer": {}}},
               "apiEndpoint": "https://api.eu.amazonalexa.com", "apiAccessToken": "token"},
    "Viewport": {"experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False,
                                  "canResize": False}],
                 "mode": "HUB", "shape": "RECTANGLE", "pixelWidth": 1024, "pixelHeight": 600, "dpi": 160,
                 "currentPixelWidth": 1024, "currentPixelHeight": 600, "touch": ["SINGLE"],
                 "keyboard": ["DIRECTION"], "video": {"codecs": ["H_264_42", "H_264_41"]}},
    "AudioPlayer": {"playerActivity": "IDLE"},
}

REQUESTS = [
    {"type": "LaunchRequest"},
    intent("AskQuestionIntent", question="why was the great leap forward introduced"),
    intent("TopicFacetIntent", topic=topic_slot("the great leap", "great-leap-forward")),
    intent("TopicFacetIntent", topic=topic_slot("something else", None)),
    intent("AMAZON.HelpIntent"),
    {"type": "CanFulfillIntentRequest", "intent": {"name": "AskQuestionIntent", "slots": {
        "question": {"name": "question", "value": "what was the hundred flowers campaign"}}}},
    {"type": "SessionEndedRequest", "reason": "ERROR",
     "error": {"type": "INVALID_RESPONSE", "message": "bad"}},
    {"type": "System.ExceptionEncountered",
     "error": {"type": "INVALID_RESPONSE", "message": "bad"},
     "cause": {"requestId": "amzn1.echo-api.request.0"}},
    {"type": "SessionResumedRequest"},
    {"type": "Connections.Response", "name": "Buy", "status": {"code": "200", "message": "OK"},
     "payload": {"purchaseResult": "ACCEPTED"}, "token": "t", "unknownField": {"a": [1, 2]}},
]

ENVELOPES = [envelope(r) for r in REQUESTS] + [
    {**envelope(r, {"topic": "korean-war", "facet": "why", "next": 3}), "context": FULL_CONTEXT}
    for r in REQUESTS]


def sdk_read(env):
    return DefaultSerializer().deserialize(json.dumps(env), RequestEnvelope)


@pytest.mark.parametrize("env", ENVELOPES, ids=[f"{e['request']['type']}-{i}" for i, e in enumerate(ENVELOPES)])
def test_requests_read_as_the_sdk_reads_them(env):
    ours = ModelCodec().read(env, RequestEnvelope)
    assert ours == sdk_read(env)
    assert ours.request.object_type == env["request"]["type"]
    assert ours.session.attributes == env["session"]["attributes"]


def test_an_unknown_request_type_fails_as_in_the_sdk():
    env = envelope({"type": "Some.FutureRequest"})
    with pytest.raises(SerializationException):
        sdk_read(env)
    with pytest.raises(SerializationException):
        ModelCodec().read(env, RequestEnvelope)


@pytest.fixture(scope="module")
def skill(store):
    return AlexaSkill(Dialogue(store))


@pytest.mark.parametrize("env", ENVELOPES[:len(REQUESTS)], ids=[r["type"] for r in REQUESTS])
def test_responses_write_as_the_sdk_writes_them(skill, env):
    response = skill.skill.invoke(request_envelope=skill.codec.read(env, RequestEnvelope), context=None)
    ours = ModelCodec().write(response)
    assert ours == DefaultSerializer().serialize(response)
    assert json.dumps(ours) == json.dumps(DefaultSerializer().serialize(response))   # same key order


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, path + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, path + (i,))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ENVELOPES), st.data(), JSON)
def test_damaged_envelopes_fail_or_read_exactly_as_in_the_sdk(env, data, junk):
    """Any part of a real envelope replaced by any JSON value: both raise, or both give equal models."""
    path = data.draw(st.sampled_from(list(_paths(env))))
    damaged = _replace(env, path, junk)
    try:
        expected = sdk_read(damaged)
    except SerializationException:
        with pytest.raises(SerializationException):
            ModelCodec().read(damaged, RequestEnvelope)
        return
    assert ModelCodec().read(damaged, RequestEnvelope) == expected
