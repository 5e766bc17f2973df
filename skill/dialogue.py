"""Dialogue policy: a platform-neutral Turn in, a Reply and the new session state out.

No I/O here except through the seams it is given (content store, resolver, progress repository,
clock, random source). Adapters (Alexa, Dialogflow, CLI, web) build Turns and render Replies.
"""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from .content import FACETS, ContentStore
from .guide import GuideFlow
from .intents import ANSWER_SLOT, BOARD_SLOT, BY_NAME, QUESTION_SLOT, TOPIC_SLOT, Intent, parse_command
from .progress import ProgressRepository
from .quiz import Clock, QuizFlow, Step, in_sentence, utc_now
from .resolver import Resolution, Resolver
from .speech import POINTS_PER_TURN, Lexicon, Speech
from .text import normalize

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 500
SKILL_NAME = "History Revision"

FACET_PHRASES = {
    "what": "what it was", "who": "who was involved", "when": "when it happened",
    "why": "why it happened", "features": "its key features", "effects": "its effects",
}
# In a quiz every utterance is an answer except these commands.
QUIZ_COMMANDS = {"stop", "help", "repeat", "slower", "skip", "next", "quiz", "quiz_wrong", "guide", "resume",
                 "progress", "board", "forget", "start_over"}
# In a study guide these move through the parts; anything else is handled as usual.
GUIDE_MOVES = {"next", "more", "yes", "previous", "skip", "start_over"}


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
    def __init__(self, store: ContentStore, resolver: Resolver | None = None, rng: random.Random | None = None,
                 progress: ProgressRepository | None = None, clock: Clock | None = None):
        self.store = store
        self.resolver = resolver or Resolver(store)
        self.lexicon = Lexicon(store.abbreviations, store.pronunciations, store.lower_case_words)
        self.rng = rng or random.Random()
        # progress None: nothing outlives the session (no store is wanted, as in one-shot questions)
        self.progress = progress
        self.clock = clock or utc_now
        self.quiz = QuizFlow(store, self.lexicon, progress, self.clock, self.rng)
        self.guide = GuideFlow(store, self.lexicon, progress)

    # --- entry point ------------------------------------------------------------------------

    def handle(self, turn: Turn) -> Reply:
        """Answer one turn. A state that cannot be read (tampered with, or from an older version)
        starts the conversation afresh rather than failing the turn."""
        state = turn.state if isinstance(turn.state, dict) else {}
        try:
            return self._handle(turn, dict(state))
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            if not state:
                raise
            log.warning("unreadable session state; starting afresh", exc_info=True)
            return self._handle(turn, {})

    def _handle(self, turn: Turn, state: dict) -> Reply:
        if turn.kind == "launch":
            return self._remember(self.welcome(state, turn), state)
        if turn.kind == "session_end":
            return Reply(Speech(self.lexicon), end_session=True, state={}, mode="end")
        intent = BY_NAME.get(turn.intent) if turn.kind == "intent" else None
        text = (turn.text or "")[:MAX_QUESTION_CHARS]
        if intent is None and text:
            found = parse_command(normalize(text))
            if found:
                intent, captured = found
                turn.slots = {**{k: {"value": v} for k, v in captured.items()}, **(turn.slots or {})}
        mode = state.get("mode")
        in_quiz = mode == "quiz" and (state.get("quiz") or {}).get("asked")
        if in_quiz and intent and intent.name == "fallback" and not _spoken(turn, text):
            reply = self._step(self.quiz.pardon(state))
        elif in_quiz and not (intent and intent.command in QUIZ_COMMANDS):
            reply = self._step(self.quiz.answer(_spoken(turn, text), turn.user, state))
        elif mode == "guide" and intent and (intent.command in GUIDE_MOVES or intent.name in ("repeat", "stop")):
            reply = self._guide_move(intent, turn, state)
        elif intent and intent.command:
            reply = self.command(intent, state, turn)
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

    def welcome(self, state: dict, turn: Turn | None = None) -> Reply:
        example = self._example_question()
        speech = Speech(self.lexicon).say(
            f"Welcome to {SKILL_NAME}. I can help you revise {self._unit_title()}.")
        saved = self.guide.saved(turn.user if turn else None)
        if saved:
            speech.say(f"Last time you were reading the study guide on {in_sentence(self.store.topics[saved])}. "
                       "Say carry on with my study guide to continue, or ask me a question.")
        else:
            speech.say(f"Ask me a question, such as: {example}, or say quiz me.")
        reprompt = Speech(self.lexicon).say(f"You could ask: {example}")
        return Reply(speech, reprompt, card_title=SKILL_NAME, card_text=speech.text(), mode="launch",
                     state={"pending": None})

    def command(self, intent: Intent, state: dict, turn: Turn | None = None) -> Reply:
        handler = getattr(self, f"cmd_{intent.command}")
        return handler(state, turn or Turn())

    def cmd_help(self, state: dict, turn: Turn | None = None) -> Reply:
        if state.get("mode") == "quiz":
            return self._step(self.quiz.help(state))
        speech = Speech(self.lexicon)
        if state.get("mode") == "guide":
            speech.say("We're reading a study guide. Say next for the next part, previous to go back, "
                       "skip to jump a part, repeat to hear this part again, or stop to take a break.")
            return Reply(speech, Speech(self.lexicon).say("Say next to carry on."), mode="help")
        if state.get("topic") in self.store.topics:
            title = in_sentence(self.store.topics[state["topic"]])
            speech.say(f"We were talking about {title}. You can ask about its causes, key features, "
                       "effects, dates or the people involved, for example: what were its effects?")
        else:
            speech.say(f"You can ask me about {self._unit_title()}, for example: {self._example_question()}")
        speech.say("You can also say quiz me, read me the study guide on a topic, or how am I doing. "
                   "Say repeat to hear something again, or stop to finish.")
        return Reply(speech, Speech(self.lexicon).say("What would you like to know?"), mode="help")

    def cmd_stop(self, state: dict, turn: Turn | None = None) -> Reply:
        if state.get("mode") == "quiz":
            return self._step(self.quiz.stop(state))
        speech = Speech(self.lexicon).say("Goodbye, and good luck with your revision.")
        return Reply(speech, None, end_session=True, mode="end", state={"pending": None})

    def cmd_fallback(self, state: dict, turn: Turn | None = None) -> Reply:
        return self.not_understood(state)

    def cmd_repeat(self, state: dict, turn: Turn | None = None, rate: str | None = None) -> Reply:
        last = state.get("last")
        speech = Speech(self.lexicon)
        if last and last.get("ssml"):
            # the saved parts come back from the platform: only lists of text are replayed
            ssml, text = list(last["ssml"]), list(last["text"])
            if not all(isinstance(p, str) for p in ssml + text):
                raise TypeError("saved speech is not text")
            speech.ssml_parts, speech.text_parts = ssml, text
        else:
            speech.say("I haven't said anything yet. Ask me a question about "
                       f"{self._unit_title()}.")
        return Reply(speech, mode="repeat", rate=rate, topic=state.get("topic"), facet=state.get("facet"))

    def cmd_slower(self, state: dict, turn: Turn | None = None) -> Reply:
        return self.cmd_repeat(state, turn, rate="slow")

    def cmd_yes(self, state: dict, turn: Turn | None = None) -> Reply:
        pending = state.get("pending")
        if pending == "more":
            return self.cmd_more(state)
        if pending == "forget":
            return self._forget_confirmed(state, turn or Turn())
        if pending == "guide_quiz" and state.get("topic") in self.store.topics:
            return self._step(self.quiz.start("topic", state["topic"], (turn or Turn()).user, state))
        if pending == "quiz":
            return self._step(self.quiz.start("all", None, (turn or Turn()).user, state))
        return self.cmd_help(state)

    def cmd_no(self, state: dict, turn: Turn | None = None) -> Reply:
        text = "OK, I'll keep your progress." if state.get("pending") == "forget" else "OK."
        speech = Speech(self.lexicon).say(f"{text} What else would you like to revise?")
        return Reply(speech, mode="answer", state={"pending": None})

    def cmd_more(self, state: dict, turn: Turn | None = None) -> Reply:
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

    def cmd_next(self, state: dict, turn: Turn | None = None) -> Reply:
        if state.get("mode") == "quiz":
            return self._step(self.quiz.skip((turn or Turn()).user, state))
        return self.cmd_more(state)

    def cmd_skip(self, state: dict, turn: Turn | None = None) -> Reply:
        return self.cmd_next(state, turn)

    def cmd_previous(self, state: dict, turn: Turn | None = None) -> Reply:
        return self.cmd_repeat(state)

    def cmd_start_over(self, state: dict, turn: Turn | None = None) -> Reply:
        quiz = state.get("quiz") or {}
        if state.get("mode") == "quiz" and quiz.get("scope"):
            return self._step(self.quiz.start(quiz["scope"], quiz.get("topic"), (turn or Turn()).user, state))
        topic, facet = state.get("topic"), state.get("facet")
        if topic in self.store.topics and facet in FACETS:
            return self.answer(Resolution(topic, facet, 1.0), state)
        return self.welcome(state)

    # --- revision: quizzes, study guides, progress --------------------------------------------

    def cmd_quiz(self, state: dict, turn: Turn) -> Reply:
        topic_id = _slot_id(turn.slots, TOPIC_SLOT)
        if topic_id in self.store.topics:
            return self._step(self.quiz.start("topic", topic_id, turn.user, state))
        scope, topic_id = self.quiz.scope_of(_slot_value(turn.slots, TOPIC_SLOT), self._topic_named)
        return self._step(self.quiz.start(scope, topic_id, turn.user, state))

    def cmd_quiz_wrong(self, state: dict, turn: Turn) -> Reply:
        return self._step(self.quiz.start("wrong", None, turn.user, state))

    def cmd_guide(self, state: dict, turn: Turn) -> Reply:
        words = _slot_value(turn.slots, TOPIC_SLOT)
        topic_id = _slot_id(turn.slots, TOPIC_SLOT)
        if topic_id not in self.store.topics:
            topic_id = self._topic_named(normalize(words)) if words else None
        if topic_id is None and not words and state.get("topic") in self.store.topics:
            topic_id = state["topic"]      # "read me the study guide" while talking about a topic
        if topic_id is None:
            return self.not_understood(state) if words else self._step(self.guide.nothing_to_resume())
        return self._step(self.guide.start(topic_id, turn.user))

    def cmd_resume(self, state: dict, turn: Turn) -> Reply:
        return self._step(self.guide.resume(turn.user, state))

    def cmd_progress(self, state: dict, turn: Turn) -> Reply:
        return self._step(self.quiz.report(turn.user, state))

    def cmd_board(self, state: dict, turn: Turn) -> Reply:
        said = _slot_value(turn.slots, BOARD_SLOT) or turn.text
        board = self.quiz.find_board(said or "")
        speech = Speech(self.lexicon)
        if board is None:
            names = sorted({self.quiz.board_name(b) for u in self.store.units for b in u.boards})
            speech.say(f"Sorry, I don't know that exam board. I know {_spoken_list(names)}.")
            return Reply(speech, Speech(self.lexicon).say("Which exam board are you doing?"), mode="board")
        if turn.user and self.progress:
            self.progress.set_board(turn.user, board)
        outside = [t.spoken_title for t in self.store.topics.values() if board not in t.boards]
        speech.say(f"Got it: {self.quiz.board_name(board)}. I'll only quiz you on topics in your course.")
        if outside:
            speech.say(f"That leaves out {_spoken_list(sorted(outside))}.")
        speech.say("Would you like a quiz?")
        return Reply(speech, Speech(self.lexicon).say("Would you like a quiz?"), mode="board",
                     state={"board": board, "pending": "quiz"})

    def cmd_forget(self, state: dict, turn: Turn) -> Reply:
        speech = Speech(self.lexicon)
        if not (turn.user and self.progress):
            speech.say("I'm not keeping any progress for you, so there's nothing to forget.")
            return Reply(speech, mode="forget", state={"board": None, "last_score": None})
        speech.say("This deletes your quiz results, your exam board and your place in any study guide. "
                   "Are you sure? Say yes to delete, or no to keep them.")
        return Reply(speech, Speech(self.lexicon).say("Say yes to delete your progress, or no to keep it."),
                     mode="forget", state={"pending": "forget", "mode": None, "quiz": None})

    def _forget_confirmed(self, state: dict, turn: Turn) -> Reply:
        deleted = self.progress.forget(turn.user) if (turn.user and self.progress) else False
        speech = Speech(self.lexicon).say("Done: I've deleted your progress." if deleted
                                          else "There was nothing saved for you, so there's nothing to delete.")
        speech.say("What would you like to revise?")
        return Reply(speech, mode="forget", state={"pending": None, "board": None, "guide": None,
                                                   "last_score": None})

    def cmd_answer(self, state: dict, turn: Turn) -> Reply:
        # an answer outside a quiz is a question ("is it the great leap forward")
        return self.question(_spoken(turn, turn.text), state)

    def _guide_move(self, intent: Intent, turn: Turn, state: dict) -> Reply:
        if intent.name == "stop":
            return self._step(self.guide.stop(turn.user, state))
        command = "repeat" if intent.name == "repeat" else intent.command
        return self._step(self.guide.navigate(command, turn.user, state))

    def _topic_named(self, words: str) -> str | None:
        res = self.resolver.resolve(words)
        if res.glossary and res.glossary in self.store.glossary:
            return self.store.glossary[res.glossary].topic_id
        return res.topic if res.answered else None

    def _step(self, step: Step) -> Reply:
        return Reply(step.speech, step.reprompt, card_title=step.card_title, card_text=step.card_text,
                     end_session=step.end_session, state=step.state, topic=step.topic, mode=step.mode,
                     confidence=1.0 if step.topic else 0.0)

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
                            "pending": "more" if more else None, "mode": None, "quiz": None})

    def glossary(self, res: Resolution, state: dict) -> Reply:
        entry = self.store.glossary[res.glossary]
        topic = self.store.topics[entry.topic_id]
        speech = Speech(self.lexicon).say(entry.text).pause(300).say(
            f"That is part of {in_sentence(topic)}. Would you like to hear more about it?")
        return Reply(speech, Speech(self.lexicon).say(f"Would you like to hear about {in_sentence(topic)}?"),
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
        return forms[facet].format(t=in_sentence(topic))


def _other_facet(facet: str) -> str:
    return {"what": "why", "why": "effects", "effects": "features", "features": "who",
            "who": "when", "when": "effects"}[facet]


def _card_text(answer, start: int) -> str:
    lines = [answer.lead] if start == 0 else []
    lines += [f"- {p.text}" for p in answer.points]
    return "\n".join(lines)


def _slot_id(slots: dict, name: str) -> str | None:
    slot = (slots or {}).get(name)
    return slot.get("id") if isinstance(slot, dict) else None


def _spoken(turn: Turn, text: str | None) -> str:
    """What the student said: the text, else whichever slot caught it (answer, question, topic)."""
    if text:
        return text
    for name in (ANSWER_SLOT, QUESTION_SLOT, TOPIC_SLOT, BOARD_SLOT):
        value = _slot_value(turn.slots, name)
        if value:
            return str(value)[:MAX_QUESTION_CHARS]
    return ""


def _spoken_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _slot_value(slots: dict, name: str) -> str | None:
    slot = (slots or {}).get(name)
    if isinstance(slot, dict):
        return slot.get("value")
    return slot
