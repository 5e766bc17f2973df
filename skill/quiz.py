"""Quizzes: questions made from the content, spoken answers graded, reviews scheduled with fsrs.

* Items come from each topic's answers: open recall ("give two reasons for ..."), a date ("in what year
  did ... begin?") and multiple choice with three options, which is easier to answer by voice.
* Grading compares the meaningful words of a spoken answer with each point of the content, by stem, by
  sound and by spelling, so a paraphrase or a misheard word still counts ("inflamation" for inflation).
  The verdict is right, partly right (with the point that was missing) or wrong (with the answer).
* fsrs decides what comes next: due items first (most overdue first), then new ones, then the rest by
  due date. A wrong answer is due again in a day, a right one later, so weak items come back first.

`QuizFlow` turns that into a conversation: five-question rounds that end with a score, "quiz me on
what I got wrong", "how am I doing?" and the exam-board filter. State between turns travels in the
session state; what must last is kept in the progress repository.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable

from fsrs import Card, Rating, Scheduler
from rapidfuzz import fuzz

from .content import ContentStore, Topic
from .progress import ItemRecord, ProgressRepository
from .speech import Lexicon, Speech
from .text import STOPWORDS, normalize, sound, stem

ROUND_SIZE = 5
RECALL_FACETS = {"why": "Give two reasons for {t}.", "effects": "Give two effects of {t}.",
                 "features": "Name two key features of {t}."}
CHOICE_FACETS = {"why": "Which of these was a reason for {t}?", "effects": "Which of these was an effect of {t}?",
                 "features": "Which of these was a feature of {t}?"}
LETTERS = ("A", "B", "C")
RATING = {"right": Rating.Good, "partly": Rating.Hard, "wrong": Rating.Again}
# learning_steps=() keeps fsrs from asking the same item again within minutes of one session;
# no fuzzing so that a schedule is reproducible in tests.
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def in_sentence(topic: Topic) -> str:
    """A topic's spoken title as it reads mid-sentence: "the Great Leap Forward"."""
    if topic.name:
        return topic.name
    title = topic.spoken_title
    return "the" + title[3:] if title.startswith("The ") else title


# --- items ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    id: str          # "<topic>:<facet>:<kind>"
    topic: str
    facet: str
    kind: str        # recall | date | choice


def build_items(store: ContentStore) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for topic in sorted(store.topics.values(), key=lambda t: t.id):
        for facet in RECALL_FACETS:
            answer = topic.facets.get(facet)
            if answer is None or len(answer.points) < 2:
                continue
            items[f"{topic.id}:{facet}:recall"] = Item(f"{topic.id}:{facet}:recall", topic.id, facet, "recall")
            items[f"{topic.id}:{facet}:choice"] = Item(f"{topic.id}:{facet}:choice", topic.id, facet, "choice")
        if topic.period and "when" in topic.facets:
            items[f"{topic.id}:when:date"] = Item(f"{topic.id}:when:date", topic.id, "when", "date")
    return items


def ask(store: ContentStore, item: Item, rng) -> dict:
    """One asking of an item: the words to say and, for multiple choice, the options (kept in state)."""
    topic = store.topics[item.topic]
    title = in_sentence(topic)
    if item.kind == "recall":
        return {"id": item.id, "text": RECALL_FACETS[item.facet].format(t=title)}
    if item.kind == "date":
        start, end = topic.period
        verb = "begin" if end != start else "happen"
        return {"id": item.id, "text": f"In what year did {title} {verb}?"}
    points = topic.facets[item.facet].points
    correct = min([p for p in points if stands_alone(p.text)] or points, key=lambda p: len(p.text)).text
    distractors = _distractors(store, topic, item.facet, correct, rng)
    options = [correct] + distractors
    rng.shuffle(options)
    spoken = " ".join(f"{LETTERS[i]}: {o}" for i, o in enumerate(options))
    return {"id": item.id, "text": f"{CHOICE_FACETS[item.facet].format(t=title)} {spoken}",
            "options": options, "correct": options.index(correct)}


