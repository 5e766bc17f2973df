"""Dialogflow fulfillment webhooks: POST /dialogflow/es (ES v2) and POST /dialogflow/cx (CX).

Thin adapters: each reads the platform's JSON into a `Turn`, lets the dialogue policy answer, and
writes the `Reply` back as the platform's JSON. The whole dialogue state (topic, facet and whatever
else the policy keeps) travels in an output context (ES) or the session parameters (CX).

Dialogflow authenticates itself with HTTP basic auth and/or a fixed custom header, both set in the
agent's fulfillment settings; see the dialogflow_* settings.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
from typing import Any, Callable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import BadRequest

from . import settings
from .dialogue import Reply, Turn
from .intents import Intent
from .web import request_json
from .models.dialogflow import BY_DISPLAY_NAME, INTENT_PARAMETERS, WELCOME_INTENT, entity_type, parameter_name

log = logging.getLogger("skill.dialogflow")

STATE_CONTEXT = "revision-state"     # ES context holding the dialogue state
CONTEXT_LIFESPAN = 20                # turns; we rewrite it on every turn anyway
MAX_DISPLAY_TEXT = 640               # Actions on Google simpleResponse.displayText limit
# Dialogflow puts the event name in queryText when an event (not words) triggered the intent.
_EVENT_TEXT = re.compile(r"^(WELCOME|[A-Z0-9]+(_[A-Z0-9]+)+)$")
_WELCOME_EVENTS = {"WELCOME", "GOOGLE_ASSISTANT_WELCOME"}


class DialogflowConfigError(RuntimeError):
    """The Dialogflow settings are unsafe or malformed; the app refuses to start."""


# --- authentication ---------------------------------------------------------------------------

class Credentials:
    """What a request must carry: basic-auth user and password, and/or one custom header."""

    def __init__(self, config: dict):
        user, password = config["dialogflow_user"], config["dialogflow_password"]
        if bool(user) != bool(password):
            raise DialogflowConfigError(
                "set both SKILL_DIALOGFLOW_USER and SKILL_DIALOGFLOW_PASSWORD, or neither")
        self.basic = (user, password) if user else None
        self.header = None
        raw = config["dialogflow_header"].strip()
        if raw:
            name, sep, value = raw.partition(":")
            name, value = name.strip(), value.strip()
            if not sep or not name or not value or not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name):
                raise DialogflowConfigError(
                    "SKILL_DIALOGFLOW_HEADER must look like 'Name: value', e.g. 'X-Revision-Key: s3cret'")
            self.header = (name, value)
        if not self.configured and settings.get_bool("production", config) \
                and not settings.get_bool("allow_open_dialogflow", config):
            raise DialogflowConfigError(
                "the Dialogflow webhooks have no credentials in production: set SKILL_DIALOGFLOW_USER and "
                "SKILL_DIALOGFLOW_PASSWORD and/or SKILL_DIALOGFLOW_HEADER, or SKILL_ALLOW_OPEN_DIALOGFLOW=1")
        if not self.configured:
            log.warning("Dialogflow webhooks accept requests without credentials (development only)")

    @property
    def configured(self) -> bool:
        return bool(self.basic or self.header)

    def accepts(self, headers) -> bool:
        ok = True
        if self.basic:
            ok = _basic_matches(headers.get("Authorization", ""), *self.basic) and ok
        if self.header:
            name, value = self.header
            ok = _same(headers.get(name, ""), value) and ok
        return ok


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _basic_matches(authorization: str, user: str, password: str) -> bool:
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, sep, given_password = decoded.partition(":")
    # evaluate both comparisons, so the time taken does not say which one failed
    return bool(sep) & _same(given_user, user) & _same(given_password, password)


# --- request parsing helpers ------------------------------------------------------------------

def _body() -> dict:
    body = request_json()       # UTF-8, JSON and depth were checked by the web layer
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _get(obj: dict, key: str, kind: type, where: str, required: bool = False):
    value = obj.get(key)
    if value is None:
        if required:
            raise BadRequest(f"Missing field: {where}{key}.")
        return kind()
    if not isinstance(value, kind):
        raise BadRequest(f"Field {where}{key} must be {'an object' if kind is dict else 'a ' + kind.__name__}.")
    return value


def _text(value: Any) -> str:
    """A parameter value as text: Dialogflow may send a string, a list of strings or a number."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return value.strip() if isinstance(value, str) else ""


