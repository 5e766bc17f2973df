"""The Alexa interaction models, one per English locale, from the content and the intent catalogue.

Every custom intent, slot and sample comes from skill.intents; the topic slot type lists the topic ids
as value ids (so entity resolution hands the adapter a topic id) with the aliases as synonyms. Output
is deterministic: the same content gives byte-identical files, so `build-model --check` can compare.
"""
from __future__ import annotations

import json
import re

from ..content import ContentStore
from ..dialogue import SKILL_NAME
from ..intents import ALL_INTENTS, TOPIC_TYPE, Intent

LOCALES = ("en-GB", "en-US", "en-AU", "en-CA", "en-IN")
INVOCATION_NAME = SKILL_NAME.lower()

# Alexa slot values are spoken words: letters, spaces, apostrophes, hyphens and abbreviation dots.
# Aliases with digits ("the 1950 marriage law") have spelled-out twins in the content.
_SPEAKABLE = re.compile(r"^[a-z][a-z' .-]*$")


def generate(store: ContentStore) -> dict[str, str]:
    text = _dump(language_model(store))
    return {f"alexa/{locale}.json": text for locale in LOCALES}


def language_model(store: ContentStore) -> dict:
    types = {TOPIC_TYPE: topic_values(store)}
    intents = [_intent(i) for i in ALL_INTENTS]
    custom = sorted({t for i in ALL_INTENTS for _, t in i.slots if not t.startswith("AMAZON.")})
    missing = [t for t in custom if t not in types]
    if missing:
        raise ValueError(f"no values for slot type(s) {', '.join(missing)}: add them in skill/models/alexa.py")
    return {"interactionModel": {"languageModel": {
        "invocationName": INVOCATION_NAME,
        "intents": intents,
        "types": [{"name": name, "values": types[name]} for name in custom],
    }}}


def topic_values(store: ContentStore) -> list[dict]:
    """One value per topic: id = topic id, name = its spoken title, synonyms = its aliases.

    A spoken form claimed by an earlier topic (in id order) is left out of later ones: Alexa rejects
    a slot type where two values share a synonym, and the resolver still judges such names.
    """
    taken: set[str] = set()
    values = []
    for topic in sorted(store.topics.values(), key=lambda t: t.id):
        forms = [f for f in (_speakable(x) for x in (topic.spoken_title, *topic.aliases)) if f]
        forms = [f for f in dict.fromkeys(forms) if f not in taken]
        if not forms:
            continue
        taken.update(forms)
        name = {"value": forms[0]}
        if forms[1:]:
            name["synonyms"] = forms[1:]
        values.append({"id": topic.id, "name": name})
    return values


def _intent(intent: Intent) -> dict:
    out: dict = {"name": intent.alexa}
    if intent.slots:
        out["slots"] = [{"name": name, "type": type_} for name, type_ in intent.slots]
    out["samples"] = list(dict.fromkeys(intent.samples))
    return out


def _speakable(text: str) -> str | None:
    text = " ".join(text.lower().replace("\u2019", "'").split())
    return text if _SPEAKABLE.match(text) else None


def _dump(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"