# A point that leans on the sentence before it ("The same ruling...", "Instead, ...", "But he...") makes
# no sense read out on its own as an option. "It" and "They" stand for the topic asked about, so they read well.
_LEANS_ON_CONTEXT = re.compile(r"^(the same|instead|but|both|also|then|however|this|these|that|those|such|"
                               r"he|she|his|her)\b", re.I)


def stands_alone(point: str) -> bool:
    return not _LEANS_ON_CONTEXT.match(point)


def _distractors(store: ContentStore, topic: Topic, facet: str, correct: str, rng) -> list[str]:
    """Two points about the same facet of other topics that share little with this topic's points."""
    own = set()
    for p in topic.facets[facet].points:
        own |= _stems(p.text)
    own |= _stems(topic.title)
    target = len(correct)
    pool = []
    for other in store.topics.values():
        if other.id == topic.id or facet not in other.facets:
            continue
        for p in other.facets[facet].points:
            if not stands_alone(p.text):
                continue
            stems = _stems(p.text)
            if not stems or len(stems & own) / len(stems) > 0.2:
                continue   # too close to a true statement about this topic
            pool.append((abs(len(p.text) - target), other.id, p.text))
    pool.sort()
    picked, topics_used = [], set()
    for _, tid, text in pool[:12] if len(pool) > 12 else pool:
        if tid not in topics_used:
            picked.append(text)
            topics_used.add(tid)
    rng.shuffle(picked)
    return picked[:2]


# --- grading --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    result: str                     # right | partly | wrong
    said: str                       # the feedback to speak
    hits: tuple[int, ...] = ()      # which content points the answer matched (recall)


_DONT_KNOW = re.compile(r"^(i )?(dont|do not|don t) know\b|^(no idea|pass|not sure|i m not sure|im not sure|"
                        r"skip|no clue|i forget|i forgot|give up|i give up)\b")
# A word common to many points (china, mao, party) proves nothing on its own.
_GENERIC_SHARE = 0.25
# Verbs of wanting and trying say nothing about which point a student means.
_WEAK = frozenset(stem(w) for w in """want wanted hope hoped believe believed try tried make made use used show
showed saw see seen become became take took give gave new large big great lot lots people thing things""".split())
# A word found in at most this many points of the whole unit is specific enough to count double.
_SPECIFIC_DF = 8


