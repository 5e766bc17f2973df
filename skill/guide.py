"""Study guides: a topic read aloud facet by facet, with a pause and a prompt between parts.

The student moves with next, previous, skip and stop. The place reached is saved in the progress
repository after every part, so "carry on with my study guide" resumes it in a later session, even
when the last one ended without a goodbye.
"""
from __future__ import annotations

from .content import ContentStore
from .progress import ProgressRepository
from .quiz import Step, in_sentence
from .speech import Lexicon, Speech

PARTS = ("what", "when", "who", "why", "features", "effects")
HEADINGS = {"what": "What it was", "when": "When it happened", "who": "Who was involved",
            "why": "Why it happened", "features": "Its key features", "effects": "Its effects"}
PART_PAUSE_MS = 800


class GuideFlow:
    def __init__(self, store: ContentStore, lexicon: Lexicon, progress: ProgressRepository | None):
        self.store = store
        self.lexicon = lexicon
        self.progress = progress

    def speech(self) -> Speech:
        return Speech(self.lexicon)

    def parts(self, topic_id: str) -> list[str]:
        facets = self.store.topics[topic_id].facets
        return [p for p in PARTS if p in facets]

    def start(self, topic_id: str, user: str | None) -> Step:
        title = in_sentence(self.store.topics[topic_id])
        intro = self.speech().say(f"Here's the study guide on {title}, in {len(self.parts(topic_id))} parts. "
                                  "Say next, previous, skip or stop at any time.").pause(400)
        return self.read(topic_id, 0, user, intro)

    def read(self, topic_id: str, part: int, user: str | None, s: Speech | None = None) -> Step:
        parts = self.parts(topic_id)
        part = max(0, min(part, len(parts) - 1))
        facet = parts[part]
        answer = self.store.answer(topic_id, facet)
        title = in_sentence(self.store.topics[topic_id])
        s = s or self.speech()
        s.say(f"Part {part + 1}: {HEADINGS[facet]}.").pause(300)
        s.answer(answer, start=0, count=len(answer.points), lead=True)
        s.pause(PART_PAUSE_MS)
        last = part == len(parts) - 1
        state = {"mode": "guide", "guide": {"topic": topic_id, "part": part}, "topic": topic_id,
                 "facet": facet, "next": len(answer.points), "pending": None}
        if last:
            s.say(f"That's the end of the study guide on {title}. Would you like a quiz on it?")
            reprompt = self.speech().say(f"Say yes for a quiz on {title}, or ask me a question.")
            state.update({"mode": None, "pending": "guide_quiz"})
            self._save(user, None, None)
        else:
            following = HEADINGS[parts[part + 1]].lower()
            s.say(f"Next: {following}. Say next to carry on, or stop to take a break.")
            reprompt = self.speech().say("Say next to carry on, previous to go back, or stop.")
            self._save(user, topic_id, part + 1)
        return Step(s, reprompt, state=state, mode="guide", topic=topic_id,
                    card_title=f"Study guide: {title}", card_text=f"{HEADINGS[facet]}\n{answer.lead}\n" +
                    "\n".join(f"- {p.text}" for p in answer.points))

    def navigate(self, command: str, user: str | None, state: dict) -> Step:
        guide = state.get("guide") or {}
        topic_id, part = guide.get("topic"), int(guide.get("part") or 0)
        if topic_id not in self.store.topics:
            return self.nothing_to_resume()
        moves = {"next": 1, "more": 1, "yes": 1, "previous": -1, "skip": 2, "repeat": 0, "start_over": None}
        move = moves[command]
        target = 0 if move is None else part + move
        if target >= len(self.parts(topic_id)):
            target = len(self.parts(topic_id)) - 1
        if target < 0:
            s = self.speech().say("That's the first part.").pause(200)
            return self.read(topic_id, 0, user, s)
        s = None
        if command == "skip":
            skipped = HEADINGS[self.parts(topic_id)[min(part + 1, len(self.parts(topic_id)) - 1)]].lower()
            s = self.speech().say(f"Skipping {skipped}.").pause(200)
        return self.read(topic_id, target, user, s)

    def stop(self, user: str | None, state: dict) -> Step:
        guide = state.get("guide") or {}
        topic_id = guide.get("topic")
        s = self.speech()
        if topic_id in self.store.topics and user and self.progress:
            s.say(f"I've saved your place in the study guide on {in_sentence(self.store.topics[topic_id])}. "
                  "Next time, say: carry on with my study guide.")
        s.say("Goodbye, and good luck with your revision.")
        return Step(s, None, state={"mode": None}, mode="end", end_session=True)

    def resume(self, user: str | None, state: dict) -> Step:
        topic_id, part = None, None
        if user and self.progress:
            profile = self.progress.profile(user)
            topic_id, part = profile.guide_topic, profile.guide_part
        if topic_id is None and state.get("guide"):
            topic_id, part = state["guide"].get("topic"), int(state["guide"].get("part") or 0) + 1
        if topic_id not in self.store.topics or part is None:
            return self.nothing_to_resume()
        part = min(int(part), len(self.parts(topic_id)) - 1)
        title = in_sentence(self.store.topics[topic_id])
        s = self.speech().say(f"Carrying on with the study guide on {title}.").pause(300)
        return self.read(topic_id, part, user, s)

    def nothing_to_resume(self) -> Step:
        example = sorted(in_sentence(t) for t in self.store.topics.values())[0]
        s = self.speech().say("You don't have a study guide in progress. You could say: read me the study "
                              f"guide on {example}.")
        return Step(s, self.speech().say("Which topic would you like a study guide on?"), mode="guide_none")

    def saved(self, user: str | None) -> str | None:
        """The topic of a study guide this student left unfinished, for the welcome."""
        if user and self.progress:
            topic_id = self.progress.profile(user).guide_topic
            return topic_id if topic_id in self.store.topics else None
        return None

    def _save(self, user: str | None, topic_id: str | None, part: int | None) -> None:
        if user and self.progress:
            self.progress.set_guide(user, topic_id, part)
