"""The Alexa adapter: request envelopes in, ask-sdk responses out; POST /alexa and an AWS Lambda handler.

The only code that knows Alexa's JSON. Handlers turn each request into a platform-neutral Turn, let the
dialogue policy answer, and render its Reply with ask-sdk models. Intents are mapped by their `alexa`
name in skill.intents, so new intents there need nothing here. The whole dialogue state (with `topic`
and `facet`) travels in sessionAttributes.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope, Response
from ask_sdk_model.canfulfill import (CanFulfillIntent, CanFulfillIntentValues, CanFulfillSlot,
                                      CanFulfillSlotValues, CanUnderstandSlotValues)
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from . import settings
from .alexa_codec import ModelCodec
from .dialogue import SKILL_NAME, Dialogue, Reply, Turn
from .intents import BY_ALEXA_NAME, QUESTION_SLOT, TOPIC_SLOT
from .verify import AlexaVerifier, VerificationError, check_application, load_roots, parse_envelope

log = logging.getLogger("skill.alexa")

MAX_CARD_CHARS = 8000          # Alexa: card title + content
FALLBACK = BY_ALEXA_NAME["AMAZON.FallbackIntent"]


# --- request -> Turn -----------------------------------------------------------------------------

def alexa_slots(intent) -> dict[str, dict]:
    """Slots as {name: {"id": entity-resolution id or None, "value": what was heard}}.

    An ER_SUCCESS_MATCH id is the content's own id (the model makes topic ids the value ids), so
    the dialogue can use it without asking the resolver.
    """
    out: dict[str, dict] = {}
    for name, slot in (getattr(intent, "slots", None) or {}).items():
        value = slot.value
        found = None
        resolutions = slot.resolutions.resolutions_per_authority if slot.resolutions else None
        for authority in resolutions or ():
            if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                found = authority.values[0].value.id
                break
        if value or found:
            out[name] = {"id": found, "value": value}
    return out


def _turn(handler_input: HandlerInput, kind: str, intent: str | None = None, slots: dict | None = None) -> Turn:
    envelope = handler_input.request_envelope
    user = envelope.context.system.user.user_id if envelope.context and envelope.context.system \
        and envelope.context.system.user else None
    state = dict(handler_input.attributes_manager.session_attributes or {}) if envelope.session else {}
    return Turn(kind=kind, intent=intent, slots=slots or {}, user=user,
                locale=envelope.request.locale or "en-GB", state=state)


# --- Reply -> Response ---------------------------------------------------------------------------

def render(handler_input: HandlerInput, reply: Reply) -> Response:
    builder = handler_input.response_builder
    builder.speak(reply.ssml)
    if reply.end_session:
        builder.set_should_end_session(True)
    else:
        reprompt = reply.reprompt.ssml() if reply.reprompt else reply.ssml
        builder.ask(reprompt)
    title = (reply.card_title or SKILL_NAME)[:200]
    builder.set_card(SimpleCard(title=title, content=(reply.card_text or reply.text)[:MAX_CARD_CHARS - len(title)]))
    if handler_input.request_envelope.session:
        handler_input.attributes_manager.session_attributes = {} if reply.end_session else dict(reply.state)
    return builder.response


# --- handlers ------------------------------------------------------------------------------------

def _type_is(handler_input: HandlerInput, *types: str) -> bool:
    return handler_input.request_envelope.request.object_type in types


class _DialogueHandler(AbstractRequestHandler):
    """A request handler that answers through the dialogue policy."""

    def __init__(self, dialogue: Dialogue):
        self.dialogue = dialogue


class LaunchHandler(_DialogueHandler):
    def can_handle(self, handler_input):
        return _type_is(handler_input, "LaunchRequest", "SessionResumedRequest")

    def handle(self, handler_input):
        return render(handler_input, self.dialogue.handle(_turn(handler_input, "launch")))


class IntentHandler(_DialogueHandler):
    """Every IntentRequest: the catalogue says which of our intents an Alexa intent name is."""

    def can_handle(self, handler_input):
        return _type_is(handler_input, "IntentRequest")

    def handle(self, handler_input):
        alexa_intent = handler_input.request_envelope.request.intent
        intent = BY_ALEXA_NAME.get(alexa_intent.name) or FALLBACK
        if intent is FALLBACK and alexa_intent.name != FALLBACK.alexa:
            log.warning("intent %s is not in skill.intents; answering as fallback", alexa_intent.name)
        turn = _turn(handler_input, "intent", intent.name, alexa_slots(alexa_intent))
        return render(handler_input, self.dialogue.handle(turn))


class SessionEndedHandler(_DialogueHandler):
    """Alexa closed the session (user said exit, no answer after the reprompt, or an error)."""

    def can_handle(self, handler_input):
        return _type_is(handler_input, "SessionEndedRequest")

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        if request.error:
            log.warning("session ended with error %s: %s", request.error.object_type, request.error.message)
        self.dialogue.handle(_turn(handler_input, "session_end"))
        return handler_input.response_builder.response   # no speech is allowed here


class CanFulfillHandler(_DialogueHandler):
    """Name-free interaction: say YES only when the content can answer this question."""

    def can_handle(self, handler_input):
        return _type_is(handler_input, "CanFulfillIntentRequest")

    def handle(self, handler_input):
        alexa_intent = handler_input.request_envelope.request.intent
        intent = BY_ALEXA_NAME.get(alexa_intent.name)
        slots = alexa_slots(alexa_intent)
        understood = {name: self._understood(name, slot) for name, slot in slots.items()}
        if intent is None:
            able = False
        elif intent.facet:
            able = understood.get(TOPIC_SLOT, False)
        elif intent.name == "question":
            able = understood.get(QUESTION_SLOT, False)
        else:
            able = False    # commands, quizzes: only inside a session
        yes, no = CanFulfillIntentValues.YES, CanFulfillIntentValues.NO
        verdicts = {name: CanFulfillSlot(
            can_understand=CanUnderstandSlotValues.YES if ok else CanUnderstandSlotValues.NO,
            can_fulfill=CanFulfillSlotValues.YES if ok and able else CanFulfillSlotValues.NO)
            for name, ok in understood.items()}
        handler_input.response_builder.set_can_fulfill_intent(
            CanFulfillIntent(can_fulfill=yes if able else no, slots=verdicts or None))
        return handler_input.response_builder.response

    def _understood(self, name: str, slot: dict) -> bool:
        if name == TOPIC_SLOT and slot.get("id") in self.dialogue.store.topics:
            return True
        return bool(slot.get("value")) and self.dialogue.resolver.resolve(str(slot["value"])[:500]).answered


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """Alexa reports that our previous response was bad; it wants no speech back."""

    def can_handle(self, handler_input):
        return _type_is(handler_input, "System.ExceptionEncountered")

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        error = request.error
        log.error("Alexa reported an error with our response: %s %s (request %s)",
                  getattr(error, "object_type", None), getattr(error, "message", None),
                  getattr(request.cause, "request_id", None))
        return handler_input.response_builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Request types this skill does not use (skill events, player events): an empty answer."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        log.info("ignoring request type %s", handler_input.request_envelope.request.object_type)
        return handler_input.response_builder.response


class ErrorHandler(AbstractExceptionHandler):
    """A bug answers with an apology and keeps the session, never with an HTTP 500."""

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.exception("error while handling an Alexa request", exc_info=exception)
        if _type_is(handler_input, "SessionEndedRequest", "System.ExceptionEncountered"):
            return handler_input.response_builder.response
        sorry = "Sorry, something went wrong there. Please ask me again."
        handler_input.response_builder.speak(sorry).ask(sorry)
        return handler_input.response_builder.response


# --- the skill -----------------------------------------------------------------------------------

class AlexaSkill:
    """The ask-sdk skill around a dialogue policy, free of any web framework."""

    def __init__(self, dialogue: Dialogue):
        builder = SkillBuilder()
        for handler in (LaunchHandler(dialogue), IntentHandler(dialogue), SessionEndedHandler(dialogue),
                        CanFulfillHandler(dialogue), ExceptionEncounteredHandler(), OtherRequestHandler()):
            builder.add_request_handler(handler)
        builder.add_exception_handler(ErrorHandler())
        self.skill = builder.create()
        self.codec = ModelCodec()

    def handle_envelope(self, envelope: Any) -> dict[str, Any]:
        """A request envelope (parsed JSON) in, the response envelope (JSON-ready dict) out."""
        if not isinstance(envelope, dict):
            raise VerificationError("body is not an Alexa request")
        try:
            request = self.codec.read(envelope, RequestEnvelope)
        except SerializationException:
            raise VerificationError("body is not an Alexa request") from None
        if request is None or request.request is None:
            raise VerificationError("body is not an Alexa request")
        if request.request.object_type in ("IntentRequest", "CanFulfillIntentRequest") and not (
                request.request.intent and isinstance(request.request.intent.name, str)):
            raise VerificationError("intent request without an intent name")
        response = self.skill.invoke(request_envelope=request, context=None)
        return self.codec.write(response)


# --- HTTP ----------------------------------------------------------------------------------------

def init_app(app) -> None:
    from .web import AlexaWsgi, core

    config = core(app).config
    skill = AlexaSkill(core(app).dialogue)
    skill_id = config["alexa_skill_id"]
    verifier = None
    if settings.get_bool("alexa_verify", config):
        verifier = AlexaVerifier(skill_id, roots=load_roots(config["alexa_extra_roots"] or None))
    else:
        log.warning("*** ALEXA REQUEST VERIFICATION IS OFF (SKILL_ALEXA_VERIFY=0): "
                    "anyone can call /alexa. Local testing only. ***")
    if settings.get_bool("production", config) and (verifier is None or not skill_id):
        raise RuntimeError("SKILL_PRODUCTION=1 needs SKILL_ALEXA_VERIFY=1 and SKILL_ALEXA_SKILL_ID set")
    endpoint = app.extensions["alexa"] = AlexaEndpoint(skill, verifier, skill_id)
    app.wsgi_app = AlexaWsgi(app.wsgi_app, endpoint, app.config["MAX_CONTENT_LENGTH"])


class AlexaEndpoint:
    """Verification (when on) then dispatch; `verifier` is None when verification is off."""

    def __init__(self, skill: AlexaSkill, verifier: AlexaVerifier | None, skill_id: str):
        self.skill = skill
        self.verifier = verifier
        self.skill_id = skill_id

    def handle(self, headers, body: bytes, envelope: Any = None) -> dict[str, Any]:
        """`envelope` is `body` already parsed (by the web layer), so it is not parsed twice."""
        if self.verifier is not None:
            envelope = self.verifier.verify(headers, body, envelope)
        else:
            envelope = parse_envelope(body, envelope)
            check_application(envelope, self.skill_id)
        return self.skill.handle_envelope(envelope)


# --- AWS Lambda ----------------------------------------------------------------------------------

_lambda_skill: AlexaSkill | None = None
_lambda_lock = threading.Lock()


def lambda_handler(event: dict, context: Any = None) -> dict[str, Any]:
    """AWS Lambda entry point (`skill.lambda_handler`). Lambda requests come from Alexa's own trigger,
    so no signature check; the application id is still checked when SKILL_ALEXA_SKILL_ID is set.
    Progress goes to SKILL_DATABASE_URL: on Lambda, a PostgreSQL URL (the local disk does not last)."""
    global _lambda_skill
    with _lambda_lock:
        if _lambda_skill is None:
            from .content import load_store
            from .progress import open_repository
            progress = open_repository(settings.get("database_url"))
            _lambda_skill = AlexaSkill(Dialogue(load_store(settings.get("content_dir")), progress=progress))
    check_application(event, settings.get("alexa_skill_id"))
    return _lambda_skill.handle_envelope(event)