class Grader:
    def __init__(self, store: ContentStore):
        self.store = store
        points = [p.text for t in store.topics.values() for a in t.facets.values() for p in a.points]
        df: dict[str, int] = {}
        for text in points:
            for s in _stems(text):
                df[s] = df.get(s, 0) + 1
        self.n = max(len(points), 1)
        self.df = df

    def generic(self, s: str) -> bool:
        return self.df.get(s, 0) / self.n > _GENERIC_SHARE

    def grade(self, item: Item, asked: dict, answer: str) -> Grade:
        said = normalize(answer or "")
        if not said or _DONT_KNOW.match(said):
            return self._wrong(item, asked, lead="That's OK.")
        if item.kind == "choice":
            return self._choice(item, asked, said)
        if item.kind == "date":
            return self._date(item, said)
        return self._recall(item, said)

    # multiple choice ------------------------------------------------------------------------

    def _choice(self, item: Item, asked: dict, said: str) -> Grade:
        picked = pick_option(said, asked["options"])
        correct = asked["correct"]
        answer = f"{LETTERS[correct]}: {asked['options'][correct]}"
        if picked == correct:
            return Grade("right", f"Right! It was {answer}")
        if picked is None:
            return Grade("wrong", f"I didn't catch A, B or C. The answer was {answer}")
        return Grade("wrong", f"Not quite. The answer was {answer}")

    # a year ---------------------------------------------------------------------------------

    def _date(self, item: Item, said: str) -> Grade:
        start, end = self.store.topics[item.topic].period
        years = _years(said)
        span = f"It was in {start}" if end == start else f"It began in {start} and ran until {end}"
        if start in years:
            return Grade("right", f"Right! {span}.")
        if any(abs(y - start) == 1 for y in years) or (end != start and end in years):
            return Grade("partly", f"Partly right, that's close. It began in {start}.")
        return Grade("wrong", f"Not quite. {span}.")

    # open recall ----------------------------------------------------------------------------

    def _recall(self, item: Item, said: str) -> Grade:
        answer = self.store.answer(item.topic, item.facet)
        heard = _Heard(said)
        title_stems = _stems(self.store.topics[item.topic].title)
        evidence = {}
        for i, point in enumerate(answer.points):
            key = [s for s in _stems(point.text) if s not in title_stems]
            telling = [s for s in key if not self.generic(s) and s not in _WEAK]
            evidence[i] = (telling, [(s, heard.match(s)) for s in telling])
        # Points claim heard words strongest first, and a heard word backs one point only: a student
        # who gives one point at length has not given two.
        hits, near, taken = [], [], set()
        remaining = set(evidence)
        while remaining:
            scored = {i: self._support(evidence[i], taken) for i in remaining}
            best = max(sorted(remaining), key=lambda i: scored[i][0])
            weight, matched, words = scored[best]
            telling = evidence[best][0]
            if not matched:
                break
            remaining.discard(best)
            # a specific word ("communes", "dams") is evidence enough; common ones need a partner
            if weight >= 2 or (telling and len(matched) / len(telling) >= 0.5):
                hits.append(best)
                taken |= words
            else:
                near.append(best)
        need = min(2, len(answer.points))
        noun = {"why": "reason", "effects": "effect", "features": "feature"}[item.facet]
        if len(hits) >= need:
            return Grade("right", "Right! " + _point(answer.points[hits[0]].text) + " "
                         + _point(answer.points[hits[1]].text), tuple(hits))
        missing = [p.text for i, p in enumerate(answer.points) if i not in hits]
        missing.sort(key=len)
        if hits or near:
            lead = "Partly right: that's one." if hits else "Partly right: you're on the right lines."
            return Grade("partly", f"{lead} Another {noun} is: {_point(missing[0])}", tuple(sorted(hits)))
        return Grade("wrong", f"Not quite. Two {noun}s are: {_point(missing[0])} And: {_point(missing[1])}")

    def _support(self, evidence, taken: set) -> tuple[int, list[str], set[str]]:
        """(weight, content words matched, heard words used) for one point, leaving out taken words."""
        matched, used = [], set()
        for s, word in evidence[1]:
            if word and word not in used and word not in taken:   # one heard word backs one content word
                matched.append(s)
                used.add(word)
        weight = sum(2 if self.df.get(s, 0) <= _SPECIFIC_DF else 1 for s in matched)
        return weight, matched, used

    def _wrong(self, item: Item, asked: dict, lead: str) -> Grade:
        if item.kind == "choice":
            c = asked["correct"]
            return Grade("wrong", f"{lead} The answer was {LETTERS[c]}: {asked['options'][c]}")
        if item.kind == "date":
            start = self.store.topics[item.topic].period[0]
            return Grade("wrong", f"{lead} The answer is {start}.")
        points = sorted((p.text for p in self.store.answer(item.topic, item.facet).points), key=len)
        return Grade("wrong", f"{lead} Two answers are: {_point(points[0])} And: {_point(points[1])}")


class _Heard:
    """A spoken answer, ready to be asked whether it contains a content word, allowing for mishearing."""

    def __init__(self, normalized: str):
        self.words = [w for w in normalized.split() if w not in STOPWORDS]
        self.joined = normalized.replace(" ", "")

    def match(self, s: str) -> str | None:
        """The heard word that stands for content stem `s`, if any."""
        for w in self.words:
            if stem(w) == s:
                return w
        if len(s) < 4 or s.isdigit():
            return None
        for w in self.words:
            if len(w) > 3 and sound(w) == sound(s):
                return w
        for w in self.words:
            if len(w) >= 5 and fuzz.ratio(s, stem(w)) >= 80:
                return w
        # a long word heard as several short ones: "collective is asian"
        if len(s) >= 7 and fuzz.partial_ratio(s, self.joined) >= 88:
            return "+" + s
        return None


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in normalize(text).split() if w not in STOPWORDS and len(w) > 1)