def _restore(value: Any) -> Any:
    """Undo the protobuf Struct round trip, which turns every number into a float (3 -> 3.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def _state_from(parameters: dict) -> dict:
    """Our dialogue state out of context / session parameters, without what Dialogflow mixed in."""
    return {k: _restore(v) for k, v in parameters.items()
            if isinstance(k, str) and not k.endswith(".original") and k not in INTENT_PARAMETERS}


def _slots(intent: Intent, values: dict[str, tuple[str, str]]) -> dict:
    """The intent's parameters, as (resolved value, words said), in; dialogue slots out."""
    slots = {}
    for slot, slot_type in intent.slots:
        resolved, said = values.get(parameter_name(slot), ("", ""))
        if not (resolved or said):
            continue
        slots[slot] = {"value": said or resolved}
        if entity_type(slot_type) != "@sys.any":
            # an entity's value is our id (a topic id); the dialogue checks it, else resolves the words
            slots[slot]["id"] = resolved or None
    return slots


def _turn(intent_name: str, text: str, values: dict, state: dict, user: str | None, locale: str,
          event: str = "") -> Turn:
    if intent_name == WELCOME_INTENT or (not intent_name and event in _WELCOME_EVENTS):
        return Turn(kind="launch", text=text, user=user, locale=locale, state=state)
    intent = BY_DISPLAY_NAME.get(intent_name)
    if intent is None:
        # Dialogflow's fallback, or an intent this service does not know: answer the words themselves
        return Turn(kind="text", text=text, user=user, locale=locale, state=state)
    return Turn(kind="intent", intent=intent.name, text=text, slots=_slots(intent, values), user=user,
                locale=locale, state=state)


def _locale(code: Any) -> str:
    return code if isinstance(code, str) and re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2})?", code) else "en-GB"


# --- Dialogflow ES ----------------------------------------------------------------------------

def es_turn(body: dict) -> tuple[Turn, str]:
    """An ES WebhookRequest as a Turn; also returns the session path (for context names)."""
    session = _get(body, "session", str, "", required=True)
    if not session.strip():
        raise BadRequest("Field session must not be empty.")
    result = _get(body, "queryResult", dict, "", required=True)
    query = _get(result, "queryText", str, "queryResult.")
    intent = _get(result, "intent", dict, "queryResult.")
    parameters = _get(result, "parameters", dict, "queryResult.")
    contexts = _get(result, "outputContexts", list, "queryResult.")
    intent_name = intent.get("displayName") if isinstance(intent.get("displayName"), str) else ""

    event = query.strip() if _EVENT_TEXT.match(query.strip()) else ""
    text = "" if event else query.strip()
    state: dict = {}
    for context in contexts:
        name = context.get("name") if isinstance(context, dict) else None
        if isinstance(name, str) and name.rsplit("/contexts/", 1)[-1].lower() == STATE_CONTEXT:
            params = context.get("parameters")
            state = _state_from(params) if isinstance(params, dict) else {}
    values = {k: (_text(v), _text(v)) for k, v in parameters.items()}
    original = _get(body, "originalDetectIntentRequest", dict, "")
    payload = original.get("payload") if isinstance(original.get("payload"), dict) else {}
    user_info = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    user = user_info.get("userId") if isinstance(user_info.get("userId"), str) else session
    turn = _turn(intent_name, text, values, state, user, _locale(result.get("languageCode")), event)
    return turn, session.rstrip("/")


def es_response(reply: Reply, session: str) -> dict:
    text, ssml = reply.text, reply.ssml
    context = {"name": f"{session}/contexts/{STATE_CONTEXT}",
               "lifespanCount": 0 if reply.end_session else CONTEXT_LIFESPAN,
               "parameters": {} if reply.end_session else reply.state}
    return {
        "fulfillmentText": text,
        "fulfillmentMessages": [
            {"text": {"text": [text]}},
            # the phone gateway speaks SSML from this message; chat channels show the text above
            {"platform": "TELEPHONY", "telephonySynthesizeSpeech": {"ssml": ssml}},
        ],
        "payload": {"google": {
            "expectUserResponse": not reply.end_session,
            "richResponse": {"items": [{"simpleResponse": {
                "textToSpeech": ssml, "displayText": _clip(text, MAX_DISPLAY_TEXT)}}]},
        }},
        "outputContexts": [context],
    }


