"""Quiz: items from the content, spoken answers graded with tolerance, fsrs deciding what comes next."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from skill.dialogue import Dialogue, Turn
from skill.progress import SQLiteRepository
from skill.quiz import ROUND_SIZE, Grader, QuizFlow, ask, build_items, order_items, pick_option, review
from skill.progress import ItemRecord
from skill.speech import Lexicon

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def grader(store):
    return Grader(store)


@pytest.fixture(scope="module")
def items(store):
    return build_items(store)


# --- items ----------------------------------------------------------------------------------------

def test_every_topic_has_recall_choice_and_date_items(store, items):
    for topic_id in store.topics:
        kinds = {i.kind for i in items.values() if i.topic == topic_id}
        assert kinds == {"recall", "choice", "date"}, topic_id


def test_multiple_choice_has_three_options_one_of_them_true(store, items):
    rng = random.Random(4)
    for item in (i for i in items.values() if i.kind == "choice"):
        asked = ask(store, item, rng)
        options = asked["options"]
        assert len(options) == 3 and len(set(options)) == 3, item.id
        true_points = {p.text for p in store.answer(item.topic, item.facet).points}
        assert [o in true_points for o in options].count(True) == 1, item.id
        assert options[asked["correct"]] in true_points
        assert "A: " in asked["text"] and "B: " in asked["text"] and "C: " in asked["text"]


def test_multiple_choice_options_make_sense_on_their_own(store, items):
    from skill.quiz import stands_alone
    assert not stands_alone("The same ruling blamed Mao for the Cultural Revolution.")
    assert not stands_alone("Instead, Mao treated criticism as an attack on himself.")
    assert stands_alone("It banned concubines, bigamy and child betrothal.")
    rng = random.Random(7)
    for item in (i for i in items.values() if i.kind == "choice"):
        points = store.answer(item.topic, item.facet).points
        if not any(stands_alone(p.text) for p in points):
            continue
        options = ask(store, item, rng)["options"]
        assert all(stands_alone(o) for o in options), (item.id, options)


# --- grading: paraphrase and speech-recognition errors --------------------------------------------

# (item, what the student said (as a speech recogniser might hear it), verdict)
RECALL_CASES = [
    ("great-leap-forward:why:recall", "he wanted to overtake britain's industry and distrusted the soviet model", "right"),
    ("great-leap-forward:why:recall", "to over take brittan and because he distrusted the soviet model", "right"),
    ("great-leap-forward:why:recall", "mass enthusiasm could replace machines and he wanted to beat britain", "right"),
    ("great-leap-forward:why:recall", "he distrusted the soviet model", "partly"),
    ("great-leap-forward:why:recall", "because of the weather", "wrong"),
    ("great-leap-forward:why:recall", "i don't know", "wrong"),
    ("great-leap-forward:effects:recall", "there was a famine and grain output fell", "right"),
    ("great-leap-forward:effects:recall", "a great famine killed millions and peng the why was purged", "right"),
    ("great-leap-forward:effects:recall", "dams were built", "partly"),
    ("great-leap-forward:features:recall", "backyard furnaces and communes", "right"),
    ("great-leap-forward:features:recall", "back yard furnaces and the four pests campaign", "right"),
    ("great-leap-forward:features:recall", "people were put in comunes and the for pests campaign", "right"),
    ("great-leap-forward:features:recall", "farming", "wrong"),
    ("collectivisation:why:recall", "private farming was capitalist and the state wanted grain for the towns", "right"),
    ("collectivisation:why:recall", "the party feared rich peasants", "partly"),
    ("great-leap-forward:when:date", "nineteen fifty eight", "right"),
    ("great-leap-forward:when:date", "it was in 1958", "right"),
    ("great-leap-forward:when:date", "fifty nine", "partly"),
    ("great-leap-forward:when:date", "nineteen seventy", "wrong"),
]


@pytest.mark.parametrize("item_id, said, verdict", RECALL_CASES)
def test_spoken_answers_are_graded_against_the_content(grader, items, item_id, said, verdict):
    grade = grader.grade(items[item_id], {}, said)
    assert grade.result == verdict, grade.said


def test_partly_right_names_the_missing_point_and_wrong_gives_the_answer(store, grader, items):
    points = {p.text for p in store.answer("great-leap-forward", "why").points}
    partly = grader.grade(items["great-leap-forward:why:recall"], {}, "he distrusted the soviet model")
    assert partly.said.startswith("Partly right")
    assert any(p in partly.said for p in points - {"He distrusted the Soviet model, with its bureaucrats and experts."})
    wrong = grader.grade(items["great-leap-forward:why:recall"], {}, "because of the weather")
    assert wrong.said.startswith("Not quite") and sum(p in wrong.said for p in points) == 2


OPTIONS = ["Peasants were organised into huge communes.", "Nixon visited Beijing in 1972.",
           "The Red Guards attacked teachers."]


@pytest.mark.parametrize("said, picked", [
    ("a", 0), ("ay", 0), ("hey", 0), ("the first one", 0), ("1", 0), ("option a", 0),
    ("b", 1), ("bee", 1), ("be", 1), ("i think it s b", 1), ("the second one", 1), ("answer 2", 1),
    ("c", 2), ("see", 2), ("sea", 2), ("the last one", 2), ("3", 2),
    ("nixon visited beijing", 1), ("the red guards attacked teachers", 2),
    ("something else entirely", None),
])
def test_multiple_choice_answers_as_heard(said, picked):
    assert pick_option(said, OPTIONS) == picked


# --- scheduling -----------------------------------------------------------------------------------

def test_fixed_clock_a_wrong_item_returns_before_a_right_one(store, items):
    wrong_item, right_item = items["marriage-law:why:recall"], items["korean-war:effects:recall"]
    records = {
        wrong_item.id: review(ItemRecord(wrong_item.id, wrong_item.topic), "wrong", MONDAY),
        right_item.id: review(ItemRecord(right_item.id, right_item.topic), "right", MONDAY),
    }
    assert records[wrong_item.id].due < records[right_item.id].due
    rng = random.Random(0)
    candidates = [right_item, wrong_item]
    # the next day only the wrong one is due; it comes first, ahead of the right one
    tuesday = order_items(candidates, records, MONDAY + timedelta(days=1), rng)
    assert [i.id for i in tuesday] == [wrong_item.id, right_item.id]
    # and through the whole dialogue: a quiz on the next day starts with the item answered wrong
    repo = SQLiteRepository(":memory:")
    clock = Clock(MONDAY)
    for item, rec in records.items():
        repo.update_item("student", item, rec.topic, lambda _old, rec=rec: rec)
    flow = QuizFlow(store, Lexicon(), repo, clock, random.Random(1))
    clock.now = MONDAY + timedelta(days=1)
    step = flow.start("all", None, "student", {})
    assert step.state["quiz"]["ids"][0] == wrong_item.id
    assert len(step.state["quiz"]["ids"]) == ROUND_SIZE


def test_due_items_come_before_new_ones_and_later_ones_last(items):
    a, b, c = items["red-guards:why:recall"], items["korean-war:why:recall"], items["gang-of-four:why:recall"]
    records = {a.id: review(ItemRecord(a.id, a.topic), "right", MONDAY),       # due in 2 days
               c.id: review(ItemRecord(c.id, c.topic), "partly", MONDAY)}      # due in 1 day
    order = order_items([a, b, c], records, MONDAY + timedelta(days=1), random.Random(0))
    assert [i.id for i in order] == [c.id, b.id, a.id]


# --- quizzes through the dialogue -----------------------------------------------------------------

def play(dialogue: Dialogue, user: str | None, text: str, state: dict):
    reply = dialogue.handle(Turn(kind="text", text=text, user=user, state=state))
    return reply, ({} if reply.end_session else reply.state)


def test_exam_board_filter_keeps_other_topics_out(store):
    repo = SQLiteRepository(":memory:")
    d = Dialogue(store, rng=random.Random(3), progress=repo, clock=Clock(MONDAY))
    reply, state = play(d, "sam", "I'm doing OCR", {})
    assert reply.mode == "board" and repo.profile("sam").board == "ocr"
    assert "Chinese Civil War" in reply.text
    reply, state = play(d, "sam", "quiz me on the chinese civil war", state)
    assert reply.mode == "quiz_refused" and "isn't part of the OCR course" in reply.text
    for _ in range(4):      # whole-unit rounds never reach the topic OCR does not cover
        reply, state = play(d, "sam", "quiz me", state)
        assert all(not i.startswith("chinese-civil-war:") for i in state["quiz"]["ids"])
        state = {}


def test_quiz_me_on_what_i_got_wrong(store):
    repo = SQLiteRepository(":memory:")
    d = Dialogue(store, rng=random.Random(5), progress=repo, clock=Clock(MONDAY))
    reply, state = play(d, "kim", "quiz me on what I got wrong", {})
    assert reply.mode == "quiz_empty"
    reply, state = play(d, "kim", "quiz me on the marriage law", {})
    asked = state["quiz"]["ids"]
    for _ in range(ROUND_SIZE):
        reply, state = play(d, "kim", "i don't know", state)
    assert "You scored 0 out of 5" in reply.text
    reply, state = play(d, "kim", "quiz me on what I got wrong", state)
    assert reply.mode == "quiz" and set(state["quiz"]["ids"]) <= set(asked)


def test_how_am_i_doing_summarises_by_topic(store):
    repo = SQLiteRepository(":memory:")
    d = Dialogue(store, rng=random.Random(2), progress=repo, clock=Clock(MONDAY))
    reply, _ = play(d, "lee", "how am I doing?", {})
    assert "haven't answered any" in reply.text
    repo.update_item("lee", "marriage-law:why:recall", "marriage-law",
                     lambda r: review(r, "right", MONDAY))
    repo.update_item("lee", "korean-war:why:recall", "korean-war", lambda r: review(r, "wrong", MONDAY))
    reply, _ = play(d, "lee", "how am I doing?", {})
    assert reply.mode == "progress"
    assert "2 quiz questions on 2 topics: 1 right, 0 partly right and 1 wrong" in reply.text
    assert "The one to work on is the Korean War" in reply.text
    assert "Marriage Law: 1 right" in reply.card_text


def test_forget_my_progress_asks_first_then_deletes(store):
    repo = SQLiteRepository(":memory:")
    d = Dialogue(store, progress=repo, clock=Clock(MONDAY))
    repo.update_item("ana", "marriage-law:why:recall", "marriage-law", lambda r: review(r, "right", MONDAY))
    reply, state = play(d, "ana", "forget my progress", {})
    assert "Are you sure" in reply.text and repo.items("ana")
    reply, state = play(d, "ana", "no", state)
    assert repo.items("ana")
    reply, state = play(d, "ana", "forget my progress", state)
    reply, state = play(d, "ana", "yes", state)
    assert "deleted your progress" in reply.text and repo.items("ana") == {}


def test_stop_during_a_quiz_gives_the_score_so_far(store):
    d = Dialogue(store, rng=random.Random(9))
    reply, state = play(d, None, "quiz me", {})
    reply, state = play(d, None, "no idea", state)
    reply, state = play(d, None, "stop", state)
    assert reply.end_session and "You scored 0 out of 1" in reply.text
    assert "<speak>" in reply.ssml and "?" not in reply.text.split("Goodbye")[-1]
