"""Dialogue policy: a platform-neutral Turn in, a Reply and the new session state out.

No I/O here except through the seams it is given (content store, resolver, progress repository,
clock, random source). Adapters (Alexa, Dialogflow, CLI, web) build Turns and render Replies.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .content import FACETS, ContentStore
from .intents import BY_ALEXA_NAME, BY_NAME, Intent, command_in_text
from .resolver import Resolution, Resolver
from .speech import POINTS_PER_TURN, Lexicon, Speech
from .text import normalize

MAX_QUESTION_CHARS = 500
SKILL_NAME = "History Revision"

FACET_PHRASES = {
    "what": "what it was", "who": "who was involved", "when": "when it happened",
    "why": "why it happened", "features": "its key features", "effects": "its effects",
}


@dataclass
class Turn:
    """One thing the user did, whatever the platform."""
    kind: str = "text"                 # launch | intent | text | session_end
    intent: str | None = None          # our intent name (skill.intents) for kind == "intent"
    text: str = ""                     # what the user said, when the platform gives it
    slots: dict[str, Any] = field(default_factory=dict)   # e.g. {"topic": {"id": ..., "value": ...}}
    user: str | None = None
    locale: str = "en-GB"
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    speech: Speech
    reprompt: Speech | None = None
    card_title: str | None = None
    card_text: str | None = None
    end_session: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    topic: str | None = None
    facet: str | None = None
    confidence: float = 0.0
    mode: str = "answer"
    rate: str | None = None            # prosody rate for "say it slower"

    @property
    def ssml(self) -> str:
        return self.speech.ssml(self.rate)

    @property
    def text(self) -> str:
        return self.speech.text()


class Dialogue:
    def __init__(self, store: ContentStore, resolver: Resolver | None = None, rng: random.Random | None = None):
        self.store = store
        self.resolver = resolver or Resolver(store)
        self.lexicon = Lexicon(store.abbreviations, store.pronunciations)
        self.rng = rng or random.Random()

    # --- entry point ------------------------------------------------------------------------

    def handle(self, turn: Turn) -> Reply:
        state = dict(turn.state or {})
        if turn.kind == "launch":
            return self._remember(self.welcome(state), state)
        if turn.kind == "session_end":
            return Reply(Speech(self.lexicon), end_session=True, state={}, mode="end")
        intent = BY_NAME.get(turn.intent) if turn.kind == "intent" else None
        text = (turn.text or "")[:MAX_QUESTION_CHARS]
        if intent is None and text:
            intent = command_in_text(normalize(text))
        if intent and intent.command:
            reply = self.command(intent, state)
        elif intent and intent.facet:
            reply = self.facet_question(intent, turn, state)
        else:
            question = text or _slot_value(turn.slots, "question")
            reply = self.question(question, state)
        return self._remember(reply, state)

    def _remember(self, reply: Reply, state: dict) -> Reply:
        """Keep what was said, so "repeat" can say it again."""
        new_state = dict(state)
        new_state.update(reply.state)
        if reply.speech and reply.mode not in ("repeat", "end"):
            new_state["last"] = {"ssml": reply.speech.ssml_parts, "text": reply.speech.text_parts}
        reply.state = {k: v for k, v in new_state.items() if v is not None}
        if reply.reprompt is None and not reply.end_session:
            reply.reprompt = Speech(self.lexicon).say("What would you like to revise next?")
        return reply

    # --- conversation -----------------------------------------------------------------------

    def welcome(self, state: dict) -> Reply:
        example = self._example_question()
        speech = Speech(self.lexicon).say(
            f"Welcome to {SKILL_NAME}. I can help you revise {self._unit_title()}.").say(
            f"Ask me a question, such as: {example}")
        reprompt = Speech(self.lexicon).say(f"You could ask: {example}")
        return Reply(speech, reprompt, card_title=SKILL_NAME, card_text=speech.text(), mode="launch",
                     state={"pending": None})

    def command(self, intent: Intent, state: dict) -> Reply:
        handler = getattr(self, f"cmd_{intent.command}")
        return handler(state)

    def cmd_help(self, state: dict) -> Reply:
        speech = Speech(self.lexicon)
        if state.get("topic") in self.store.topics:
            title = self.store.topics[state["topic"]].spoken_title
            speech.say(f"We were talking about {title}. You can ask about its causes, key features, "
                       "effects, dates or the people involved, for example: what were its effects?")
        else:
            speech.say(f"You can ask me about {self._unit_title()}, for example: {self._example_question()}")
        speech.say("Say repeat to hear something again, or stop to finish.")
        return Reply(speech, Speech(self.lexicon).say("What would you like to know?"), mode="help")

    def cmd_stop(self, state: dict) -> Reply:
        speech = Speech(self.lexicon).say("Goodbye, and good luck with your revision.")
        return Reply(speech, None, end_session=True, mode="end", state={"pending": None})

    def cmd_fallback(self, state: dict) -> Reply:
        return self.not_understood(state)

    def cmd_repeat(self, state: dict, rate: str | None = None) -> Reply:
        last = state.get("last")
        speech = Speech(self.lexicon)
        if last and last.get("ssml"):
            speech.ssml_parts = list(last["ssml"])
            speech.text_parts = list(last["text"])
        else:
            speech.say("I haven't said anything yet. Ask me a question about "
                       f"{self._unit_title()}.")
        return Reply(speech, mode="repeat", rate=rate, topic=state.get("topic"), facet=state.get("facet"))

    def cmd_slower(self, state: dict) -> Reply:
        return self.cmd_repeat(state, rate="slow")

    def cmd_yes(self, state: dict) -> Reply:
        if state.get("pending") == "more":
            return self.cmd_more(state)
        return self.cmd_help(state)

    def cmd_no(self, state: dict) -> Reply:
        speech = Speech(self.lexicon).say("OK. What else would you like to revise?")
        return Reply(speech, mode="answer", state={"pending": None})

    def cmd_more(self, state: dict) -> Reply:
        topic, facet = state.get("topic"), state.get("facet")
        if topic not in self.store.topics or facet not in FACETS:
            return self.cmd_help(state)
        answer = self.store.answer(topic, facet)
        start = int(state.get("next") or 0)
        if start >= len(answer.points):
            # the facet is finished: offer the next one rather than a dead end
            following = FACETS[(FACETS.index(facet) + 1) % len(FACETS)]
            return self.answer(Resolution(topic, following, 1.0), state)
        return self.answer(Resolution(topic, facet, 1.0), state, start=start)

    def cmd_next(self, state: dict) -> Reply:
        return self.cmd_more(state)

    def cmd_previous(self, state: dict) -> Reply:
        return self.cmd_repeat(state)

    def cmd_start_over(self, state: dict) -> Reply:
        topic, facet = state.get("topic"), state.get("facet")
        if topic in self.store.topics and facet in FACETS:
            return self.answer(Resolution(topic, facet, 1.0), state)
        return self.welcome(state)

    # --- questions --------------------------------------------------------------------------

    def facet_question(self, intent: Intent, turn: Turn, state: dict) -> Reply:
        """A platform intent that already names the facet (Alexa WhyIntent etc.)."""
        slot = (turn.slots or {}).get("topic") or {}
        topic_id = slot.get("id") if isinstance(slot, dict) else None
        if topic_id in self.store.topics:
            return self.answer(Resolution(topic_id, intent.facet, 1.0), state)
        value = slot.get("value") if isinstance(slot, dict) else slot
        if value:
            # the slot heard a name the model did not list: let the resolver judge the name
            res = self.resolver.resolve(str(value)[:MAX_QUESTION_CHARS])
            if res.answered:
                return self.answer(Resolution(res.topic, intent.facet, res.confidence), state)
            return self.not_understood(state)
        if state.get("topic") in self.store.topics:
            return self.answer(Resolution(state["topic"], intent.facet, 1.0), state)
        return self.question(turn.text, state) if turn.text else self.not_understood(state)

    def question(self, text: str | None, state: dict) -> Reply:
        if not text or not text.strip():
            return self.not_understood(state)
        context = (state.get("topic"), state.get("facet"))
        res = self.resolver.resolve(text, context)
        if not res.answered:
            return self.not_understood(state, res)
        if res.glossary:
            return self.glossary(res, state)
        return self.answer(res, state)

    def answer(self, res: Resolution, state: dict, start: int = 0) -> Reply:
        answer = self.store.answer(res.topic, res.facet)
        topic = self.store.topics[res.topic]
        speech = Speech(self.lexicon)
        nxt = speech.answer(answer, start=start, count=POINTS_PER_TURN, lead=(start == 0))
        more = nxt < len(answer.points)
        if more:
            speech.pause(300).say("Would you like to hear more?")
            reprompt = Speech(self.lexicon).say("Would you like to hear more? Say yes, or ask another question.")
        else:
            speech.pause(300).say("What else would you like to know?")
            reprompt = Speech(self.lexicon).say(
                f"You could ask about {FACET_PHRASES[_other_facet(res.facet)]}, or about another topic.")
        return Reply(speech, reprompt, card_title=f"{topic.spoken_title}: {FACET_PHRASES[res.facet]}",
                     card_text=_card_text(answer, start),
                     topic=res.topic, facet=res.facet, confidence=res.confidence, mode="answer",
                     state={"topic": res.topic, "facet": res.facet, "next": nxt,
                            "pending": "more" if more else None})

    def glossary(self, res: Resolution, state: dict) -> Reply:
        entry = self.store.glossary[res.glossary]
        topic = self.store.topics[entry.topic_id]
        speech = Speech(self.lexicon).say(entry.text).pause(300).say(
            f"That is part of {topic.spoken_title}. Would you like to hear more about it?")
        return Reply(speech, Speech(self.lexicon).say(f"Would you like to hear about {topic.spoken_title}?"),
                     card_title=entry.term, card_text=entry.text, topic=entry.topic_id, facet="what",
                     confidence=res.confidence, mode="glossary",
                     state={"topic": entry.topic_id, "facet": "what", "next": 0, "pending": "more"})

    def not_understood(self, state: dict, res: Resolution | None = None) -> Reply:
        example = self._example_question()
        speech = Speech(self.lexicon).say(
            f"Sorry, I don't have an answer for that yet. I can help with {self._unit_title()}.").say(
            f"For example, you could ask: {example}")
        return Reply(speech, Speech(self.lexicon).say(f"Try asking: {example}"), mode="fallback",
                     confidence=res.confidence if res else 0.0, state={"pending": None})

    # --- helpers ----------------------------------------------------------------------------

    def _unit_title(self) -> str:
        return self.store.units[0].title.replace("1945-76", "1945 to 1976") if self.store.units else "history"

    def _example_question(self) -> str:
        topic = self.rng.choice(sorted(self.store.topics.values(), key=lambda t: t.id))
        facet = self.rng.choice(("why", "effects", "features", "who", "when"))
        forms = {"why": "why did {t} happen?", "effects": "what were the effects of {t}?",
                 "features": "what were the key features of {t}?", "who": "who was involved in {t}?",
                 "when": "when was {t}?"}
        return forms[facet].format(t=topic.spoken_title)


def _other_facet(facet: str) -> str:
    return {"what": "why", "why": "effects", "effects": "features", "features": "who",
            "who": "when", "when": "effects"}[facet]


def _card_text(answer, start: int) -> str:
    lines = [answer.lead] if start == 0 else []
    lines += [f"- {p.text}" for p in answer.points]
    return "\n".join(lines)


def _slot_value(slots: dict, name: str) -> str | None:
    slot = (slots or {}).get(name)
    if isinstance(slot, dict):
        return slot.get("value")
    return slot