# --- Dialogflow CX ----------------------------------------------------------------------------

def cx_turn(body: dict) -> tuple[Turn, dict]:
    """A CX WebhookRequest as a Turn; also returns the incoming session parameters."""
    known = ("text", "transcript", "triggerIntent", "triggerEvent", "intentInfo", "fulfillmentInfo",
             "sessionInfo", "detectIntentResponseId")
    if not any(k in body for k in known):
        raise BadRequest("Not a Dialogflow CX webhook request.")
    session_info = _get(body, "sessionInfo", dict, "")
    parameters = _get(session_info, "parameters", dict, "sessionInfo.")
    session = _get(session_info, "session", str, "sessionInfo.")
    intent_info = _get(body, "intentInfo", dict, "")
    fulfillment = _get(body, "fulfillmentInfo", dict, "")
    text = (_get(body, "text", str, "") or _get(body, "transcript", str, "")).strip()
    event = _get(body, "triggerEvent", str, "")
    intent_name = intent_info.get("displayName") if isinstance(intent_info.get("displayName"), str) else ""
    if not intent_name:
        # no intent matched (a no-match event) or the webhook was called from a page: use its tag
        tag = fulfillment.get("tag")
        intent_name = tag if isinstance(tag, str) else ""
    values = {}
    for name, value in _get(intent_info, "parameters", dict, "intentInfo.").items():
        if isinstance(value, dict):
            values[name] = (_text(value.get("resolvedValue")), _text(value.get("originalValue")))
    payload = _get(body, "payload", dict, "")
    user = payload.get("userId") if isinstance(payload.get("userId"), str) else (session or None)
    turn = _turn(intent_name, text, values, _state_from(parameters), user,
                 _locale(body.get("languageCode")), event)
    return turn, parameters


def cx_response(reply: Reply, body: dict, before: dict) -> dict:
    new = {} if reply.end_session else reply.state
    # session parameters merge: a key we no longer keep must be set to null to be removed
    params = {k: None for k in sorted(_state_from(before)) if k not in new}
    params.update(new)
    response: dict = {
        "fulfillmentResponse": {
            "messages": [{"text": {"text": [reply.text]}}, {"outputAudioText": {"ssml": reply.ssml}}],
            "mergeBehavior": "REPLACE",
        },
        "sessionInfo": {"parameters": params},
    }
    page_info = body.get("pageInfo")
    page = page_info.get("currentPage") if isinstance(page_info, dict) else None
    if reply.end_session and isinstance(page, str) and "/pages/" in page:
        response["targetPage"] = page.rsplit("/pages/", 1)[0] + "/pages/END_SESSION"
    return response


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3].rsplit(" ", 1)[0] + "..."


# --- routes -----------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    from .web import core

    credentials = Credentials(core(app).config)
    app.extensions["dialogflow_credentials"] = credentials   # the web layer checks them before parsing

    def guarded(handler: Callable[[dict], dict]) -> Callable[[], Response]:
        def view():
            if credentials.configured and not credentials.accepts(request.headers):
                response = jsonify(error="Unauthorized", message="Valid Dialogflow credentials are required.")
                response.status_code = 401
                if credentials.basic:
                    response.headers["WWW-Authenticate"] = 'Basic realm="dialogflow"'
                return response
            return jsonify(handler(_body()))
        view.__name__ = f"dialogflow_{handler.__name__}"
        return view

    def answer(turn: Turn) -> Reply:
        try:
            return core(app).dialogue.handle(turn)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            if not turn.state:
                raise
            # the state came back from Dialogflow unusable (hand-edited, or from an older version):
            # answer afresh rather than fail the conversation
            log.warning("dropping an unusable Dialogflow session state", exc_info=True)
            turn.state = {}
            return core(app).dialogue.handle(turn)

    def es(body: dict) -> dict:
        turn, session = es_turn(body)
        return es_response(answer(turn), session)

    def cx(body: dict) -> dict:
        turn, before = cx_turn(body)
        return cx_response(answer(turn), body, before)

    app.add_url_rule("/dialogflow/es", view_func=guarded(es), methods=["POST"])
    app.add_url_rule("/dialogflow/cx", view_func=guarded(cx), methods=["POST"])
