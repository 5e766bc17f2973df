"""The Dialogflow agents: an ES export (interaction_model/dialogflow-es/) and a CX JSON package
(interaction_model/dialogflow-cx/), generated from the intent catalogue (skill.intents) and the content.

Both agents send every matched intent, and anything unmatched, to this service's webhook, which does
the real work; the agents only add speech-to-intent matching and a topic entity. Output is
deterministic: ids are uuid5 of the names, lists are sorted or in catalogue order.

Names shared with the webhook adapter (skill.dialogflow) live here too, so the two cannot drift.
"""
from __future__ import annotations

import json
import re
import uuid

from ..content import ContentStore
from ..intents import ALL_INTENTS, TOPIC_SLOT, TOPIC_TYPE, Intent

AGENT_NAME = "History Revision"
LANGUAGE = "en"
TIME_ZONE = "Europe/London"
WEBHOOK_NAME = "history-revision"           # the CX webhook's display name
ES_WEBHOOK_URL = "https://YOUR-HOST/dialogflow/es"
CX_WEBHOOK_URL = "https://YOUR-HOST/dialogflow/cx"

WELCOME_INTENT = "Default Welcome Intent"    # Dialogflow's own names, on both ES and CX
FALLBACK_INTENT = "Default Fallback Intent"
TOPIC_ENTITY = "topic"
ENTITY_TYPES = {TOPIC_TYPE: "@" + TOPIC_ENTITY}     # any other slot type is free text: @sys.any
# Example words for free-text slots in training phrases; a topic slot gets topic titles instead.
SLOT_EXAMPLES = {"question": ("why was the great leap forward introduced", "who led the red guards"),
                 "answer": ("mao zedong", "1958", "the hundred flowers campaign")}


def parameter_name(slot: str) -> str:
    """The Dialogflow parameter for a catalogue slot ("topic" -> "topic_said").

    Dialogflow copies a matched intent's parameters into every active context (ES) and into the
    session parameters (CX), where the dialogue state keeps "topic": a parameter with the same name,
    empty because the student said "what were its effects", would wipe the topic being discussed.
    """
    return f"{slot}_said"


def entity_type(slot_type: str) -> str:
    return ENTITY_TYPES.get(slot_type, "@sys.any")


INTENT_PARAMETERS = frozenset(parameter_name(slot) for i in ALL_INTENTS for slot, _ in i.slots)
# Catalogue intents Dialogflow covers with its own built-in intents or has no use for.
_NOT_EXPORTED = {"fallback", "home"}
END_INTENTS = {"stop", "cancel"}

_NAMESPACE = uuid.UUID("6f1c9b52-4a44-4c59-8f2a-2f0d8e7c1a10")


def display_name(intent: Intent) -> str:
    """The Dialogflow intent name for a catalogue intent: its Alexa name without "AMAZON."."""
    return intent.alexa.removeprefix("AMAZON.")


def exported_intents() -> list[Intent]:
    return [i for i in ALL_INTENTS if i.name not in _NOT_EXPORTED and phrases(i)]


BY_DISPLAY_NAME = {display_name(i): i for i in ALL_INTENTS if i.name not in _NOT_EXPORTED}


def phrases(intent: Intent) -> list[str]:
    """Training phrases: the catalogue's samples, then the phrasings its text cues spell out."""
    out: list[str] = []
    for phrase in list(intent.samples) + [p for cue in intent.text_cues for p in expand_cue(cue)]:
        if phrase not in out:
            out.append(phrase)
    return out


def expand_cue(pattern: str) -> list[str]:
    """Every phrase a plain alternation regex matches: '^(help|what can (i|you) do)$' -> 4 phrases.

    Only literal words, spaces and apostrophes inside nested (a|b) groups are understood; any other
    regex syntax gives no phrases rather than wrong ones.
    """
    body = pattern.removeprefix("^").removesuffix("$")
    if re.search(r"[\\.?*+\[\]{}^$]", body):
        return []
    try:
        phrases, rest = _alternatives(body, 0)
    except ValueError:
        return []
    if rest != len(body):
        return []
    return [" ".join(p.split()) for p in phrases if p.strip()]


