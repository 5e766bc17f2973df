"""Whole conversations, played through the command line and through the Alexa endpoint.

A simulated student answers the quiz from the content, as a speech recogniser would pass it on: years
in words, letters heard as "bee" or "see", a vowel misheard in a long word. Progress lives in a SQLite
file, and every "restart" is a new process (command line) or a new app (Alexa) on the same file.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from skill.settings import PROJECT_ROOT

TOPIC = "great-leap-forward"
VERDICT = {"right": "Right!", "partly": "Partly right", "wrong": "Not quite"}
HEARD_LETTER = {0: "ay", 1: "bee", 2: "see"}
_YEAR_WORDS = {1958: "nineteen fifty eight", 1959: "nineteen fifty nine", 1970: "nineteen seventy"}


# --- the simulated student ------------------------------------------------------------------------

def question_of(text: str) -> str:
    """The question just asked: what follows the last "Question N." in a reply."""
    found = re.findall(r"Question \d\. (.*?)(?=$)", text)
    assert found, f"no question in: {text}"
    return found[-1]


def mishear(text: str) -> str:
    """The longest word with a vowel changed, as a recogniser might get it ("furnices")."""
    words = text.rstrip(".").split()
    longest = max((w for w in words if w.isalpha()), key=len)
    i = next(k for k in range(1, len(longest)) if longest[k] in "aeiou")
    wrong = "e" if longest[i] != "e" else "a"
    return " ".join(w if w != longest else longest[:i] + wrong + longest[i + 1:] for w in words)


def plan(kind: str, done: list[str]) -> str:
    """The outcome to aim for: partly right and wrong once each, then right (misheard)."""
    if "partly" not in done and kind != "choice":
        return "partly"
    if "wrong" not in done:
        return "wrong"
    return "right"


def answer(store, question: str, done: list[str]) -> tuple[str, str]:
    """(what the student says, the verdict it should get) for a question on TOPIC."""
    facet_of = {"reason": "why", "reasons": "why", "effect": "effects", "effects": "effects",
                "feature": "features", "features": "features"}
    if question.startswith("Which of these"):
        noun = re.match(r"Which of these was (?:a|an) (\w+)", question)[1]
        points = {p.text for p in store.answer(TOPIC, facet_of[noun]).points}
        options = re.search(r"A: (.*) B: (.*) C: (.*)$", question).groups()
        correct = next(i for i, o in enumerate(options) if o in points)
        outcome = plan("choice", done)
        pick = correct if outcome == "right" else (correct + 1) % 3
        return HEARD_LETTER[pick], outcome
    if question.startswith("In what year"):
        outcome = plan("date", done)
        year = {"right": 1958, "partly": 1959, "wrong": 1970}[outcome]
        return _YEAR_WORDS[year], outcome
    m = re.match(r"(?:Give|Name) two (?:key )?(\w+)", question)
    assert m, question
    points = [p.text for p in store.answer(TOPIC, facet_of[m[1]]).points]
    outcome = plan("recall", done)
    if outcome == "wrong":
        return "because of the weather", outcome
    if outcome == "partly":
        return points[1], outcome
    return f"{mishear(points[0])} and {mishear(points[1])}", outcome


def score_of(outcomes: list[str]) -> str:
    return f"{outcomes.count('right') + 0.5 * outcomes.count('partly'):g}"


# --- the command line -----------------------------------------------------------------------------

class Cli:
    """`python -m skill ask --json --conversation --user U --database URL`, one turn at a time."""

    def __init__(self, user: str, database: str):
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "SKILL_DATABASE_URL": "sqlite:////nonexistent/x"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "skill", "ask", "--json", "--conversation", "--user", user,
             "--database", database], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1, env=env, cwd=str(PROJECT_ROOT))

    def say(self, text: str) -> dict:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def close(self) -> None:
        _, err = self.proc.communicate(timeout=60)     # closes stdin: the conversation ends
        assert self.proc.returncode == 0, err


@pytest.fixture
def database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'progress.sqlite3'}"


def play_quiz(store, say) -> list[str]:
    """Answer a five-question round with `say(text) -> (text, mode)`; return the outcomes."""
    text, mode = say("quiz me on the Great Leap Forward")
    assert mode == "quiz" and "5 questions" in text
    outcomes: list[str] = []
    for n in range(5):
        spoken, expected = answer(store, question_of(text), outcomes)
        text, mode = say(spoken)
        assert text.startswith(VERDICT[expected]), (spoken, text)
        outcomes.append(expected)
        if expected != "right":   # the missing point, or the answer
            assert re.search(r"(Another \w+ is|The answer was|It began in|Two \w+ are)", text), text
    assert mode == "quiz_end"
    assert f"You scored {score_of(outcomes)} out of 5" in text
    assert {"right", "partly", "wrong"} <= set(outcomes)
    return outcomes


def test_cli_five_question_quiz_and_progress_after_a_restart(store, database):
    cli = Cli("student-1", database)
    outcomes = play_quiz(store, lambda t: (lambda r: (r["text"], r["mode"]))(cli.say(t)))
    cli.close()
    again = Cli("student-1", database)            # a new process: only the database remembers
    report = again.say("how am I doing?")
    assert report["mode"] == "progress" and report["end_session"] is False
    assert (f"5 quiz questions on 1 topic: {outcomes.count('right')} right, {outcomes.count('partly')} partly "
            f"right and {outcomes.count('wrong')} wrong") in report["text"]
    wrong_round = again.say("quiz me on what I got wrong")
    assert wrong_round["mode"] == "quiz"
    assert f"{outcomes.count('partly') + outcomes.count('wrong')} questions" in wrong_round["text"]
    again.close()
    stranger = Cli("student-2", database)
    assert "haven't answered any" in stranger.say("how am I doing?")["text"]
    stranger.close()


def test_cli_study_guide_interrupted_and_resumed(database):
    cli = Cli("reader", database)
    first = cli.say("read me the study guide on the Great Leap Forward")
    assert first["mode"] == "guide" and "Part 1: What it was." in first["text"]
    assert "Part 2: When it happened." in cli.say("next")["text"]
    bye = cli.say("stop")
    assert bye["end_session"] is True and "saved your place" in bye["text"]
    cli.close()
    later = Cli("reader", database)
    resumed = later.say("carry on with my study guide")
    assert resumed["mode"] == "guide" and "Part 3: Who was involved." in resumed["text"]
    assert "Part 4: Why it happened." in later.say("next")["text"]
    later.close()


def test_cli_follow_up_chain_across_three_facets():
    lines = ["why was the great leap forward introduced", "what were its effects?", "and when was that?",
             "what about the hundred flowers?", "tell me more", "repeat that", "say it slower", "start again"]
    out = subprocess.run([sys.executable, "-m", "skill", "ask", "--json", "--conversation"],
                         input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
                         cwd=str(PROJECT_ROOT), env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert out.returncode == 0, out.stderr
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["topic"], r["facet"]) for r in replies[:4]] == [
        (TOPIC, "why"), (TOPIC, "effects"), (TOPIC, "when"), ("hundred-flowers-campaign", "when")]
    more, repeat, slower, start = replies[4:]
    assert more["topic"] == "hundred-flowers-campaign" and more["text"] != replies[3]["text"]
    assert repeat["mode"] == "repeat" and repeat["text"] == more["text"]
    assert '<prosody rate="slow">' in slower["speech"]
    assert start["text"] == replies[3]["text"]
    assert all(r["end_session"] is False for r in replies)


def test_cli_quiz_command_runs_a_round_in_the_terminal(database):
    out = subprocess.run([sys.executable, "-m", "skill", "quiz", "the marriage law", "--user", "t",
                          "--database", database], input="i don't know\n" * 5, capture_output=True, text=True,
                         timeout=120, cwd=str(PROJECT_ROOT), env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert out.returncode == 0, out.stderr
    assert "Here's a quiz on the Marriage Law" in out.stdout
    assert "You scored 0 out of 5" in out.stdout


def test_cli_bad_database_url_is_a_clear_error():
    out = subprocess.run([sys.executable, "-m", "skill", "ask", "--user", "x", "--database", "mysql://nope",
                          "quiz me"], capture_output=True, text=True, timeout=60, cwd=str(PROJECT_ROOT),
                         env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert out.returncode == 2
    assert "unsupported progress database URL" in out.stderr and "Traceback" not in out.stderr


# --- the Alexa endpoint ---------------------------------------------------------------------------

SKILL_ID = "amzn1.ask.skill.conversation-tests"


def alexa_app(store, database: str):
    from skill.web import create_app
    return create_app({"store": store, "alexa_verify": "0", "alexa_skill_id": SKILL_ID, "database_url": database})


class AlexaSession:
    """One Alexa session against POST /alexa, carrying sessionAttributes as the Alexa service does."""

    def __init__(self, app, user: str):
        self.client = app.test_client()
        self.user = user
        self.attributes: dict = {}
        self.new = True

    def send(self, request: dict) -> dict:
        request = {"requestId": "amzn1.echo-api.request.t", "locale": "en-GB",
                   "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **request}
        body = {"version": "1.0",
                "session": {"new": self.new, "sessionId": "amzn1.echo-api.session.t",
                            "application": {"applicationId": SKILL_ID}, "attributes": self.attributes,
                            "user": {"userId": self.user}},
                "context": {"System": {"application": {"applicationId": SKILL_ID}, "user": {"userId": self.user},
                                       "device": {"deviceId": "d", "supportedInterfaces": {}}}},
                "request": request}
        r = self.client.post("/alexa", json=body)
        assert r.status_code == 200, r.data
        out = r.get_json()
        self.new = False
        self.attributes = out.get("sessionAttributes") or {}
        return out

    def intent(self, name: str, **slots) -> dict:
        return self.send({"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE", "slots": {
            n: (v if isinstance(v, dict) else {"name": n, "value": v}) for n, v in slots.items()}}})


def topic_slot(value: str, topic_id: str) -> dict:
    authority = {"authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.TopicType",
                 "status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"name": value, "id": topic_id}}]}
    return {"name": "topic", "value": value, "resolutions": {"resolutionsPerAuthority": [authority]}}


def said(out: dict) -> str:
    ssml = out["response"]["outputSpeech"]["ssml"]
    ssml = re.sub(r'<sub alias="[^"]*">([^<]*)</sub>', r"\1", ssml)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", ssml).split()))


def ended(out: dict) -> bool:
    return bool(out["response"].get("shouldEndSession"))


def test_alexa_five_question_quiz_and_progress_after_a_server_restart(store, database):
    session = AlexaSession(alexa_app(store, database), "amzn1.ask.account.QUIZ")
    assert "Welcome" in said(session.send({"type": "LaunchRequest"}))

    def say(text):
        if text.startswith("quiz me"):
            out = session.intent("QuizIntent", topic=topic_slot("the great leap forward", TOPIC))
        else:
            out = session.intent("AnswerIntent", answer=text)
        assert not ended(out) and out["response"]["reprompt"]
        return said(out), session.attributes.get("mode") or ("quiz_end" if "scored" in said(out) else None)

    outcomes = play_quiz(store, say)
    restarted = AlexaSession(alexa_app(store, database), "amzn1.ask.account.QUIZ")   # a new server process
    restarted.send({"type": "LaunchRequest"})
    report = said(restarted.intent("ProgressIntent"))
    assert f"5 quiz questions on 1 topic: {outcomes.count('right')} right" in report


def test_alexa_study_guide_interrupted_and_resumed_in_a_new_session(store, database):
    app = alexa_app(store, database)
    user = "amzn1.ask.account.GUIDE"
    first = AlexaSession(app, user)
    first.send({"type": "LaunchRequest"})
    out = first.intent("StudyGuideIntent", topic=topic_slot("the great leap forward", TOPIC))
    assert "Part 1: What it was." in said(out) and not ended(out)
    assert "Part 2: When it happened." in said(first.intent("AMAZON.NextIntent"))
    assert "Part 4: Why it happened." in said(first.intent("SkipIntent"))
    bye = first.intent("AMAZON.StopIntent")
    assert ended(bye) and "saved your place" in said(bye)
    later = AlexaSession(alexa_app(store, database), user)      # another day, another server
    welcome = said(later.send({"type": "LaunchRequest"}))
    assert "Last time you were reading the study guide on the Great Leap Forward" in welcome
    resumed = said(later.intent("ResumeGuideIntent"))
    assert "Part 5: Its key features." in resumed
    assert "Part 4: Why it happened." in said(later.intent("AMAZON.PreviousIntent"))


def test_alexa_follow_up_chain_across_three_facets(store, database):
    s = AlexaSession(alexa_app(store, database), "amzn1.ask.account.FOLLOW")
    s.send({"type": "LaunchRequest"})
    why = said(s.intent("WhyIntent", topic=topic_slot("the great leap forward", TOPIC)))
    assert store.answer(TOPIC, "why").lead in why
    effects = said(s.intent("EffectsIntent"))                   # "what were its effects"
    assert store.answer(TOPIC, "effects").lead[:60] in effects
    when = said(s.intent("WhenIntent"))                         # "and when was that"
    assert store.answer(TOPIC, "when").lead[:60] in when
    switched = s.intent("AskQuestionIntent", question="what about the hundred flowers")
    assert store.answer("hundred-flowers-campaign", "when").lead[:50] in said(switched)
    assert s.attributes["topic"] == "hundred-flowers-campaign" and s.attributes["facet"] == "when"


def test_alexa_exam_board_and_forget_my_progress(store, database):
    s = AlexaSession(alexa_app(store, database), "amzn1.ask.account.FORGET")
    s.send({"type": "LaunchRequest"})
    assert "Got it: OCR" in said(s.intent("SetExamBoardIntent", board="o c r"))
    refused = said(s.intent("QuizIntent", topic=topic_slot("the chinese civil war", "chinese-civil-war")))
    assert "isn't part of the OCR course" in refused
    out = s.intent("QuizIntent", topic=topic_slot("the marriage law", "marriage-law"))
    assert "Question 1." in said(out)
    s.intent("AnswerIntent", answer="i don't know")
    assert "Are you sure" in said(s.intent("ForgetProgressIntent"))
    done = said(s.intent("AMAZON.YesIntent"))
    assert "deleted your progress" in done
    assert "haven't answered any" in said(s.intent("ProgressIntent"))


def test_alexa_fallback_in_a_quiz_asks_again_instead_of_marking_wrong(store, database):
    s = AlexaSession(alexa_app(store, database), "amzn1.ask.account.PARDON")
    s.send({"type": "LaunchRequest"})
    first = said(s.intent("QuizIntent", topic=topic_slot("the marriage law", "marriage-law")))
    question = question_of(first)
    again = s.intent("AMAZON.FallbackIntent")
    assert said(again).startswith("Sorry, I didn't catch that") and question in said(again)
    assert s.attributes["quiz"]["n"] == 0 and not ended(again)
    skipped = said(s.intent("SkipIntent"))
    assert "Question 2." in skipped and s.attributes["quiz"]["wrong"] == 1
