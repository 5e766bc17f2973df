"""The documented Dialogflow webhook response fields, as checks shared by the Dialogflow tests.

ES: WebhookResponse (dialogflow.googleapis.com v2) and the Actions on Google `payload.google` simple
response. CX: WebhookResponse (dialogflow.googleapis.com v3). Unknown fields are errors: Dialogflow
rejects a webhook response it cannot parse, and the user hears the agent's static fallback instead.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

MAX_RESPONSE_BYTES = 64 * 1024

ES_TOP = {"fulfillmentText", "fulfillmentMessages", "source", "payload", "outputContexts",
          "followupEventInput", "sessionEntityTypes"}
# Intent.Message: exactly one of these, plus an optional platform
ES_MESSAGE_KINDS = {"text", "image", "quickReplies", "card", "payload", "simpleResponses", "basicCard",
                    "suggestions", "linkOutSuggestion", "listSelect", "carouselSelect",
                    "browseCarouselCard", "tableCard", "mediaContent", "telephonyPlayAudio",
                    "telephonySynthesizeSpeech", "telephonyTransferCall", "rbmText",
                    "rbmStandaloneRichCard", "rbmCarouselRichCard"}
ES_PLATFORMS = {"PLATFORM_UNSPECIFIED", "FACEBOOK", "SLACK", "TELEGRAM", "KIK", "SKYPE", "LINE", "VIBER",
                "ACTIONS_ON_GOOGLE", "TELEPHONY", "GOOGLE_HANGOUTS"}
CX_TOP = {"fulfillmentResponse", "pageInfo", "sessionInfo", "payload", "targetPage", "targetFlow"}
CX_MESSAGE_KINDS = {"text", "payload", "conversationSuccess", "outputAudioText", "liveAgentHandoff",
                    "playAudio", "mixedAudio", "telephonyTransferCall", "knowledgeInfoCard"}
CX_MERGE = {"MERGE_BEHAVIOR_UNSPECIFIED", "APPEND", "REPLACE"}
CONTEXT_NAME = re.compile(r"^.+/contexts/[a-z0-9_-]+$")


def check_ssml(ssml: str) -> None:
    root = ET.fromstring(ssml)          # raises on anything not well-formed
    assert root.tag == "speak", ssml


def _size(response: dict) -> None:
    assert len(json.dumps(response).encode("utf-8")) <= MAX_RESPONSE_BYTES


def check_es(response: dict) -> None:
    """Raise AssertionError unless `response` is a valid ES v2 WebhookResponse."""
    assert set(response) <= ES_TOP, set(response) - ES_TOP
    _size(response)
    assert isinstance(response.get("fulfillmentText", ""), str)
    for message in response.get("fulfillmentMessages", []):
        kinds = set(message) - {"platform"}
        assert len(kinds) == 1 and kinds <= ES_MESSAGE_KINDS, message
        assert message.get("platform", "PLATFORM_UNSPECIFIED") in ES_PLATFORMS
        if "text" in message:
            assert set(message["text"]) == {"text"}
            assert all(isinstance(t, str) and t for t in message["text"]["text"])
        if "telephonySynthesizeSpeech" in message:
            speech = message["telephonySynthesizeSpeech"]
            assert len(speech) == 1 and set(speech) <= {"text", "ssml"}
            if "ssml" in speech:
                check_ssml(speech["ssml"])
    for context in response.get("outputContexts", []):
        assert set(context) <= {"name", "lifespanCount", "parameters"}, context
        assert CONTEXT_NAME.match(context["name"]), context["name"]
        assert isinstance(context.get("lifespanCount", 0), int) and context.get("lifespanCount", 0) >= 0
        assert isinstance(context.get("parameters", {}), dict)
    google = response.get("payload", {}).get("google")
    if google is not None:
        assert set(google) <= {"expectUserResponse", "richResponse", "userStorage", "systemIntent",
                               "resetUserStorage"}
        assert isinstance(google["expectUserResponse"], bool)
        items = google["richResponse"]["items"]
        assert 1 <= len(items) <= 2 and "simpleResponse" in items[0]
        for item in items:
            simple = item["simpleResponse"]
            assert set(simple) <= {"textToSpeech", "ssml", "displayText"}
            assert ("textToSpeech" in simple) != ("ssml" in simple)
            speech = simple.get("textToSpeech") or simple.get("ssml")
            if speech.startswith("<speak>"):
                check_ssml(speech)
            assert len(simple.get("displayText", "")) <= 640


def check_cx(response: dict) -> None:
    """Raise AssertionError unless `response` is a valid CX v3 WebhookResponse."""
    assert set(response) <= CX_TOP, set(response) - CX_TOP
    _size(response)
    fulfillment = response.get("fulfillmentResponse", {})
    assert set(fulfillment) <= {"messages", "mergeBehavior"}
    assert fulfillment.get("mergeBehavior", "REPLACE") in CX_MERGE
    for message in fulfillment.get("messages", []):
        kinds = set(message) - {"channel"}
        assert len(kinds) == 1 and kinds <= CX_MESSAGE_KINDS, message
        if "text" in message:
            assert set(message["text"]) <= {"text", "allowPlaybackInterruption"}
            assert all(isinstance(t, str) and t for t in message["text"]["text"])
        if "outputAudioText" in message:
            audio = message["outputAudioText"]
            assert len(set(audio) & {"text", "ssml"}) == 1
            if "ssml" in audio:
                check_ssml(audio["ssml"])
    session = response.get("sessionInfo", {})
    assert set(session) <= {"session", "parameters"}
    assert isinstance(session.get("parameters", {}), dict)
    if "targetPage" in response:
        assert re.match(r"^projects/.+/flows/[^/]+/pages/[^/]+$", response["targetPage"])
