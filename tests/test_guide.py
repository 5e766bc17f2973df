"""Study guides: facet by facet, next/previous/skip/stop, and resuming in a later session."""
from __future__ import annotations

from skill.dialogue import Dialogue, Turn
from skill.guide import HEADINGS, PARTS
from skill.progress import open_repository


def play(dialogue, user, text, state):
    reply = dialogue.handle(Turn(kind="text", text=text, user=user, state=state))
    return reply, ({} if reply.end_session else reply.state)


def part_of(reply) -> str:
    for facet in PARTS:
        if f": {HEADINGS[facet]}." in reply.text:
            return facet
    raise AssertionError(f"no part heading in: {reply.text}")


def test_guide_reads_facet_by_facet_with_pauses_and_prompts(store):
    d = Dialogue(store)
    reply, state = play(d, None, "read me the study guide on the Great Leap Forward", {})
    assert reply.mode == "guide" and part_of(reply) == "what"
    assert store.answer("great-leap-forward", "what").lead in reply.text
    assert '<break time="800ms"/>' in reply.ssml
    assert "Next: when it happened" in reply.text and not reply.end_session
    reply, state = play(d, None, "next", state)
    assert part_of(reply) == "when"
    reply, state = play(d, None, "skip", state)              # skips "who was involved"
    assert part_of(reply) == "why" and "Skipping who was involved" in reply.text
    reply, state = play(d, None, "previous", state)
    assert part_of(reply) == "who"
    reply, state = play(d, None, "repeat", state)
    assert part_of(reply) == "who"
    reply, state = play(d, None, "help", state)
    assert "previous" in reply.text and state["mode"] == "guide"
    reply, state = play(d, None, "carry on", state)           # "more" moves on too
    assert part_of(reply) == "why"
    for expected in ("features", "effects"):
        reply, state = play(d, None, "next", state)
        assert part_of(reply) == expected
    assert "end of the study guide" in reply.text and "quiz" in reply.text
    reply, state = play(d, None, "yes", state)
    assert reply.mode == "quiz" and all(i.startswith("great-leap-forward:") for i in state["quiz"]["ids"])


def test_a_question_in_the_middle_leaves_the_guide(store):
    d = Dialogue(store)
    reply, state = play(d, None, "read me the study guide on the Marriage Law", {})
    reply, state = play(d, None, "why was the great leap forward introduced", state)
    assert reply.mode == "answer" and reply.topic == "great-leap-forward" and "mode" not in state


def test_interrupted_and_resumed_in_a_new_session(store, tmp_path):
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    user = "amzn1.ask.account.GUIDE"
    first = Dialogue(store, progress=open_repository(url))
    reply, state = play(first, user, "read me the study guide on the Hundred Flowers campaign", {})
    reply, state = play(first, user, "next", state)
    assert part_of(reply) == "when"
    reply, state = play(first, user, "stop", state)
    assert reply.end_session and "saved your place" in reply.text and "?" not in reply.text
    # a later session, a new process: nothing in the session state, only the database
    later = Dialogue(store, progress=open_repository(url))
    welcome = later.handle(Turn(kind="launch", user=user))
    assert "Last time you were reading the study guide on the Hundred Flowers Campaign" in welcome.text
    reply, state = play(later, user, "carry on with my study guide", {})
    assert part_of(reply) == "who" and "Carrying on with the study guide" in reply.text
    # someone else has nothing to resume
    reply, _ = play(later, "someone-else", "carry on with my study guide", {})
    assert reply.mode == "guide_none"


def test_finishing_a_guide_clears_the_saved_place(store, tmp_path):
    repo = open_repository(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    d = Dialogue(store, progress=repo)
    reply, state = play(d, "u", "study guide on the Korean War", {})
    for _ in range(len(PARTS) - 1):
        reply, state = play(d, "u", "next", state)
    assert "end of the study guide" in reply.text
    assert repo.profile("u").guide_topic is None


def test_unknown_topic_for_a_guide_gets_a_suggestion(store):
    d = Dialogue(store)
    reply, _ = play(d, None, "read me the study guide on quantum physics", {})
    assert reply.mode == "fallback" and "For example" in reply.text