def _years(said: str) -> set[int]:
    years = set()
    for w in said.split():
        if w.isdigit():
            n = int(w)
            if 1900 <= n <= 1999:
                years.add(n)
            elif 40 <= n <= 99:       # "fifty eight" for 1958
                years.add(1900 + n)
        elif re.fullmatch(r"19\d0s", w):
            continue
    return years


def _point(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


_LETTER_WORDS = {
    0: {"a", "ay", "eh", "hey", "hay", "ah", "aye", "1", "first", "1st", "letter a"},
    1: {"b", "bee", "be", "bea", "2", "second", "2nd", "to", "too", "letter b"},
    2: {"c", "see", "sea", "si", "cee", "she", "3", "third", "3rd", "last", "letter c"},
}
_CHOICE_FILLER = re.compile(r"\b(i think|i guess|maybe|probably|it s|its|it is|it was|the answer is|answer|"
                            r"my answer is|option|number|the|one|please|is it|um|uh|er|erm|i ll go with|"
                            r"i will go with|go with|i say|i d say)\b")


def pick_option(said: str, options: list[str]) -> int | None:
    """Which of three options a spoken answer picks: a letter (as heard), an ordinal, or the words."""
    core = " ".join(_CHOICE_FILLER.sub(" ", said).split())
    for index, forms in _LETTER_WORDS.items():
        if core in forms:
            return index
    if core:
        words = core.split()
        for index, forms in _LETTER_WORDS.items():
            if len(words) <= 2 and any(w in forms and w not in ("a", "be", "to", "too", "she", "see") for w in words):
                return index
    scores = [fuzz.token_set_ratio(said, normalize(o)) for o in options]
    best = max(range(len(options)), key=lambda i: scores[i])
    runner_up = max(s for i, s in enumerate(scores) if i != best)
    if scores[best] >= 60 and scores[best] - runner_up >= 10:
        return best
    return None


# --- scheduling -----------------------------------------------------------------------------------

def review(record: ItemRecord, result: str, now: datetime) -> ItemRecord:
    """The record after one answer: the fsrs card moved on, the counts updated."""
    card = Card.from_json(record.card) if record.card else Card(card_id=0, due=now)
    card, _ = SCHEDULER.review_card(card, RATING[result], review_datetime=now)
    return replace(record, card=card.to_json(), due=card.due.astimezone(timezone.utc).isoformat(),
                   reviews=record.reviews + 1, right=record.right + (result == "right"),
                   partly=record.partly + (result == "partly"), wrong=record.wrong + (result == "wrong"),
                   last_grade=result)


def _due(record: ItemRecord) -> datetime:
    return datetime.fromisoformat(record.due)


def order_items(candidates: list[Item], records: dict[str, ItemRecord], now: datetime, rng) -> list[Item]:
    """Due items first (most overdue first), then new items, then the rest by due date."""
    due, new, later = [], [], []
    for item in candidates:
        rec = records.get(item.id)
        if rec is None or not rec.due:
            new.append(item)
        elif _due(rec) <= now:
            due.append(item)
        else:
            later.append(item)
    due.sort(key=lambda i: (_due(records[i.id]), i.id))
    later.sort(key=lambda i: (_due(records[i.id]), i.id))
    rng.shuffle(new)
    return due + new + later


def pick_round(ordered: list[Item], size: int = ROUND_SIZE) -> list[Item]:
    """The first `size` items, avoiding two questions on the same topic and facet (one gives the other away)."""
    chosen, seen = [], set()
    for item in ordered:
        if (item.topic, item.facet) not in seen:
            chosen.append(item)
            seen.add((item.topic, item.facet))
        if len(chosen) == size:
            return chosen
    for item in ordered:       # a small scope: allow repeats of a facet rather than a short round
        if item not in chosen and len(chosen) < size:
            chosen.append(item)
    return chosen


# --- the conversation -----------------------------------------------------------------------------

@dataclass
class Step:
    """What a flow wants said; the dialogue turns it into a Reply."""
    speech: Speech
    reprompt: Speech | None = None
    state: dict = field(default_factory=dict)
    mode: str = "quiz"
    end_session: bool = False
    card_title: str | None = None
    card_text: str | None = None
    topic: str | None = None


_WRONG_SCOPE = re.compile(r"\b(what i got wrong|what i get wrong|my mistakes|mistakes|got wrong|wrong answers|"
                          r"what i missed|my weak|weak (topics|points|spots)|what i don t know)\b")
_ALL_SCOPE = re.compile(r"^(everything|all|all of it|all topics|the whole (unit|course|thing)|anything|"
                        r"any topic|the lot|it all|the unit|my course)$")


class QuizFlow:
    def __init__(self, store: ContentStore, lexicon: Lexicon, progress: ProgressRepository | None,
                 clock: Clock, rng):
        self.store = store
        self.lexicon = lexicon
        self.progress = progress
        self.clock = clock
        self.rng = rng
        self.items = build_items(store)
        self.grader = Grader(store)

    def speech(self) -> Speech:
        return Speech(self.lexicon)

    # who the student is, and what they study ------------------------------------------------

    def _records(self, user: str | None) -> dict[str, ItemRecord]:
        return self.progress.items(user) if (user and self.progress) else {}

    def board(self, user: str | None, state: dict) -> str | None:
        if user and self.progress:
            return self.progress.profile(user).board
        return state.get("board")

    def board_name(self, board_id: str) -> str:
        """A short spoken name: the board's first alias ("edexcel" -> Edexcel, "ocr" -> OCR)."""
        for unit in self.store.units:
            if board_id in unit.boards and unit.boards[board_id].aliases:
                short = unit.boards[board_id].aliases[0]
                return short.upper() if len(short) <= 5 else short.title()
        return board_id

    def find_board(self, text: str) -> str | None:
        said = normalize(text or "")
        best, best_len = None, 0
        for unit in self.store.units:
            for board in unit.boards.values():
                for alias in (board.id, *board.aliases):
                    a = normalize(alias)
                    if a and re.search(rf"\b{re.escape(a)}\b", said) and len(a) > best_len:
                        best, best_len = board.id, len(a)
        if best is None:   # a misheard name: "edexel", "o see are"
            for unit in self.store.units:
                for board in unit.boards.values():
                    for alias in board.aliases:
                        if fuzz.partial_ratio(normalize(alias), said) >= 85 and len(alias) > 3:
                            return board.id
        return best

    def on_board(self, topic_id: str, board: str | None) -> bool:
        return board is None or board in self.store.topics[topic_id].boards

    # starting a round -----------------------------------------------------------------------

    def scope_of(self, words: str | None, resolve_topic: Callable[[str], str | None]) -> tuple[str, str | None]:
        """("wrong"|"all"|"topic", topic id) from what followed "quiz me on"."""
        said = normalize(words or "")
        if not said:
            return "all", None
        if _WRONG_SCOPE.search(said):
            return "wrong", None
        if _ALL_SCOPE.match(said):
            return "all", None
        for unit in self.store.units:
            title = normalize(re.sub(r",?\s*\d{4}.*$", "", unit.title))
            if fuzz.ratio(title, said) >= 80 or said in (normalize(unit.id), title):
                return "all", None
        topic = resolve_topic(said)
        return ("topic", topic) if topic else ("unknown", None)

    def start(self, scope: str, topic_id: str | None, user: str | None, state: dict) -> Step:
        board = self.board(user, state)
        records = self._records(user)
        if scope == "unknown":
            s = self.speech().say("Sorry, I don't know that topic. You could say: quiz me on "
                                  f"{self._any_title()}, or just: quiz me.")
            return Step(s, self.speech().say("What would you like a quiz on?"), mode="fallback")
        if scope == "topic" and not self.on_board(topic_id, board):
            title = in_sentence(self.store.topics[topic_id])
            s = self.speech().say(f"{title[0].upper() + title[1:]} isn't part of the {self.board_name(board)} course, so I won't "
                                  "quiz you on it. Say quiz me to practise your own topics.")
            return Step(s, self.speech().say("Would you like a quiz on your course?"), mode="quiz_refused")
        candidates = [i for i in self.items.values() if self.on_board(i.topic, board)]
        if scope == "topic":
            candidates = [i for i in candidates if i.topic == topic_id]
            label = in_sentence(self.store.topics[topic_id])
        elif scope == "wrong":
            candidates = [i for i in candidates if records.get(i.id) and records[i.id].last_grade in ("wrong", "partly")]
            label = "what you got wrong"
            if not candidates:
                s = self.speech().say("You haven't got anything wrong yet, so there's nothing to go over. "
                                      "Say quiz me for a new quiz.")
                return Step(s, self.speech().say("Would you like a quiz?"), mode="quiz_empty")
        else:
            label = self._unit_label()
        chosen = pick_round(order_items(candidates, records, self.clock(), self.rng))
        quiz = {"ids": [i.id for i in chosen], "n": 0, "right": 0, "partly": 0, "wrong": 0,
                "scope": scope, "topic": topic_id}
        s = self.speech().say(f"Here's a quiz on {label}: {len(chosen)} questions.")
        s.say("Answer out loud; for multiple choice say A, B or C.").pause(400)
        return self._ask(quiz, s)

    def _ask(self, quiz: dict, s: Speech) -> Step:
        item = self.items[quiz["ids"][quiz["n"]]]
        asked = ask(self.store, item, self.rng)
        quiz["asked"] = asked
        s.say(f"Question {quiz['n'] + 1}.").say(asked["text"])
        reprompt = self.speech().say(asked["text"])
        return Step(s, reprompt, state={"mode": "quiz", "quiz": quiz}, topic=item.topic)

    # answering ------------------------------------------------------------------------------

    def answer(self, text: str, user: str | None, state: dict) -> Step:
        quiz = dict(state["quiz"])
        asked = quiz["asked"]
        item = self.items.get(asked["id"])
        if item is None:   # content changed under a live session
            return self.stop(state, end_session=False)
        grade = self.grader.grade(item, asked, text)
        if user and self.progress:
            now = self.clock()
            self.progress.update_item(user, item.id, item.topic, lambda rec: review(rec, grade.result, now))
        quiz[grade.result] += 1
        quiz["n"] += 1
        s = self.speech().say(grade.said).pause(500)
        if quiz["n"] >= len(quiz["ids"]):
            return self._finish(quiz, s)
        return self._ask(quiz, s)

    def _finish(self, quiz: dict, s: Speech) -> Step:
        total = len(quiz["ids"])
        score = quiz["right"] + 0.5 * quiz["partly"]
        shown = f"{score:g}"
        s.say(f"That's the end of the quiz. You scored {shown} out of {total}: {quiz['right']} right, "
              f"{quiz['partly']} partly right and {quiz['wrong']} wrong.")
        if quiz["wrong"] or quiz["partly"]:
            s.say("Say quiz me on what I got wrong to go over the ones you missed, or ask me anything.")
        else:
            s.say("Well done! Say quiz me for another round, or ask me anything.")
        return Step(s, self.speech().say("Would you like another quiz, or to ask a question?"),
                    state={"mode": None, "quiz": None, "last_score": [score, total]}, mode="quiz_end",
                    card_title="Quiz score", card_text=f"{shown} out of {total}")

    def skip(self, user: str | None, state: dict) -> Step:
        return self.answer("", user, state)

    def stop(self, state: dict, end_session: bool = True) -> Step:
        quiz = state.get("quiz") or {}
        asked = quiz.get("n", 0)
        s = self.speech()
        if asked:
            score = quiz["right"] + 0.5 * quiz["partly"]
            s.say(f"Quiz stopped. You scored {score:g} out of {asked}.")
        else:
            s.say("Quiz stopped.")
        s.say("Goodbye, and good luck with your revision." if end_session else "What would you like to do next?")
        return Step(s, None if end_session else self.speech().say("What would you like to do next?"),
                    state={"mode": None, "quiz": None}, mode="end" if end_session else "quiz_end",
                    end_session=end_session)

    def pardon(self, state: dict) -> Step:
        """Nothing usable was heard (the platform's fallback): ask again rather than mark it wrong."""
        asked = (state.get("quiz") or {}).get("asked") or {}
        s = self.speech().say("Sorry, I didn't catch that.")
        if asked.get("options"):
            s.say("Say A, B or C, or skip.")
        s.say(asked.get("text") or "")
        return Step(s, self.speech().say(asked.get("text") or "What's your answer?"), mode="quiz")

    def help(self, state: dict) -> Step:
        asked = (state.get("quiz") or {}).get("asked") or {}
        s = self.speech().say("We're in a quiz. Answer out loud; for multiple choice, say A, B or C. "
                              "Say skip to pass, repeat to hear it again, or stop to finish.")
        if asked.get("text"):
            s.pause(300).say(asked["text"])
        return Step(s, self.speech().say(asked.get("text") or "What's your answer?"), mode="help")

    # progress -------------------------------------------------------------------------------

    def report(self, user: str | None, state: dict) -> Step:
        if not (user and self.progress):
            s = self.speech().say("I can only keep track of your progress when I know who you are, "
                                  "and here I don't.")
            last = state.get("last_score")
            if last:
                s.say(f"In your last quiz you scored {last[0]:g} out of {last[1]}.")
            return Step(s, self.speech().say("Would you like a quiz?"), mode="progress")
        records = self.progress.items(user)
        board = self.progress.profile(user).board
        if not records:
            s = self.speech().say("You haven't answered any quiz questions yet. Say quiz me to start.")
            return Step(s, self.speech().say("Would you like a quiz?"), mode="progress")
        by_topic: dict[str, list[int]] = {}
        for rec in records.values():
            if rec.topic not in self.store.topics:
                continue
            t = by_topic.setdefault(rec.topic, [0, 0, 0])
            t[0] += rec.right
            t[1] += rec.partly
            t[2] += rec.wrong
        now = self.clock()
        due = sum(1 for r in records.values() if r.due and _due(r) <= now and r.topic in self.store.topics)
        right, partly, wrong = (sum(t[i] for t in by_topic.values()) for i in range(3))
        total = right + partly + wrong
        s = self.speech().say(f"You've answered {total} quiz question{'s' if total != 1 else ''} on "
                              f"{len(by_topic)} topic{'s' if len(by_topic) != 1 else ''}: {right} right, "
                              f"{partly} partly right and {wrong} wrong.")

        def share(t):
            return (t[0] + 0.5 * t[1]) / max(sum(t), 1)

        ranked = sorted(by_topic, key=lambda k: (-share(by_topic[k]), k))
        lines = []
        for tid in ranked:
            t = by_topic[tid]
            lines.append(f"{in_sentence(self.store.topics[tid])}: {t[0]} right, {t[1]} partly, {t[2]} wrong")
        for tid in ranked[:4]:
            t = by_topic[tid]
            s.say(f"On {in_sentence(self.store.topics[tid])}, {t[0]} right out of {sum(t)}.")
        if len(ranked) > 1 and share(by_topic[ranked[-1]]) < share(by_topic[ranked[0]]):
            s.say(f"The one to work on is {in_sentence(self.store.topics[ranked[-1]])}.")
        if due:
            s.say(f"{due} question{'s are' if due != 1 else ' is'} due for review: say quiz me to do "
                  f"{'them' if due != 1 else 'it'}.")
        if board:
            s.say(f"You're studying {self.board_name(board)}.")
        return Step(s, self.speech().say("Would you like a quiz?"), mode="progress",
                    card_title="Your progress", card_text="\n".join(lines))

    # helpers --------------------------------------------------------------------------------

    def _unit_label(self) -> str:
        unit = self.store.units[0] if self.store.units else None
        return re.sub(r",?\s*\d{4}.*$", "", unit.title) if unit else "everything"

    def _any_title(self) -> str:
        return self.rng.choice(sorted(in_sentence(t) for t in self.store.topics.values()))