def _alternatives(s: str, i: int) -> tuple[list[str], int]:
    """Parse 'a|b|c' up to an unmatched ')' or the end; return (phrases, index)."""
    options: list[str] = []
    current = [""]
    while i < len(s) and s[i] != ")":
        c = s[i]
        if c == "(":
            inner, i = _alternatives(s, i + 1)
            if i >= len(s) or s[i] != ")":
                raise ValueError("unbalanced group")
            current = [a + b for a in current for b in inner]
            i += 1
        elif c == "|":
            options += current
            current = [""]
            i += 1
        else:
            current = [a + c for a in current]
            i += 1
    return options + current, i


def topic_entries(store: ContentStore) -> list[dict]:
    """One entry per topic: the topic id as the value, its title and aliases as synonyms."""
    entries = []
    for topic in sorted(store.topics.values(), key=lambda t: t.id):
        synonyms: list[str] = []
        for name in (topic.spoken_title, *topic.aliases):
            if name.lower() not in (s.lower() for s in synonyms):
                synonyms.append(name)
        entries.append({"value": topic.id, "synonyms": synonyms})
    return entries


def _uuid(*names: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(names)))


def _dump(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_SLOT = re.compile(r"\{(\w+)\}")


def _split(phrase: str) -> list[tuple[str, str | None]]:
    """'why was {topic} introduced' -> [('why was ', None), ('topic', 'topic'), (' introduced', None)]."""
    parts, last = [], 0
    for m in _SLOT.finditer(phrase):
        if m.start() > last:
            parts.append((phrase[last:m.start()], None))
        parts.append((m[1], m[1]))
        last = m.end()
    if last < len(phrase):
        parts.append((phrase[last:], None))
    return parts


def _example(slot: str, index: int, examples: dict[str, list[str]]) -> str:
    """A sample value for a slot in a training phrase, varied so no one topic dominates training."""
    choices = examples.get(slot) or SLOT_EXAMPLES.get(slot) or ("mao zedong",)
    return choices[index % len(choices)]


def _examples(store: ContentStore) -> dict[str, list[str]]:
    boards = sorted({b.name for u in store.units for b in u.boards.values()})
    return {TOPIC_SLOT: [t.spoken_title.lower() for t in sorted(store.topics.values(), key=lambda t: t.id)],
            "board": [b.lower() for b in boards]}


def _slot_types(intent: Intent) -> dict[str, str]:
    return dict(intent.slots)


# --- Dialogflow ES export ---------------------------------------------------------------------

def _es_agent() -> dict:
    return {
        "description": "GCSE/iGCSE history revision: answers questions from a curated content store.",
        "language": LANGUAGE,
        "shortDescription": "",
        "examples": "",
        "linkToDocs": "",
        "disableInteractionLogs": False,
        "disableStackdriverLogs": True,
        "defaultTimezone": TIME_ZONE,
        "webhook": {
            "url": ES_WEBHOOK_URL,
            "username": "",
            "headers": {},
            "available": True,
            "useForDomains": False,
            "cloudFunctionsEnabled": False,
            "cloudFunctionsInitialized": False,
        },
        "isPrivate": True,
        "customClassifierMode": "use.after",
        "mlMinConfidence": 0.3,
        "supportedLanguages": [],
        "onePlatformApiVersion": "v2",
        "analyzeQueryTextSentiment": False,
        "enabledKnowledgeBaseNames": [],
        "knowledgeServiceConfidenceAdjustment": -0.4,
        "dialogBuilderMode": False,
        "baseActionPackagesUrl": "",
    }


def _es_intent(name: str, parameters: list[dict], *, action: str = "", events: tuple[str, ...] = (),
               fallback: bool = False, end: bool = False) -> dict:
    return {
        "id": _uuid("es-intent", name),
        "name": name,
        "auto": True,
        "contexts": [],
        "responses": [{
            "resetContexts": False,
            "action": action,
            "affectedContexts": [],
            "parameters": parameters,
            "messages": [{"type": "0", "title": "", "textToSpeech": "", "lang": LANGUAGE,
                          "speech": ["Sorry, the revision service is not answering. Please try again later."],
                          "condition": ""}],
            "speech": [],
        }],
        "priority": 500000,
        "webhookUsed": True,
        "webhookForSlotFilling": False,
        "fallbackIntent": fallback,
        "events": [{"name": e} for e in events],
        "conditionalResponses": [],
        "condition": "",
        "conditionalFollowupEvents": [],
        "endInteraction": end,
    }


def _es_parameter(intent_name: str, slot: str, slot_type: str) -> dict:
    name = parameter_name(slot)
    return {
        "id": _uuid("es-parameter", intent_name, name),
        "name": name,
        "required": False,
        "dataType": entity_type(slot_type),
        "value": "$" + name,
        "defaultValue": "",
        "isList": False,
        "prompts": [],
        "promptMessages": [],
        "noMatchPromptMessages": [],
        "noInputPromptMessages": [],
        "outputDialogContexts": [],
    }


def _es_usersays(intent: Intent, examples: dict[str, list[str]]) -> list[dict]:
    types = _slot_types(intent)
    says = []
    for n, phrase in enumerate(phrases(intent)):
        data = []
        for text, slot in _split(phrase):
            if slot is None:
                data.append({"text": text, "userDefined": False})
            else:
                data.append({"text": _example(slot, n, examples), "alias": parameter_name(slot),
                             "meta": entity_type(types.get(slot, "")), "userDefined": True})
        says.append({"id": _uuid("es-phrase", display_name(intent), phrase), "data": data,
                     "isTemplate": False, "count": 0, "lang": LANGUAGE, "updated": 0})
    return says


def generate_es(store: ContentStore) -> dict[str, str]:
    root = "dialogflow-es/"
    examples = _examples(store)
    files = {
        root + "agent.json": _dump(_es_agent()),
        root + "package.json": _dump({"version": "1.0.0"}),
        root + f"intents/{WELCOME_INTENT}.json": _dump(_es_intent(
            WELCOME_INTENT, [], action="input.welcome", events=("WELCOME", "GOOGLE_ASSISTANT_WELCOME"))),
        root + f"intents/{FALLBACK_INTENT}.json": _dump(_es_intent(
            FALLBACK_INTENT, [], action="input.unknown", fallback=True)),
        root + f"entities/{TOPIC_ENTITY}.json": _dump({
            "id": _uuid("es-entity", TOPIC_ENTITY), "name": TOPIC_ENTITY, "isOverridable": True,
            "isEnum": False, "isRegexp": False, "automatedExpansion": False, "allowFuzzyExtraction": True}),
        root + f"entities/{TOPIC_ENTITY}_entries_{LANGUAGE}.json": _dump(topic_entries(store)),
    }
    for intent in exported_intents():
        name = display_name(intent)
        params = [_es_parameter(name, slot, slot_type) for slot, slot_type in intent.slots]
        files[root + f"intents/{name}.json"] = _dump(_es_intent(
            name, params, action=intent.name, end=intent.name in END_INTENTS))
        files[root + f"intents/{name}_usersays_{LANGUAGE}.json"] = _dump(_es_usersays(intent, examples))
    return files


# --- Dialogflow CX JSON package ---------------------------------------------------------------

def _cx_intent(name: str, intent: Intent | None, count: int) -> dict:
    data: dict = {"name": _uuid("cx-intent", name), "displayName": name}
    if intent and intent.slots:
        data["parameters"] = [{"id": parameter_name(slot), "entityType": entity_type(slot_type)}
                              for slot, slot_type in intent.slots]
    data["priority"] = 500000
    data["numTrainingPhrases"] = count
    return data


def _cx_phrases(intent: Intent, examples: dict[str, list[str]]) -> dict:
    out = []
    for n, phrase in enumerate(phrases(intent)):
        parts = []
        for text, slot in _split(phrase):
            if slot is None:
                parts.append({"text": text})
            else:
                parts.append({"text": _example(slot, n, examples), "parameterId": parameter_name(slot)})
        out.append({"parts": parts, "repeatCount": 1, "languageCode": LANGUAGE})
    return {"trainingPhrases": out}


def _webhook_fulfillment(tag: str) -> dict:
    return {"webhook": WEBHOOK_NAME, "tag": tag}


def generate_cx(store: ContentStore) -> dict[str, str]:
    root = "dialogflow-cx/"
    examples = _examples(store)
    flow = "Default Start Flow"
    welcome_phrases = ["hi", "hello", "start", "start revising", "open history revision"]
    files = {
        root + "agent.json": _dump({
            "displayName": AGENT_NAME, "defaultLanguageCode": LANGUAGE, "supportedLanguageCodes": [],
            "timeZone": TIME_ZONE,
            "description": "GCSE/iGCSE history revision: answers questions from a curated content store.",
            "startFlow": flow, "enableStackdriverLogging": False}),
        root + f"webhooks/{WEBHOOK_NAME}.json": _dump({
            "name": _uuid("cx-webhook", WEBHOOK_NAME), "displayName": WEBHOOK_NAME,
            "genericWebService": {"uri": CX_WEBHOOK_URL, "requestHeaders": {}},
            "timeout": {"seconds": 5}}),
        root + f"entityTypes/{TOPIC_ENTITY}/{TOPIC_ENTITY}.json": _dump({
            "name": _uuid("cx-entity", TOPIC_ENTITY), "displayName": TOPIC_ENTITY, "kind": "KIND_MAP",
            "enableFuzzyExtraction": True}),
        root + f"entityTypes/{TOPIC_ENTITY}/entities/{LANGUAGE}.json": _dump({"entities": [
            {**e, "languageCode": LANGUAGE} for e in topic_entries(store)]}),
        root + f"intents/{WELCOME_INTENT}/{WELCOME_INTENT}.json": _dump({
            "name": "00000000-0000-0000-0000-000000000000", "displayName": WELCOME_INTENT,
            "priority": 500000, "numTrainingPhrases": len(welcome_phrases)}),
        root + f"intents/{WELCOME_INTENT}/trainingPhrases/{LANGUAGE}.json": _dump({"trainingPhrases": [
            {"parts": [{"text": p}], "repeatCount": 1, "languageCode": LANGUAGE} for p in welcome_phrases]}),
    }
    routes = [{"intent": WELCOME_INTENT, "triggerFulfillment": _webhook_fulfillment(WELCOME_INTENT),
               "name": _uuid("cx-route", WELCOME_INTENT)}]
    for intent in exported_intents():
        name = display_name(intent)
        found = phrases(intent)
        files[root + f"intents/{name}/{name}.json"] = _dump(_cx_intent(name, intent, len(found)))
        files[root + f"intents/{name}/trainingPhrases/{LANGUAGE}.json"] = _dump(_cx_phrases(intent, examples))
        route = {"intent": name, "triggerFulfillment": _webhook_fulfillment(name), "name": _uuid("cx-route", name)}
        if intent.name in END_INTENTS:
            route["targetPage"] = "End Session"
        routes.append(route)
    files[root + f"flows/{flow}/{flow}.json"] = _dump({
        "name": "00000000-0000-0000-0000-000000000000",
        "displayName": flow,
        "description": "Every intent, and anything unmatched, is answered by the revision webhook.",
        "transitionRoutes": routes,
        "eventHandlers": [
            # unmatched speech still reaches the webhook: the resolver often answers what NLU missed
            {"event": "sys.no-match-default", "triggerFulfillment": _webhook_fulfillment(FALLBACK_INTENT),
             "name": _uuid("cx-event", "sys.no-match-default")},
            {"event": "sys.no-input-default", "triggerFulfillment": {"messages": [
                {"text": {"text": ["Are you still there? Ask me a history question, or say stop."]},
                 "languageCode": LANGUAGE}]},
             "name": _uuid("cx-event", "sys.no-input-default")},
        ],
        "nluSettings": {"modelType": "MODEL_TYPE_STANDARD", "classificationThreshold": 0.3},
    })
    return files


def generate(store: ContentStore) -> dict[str, str]:
    files = generate_es(store)
    files.update(generate_cx(store))
    return files
