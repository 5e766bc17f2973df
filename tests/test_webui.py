"""The web page's JSON API and page routes, through the Flask test client with the real content."""
from __future__ import annotations

import json

import pytest

from skill.dialogue import Dialogue, Turn
from skill.web import create_app


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):
    db = tmp_path_factory.mktemp("webui") / "progress.sqlite3"
    app = create_app({"store": store, "database_url": f"sqlite:///{db}"})
    return app.test_client()


def ask(client, text, state=None, **extra):
    body = {"text": text, "state": state or {}, **extra}
    response = client.post("/api/ask", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- /api/ask: answers --------------------------------------------------------------------------

def test_ask_answers_with_topic_facet_and_the_same_words_as_the_core(client, store):
    got = ask(client, "why was the Great Leap Forward introduced")
    core = Dialogue(store).handle(Turn(kind="text", text="why was the Great Leap Forward introduced"))
    assert (got["topic"], got["facet"]) == ("great-leap-forward", "why")
    assert got["topic_title"] == store.topics["great-leap-forward"].title
    assert got["text"] == core.text and got["speech"] == core.ssml
    assert got["speech"].startswith("<speak>") and got["speech"].endswith("</speak>")
    assert got["mode"] == "answer" and got["end_session"] is False
    assert 0.5 <= got["confidence"] <= 1
    assert got["state"]["topic"] == "great-leap-forward"
    assert set(got) >= {"topic", "facet", "confidence", "speech", "text", "mode", "end_session", "state"}


def test_a_follow_up_without_the_topic_uses_the_returned_state(client):
    first = ask(client, "why was the Great Leap Forward introduced")
    follow = ask(client, "what were its effects", first["state"])
    assert (follow["topic"], follow["facet"]) == ("great-leap-forward", "effects")
    # the same words with no state cannot know which topic "its" is
    alone = client.post("/api/ask", json={"text": "what were its effects"}).get_json()
    assert alone["topic"] != "great-leap-forward" or alone["mode"] != "answer"


def test_more_continues_the_answer_and_repeat_says_it_again(client):
    first = ask(client, "why was the Great Leap Forward introduced")
    assert first["state"].get("pending") == "more"
    more = ask(client, "tell me more", first["state"])
    assert more["topic"] == "great-leap-forward" and more["text"] != first["text"]
    again = ask(client, "repeat that", more["state"])
    assert again["mode"] == "repeat" and again["text"] == more["text"]


def test_stop_ends_the_session_and_returns_an_empty_state(client):
    first = ask(client, "why was the Great Leap Forward introduced")
    bye = ask(client, "stop", first["state"])
    assert bye["end_session"] is True and bye["state"] == {}


def test_something_it_cannot_answer_gets_a_fallback_without_a_topic(client):
    got = ask(client, "what is the capital of peru")
    assert got["mode"] == "fallback" and got["topic"] is None and got["facet"] is None


def test_state_may_be_null_or_left_out(client):
    for body in ({"text": "when was the Korean War"}, {"text": "when was the Korean War", "state": None}):
        response = client.post("/api/ask", json=body)
        assert response.status_code == 200
        assert response.get_json()["topic"] == "korean-war"


def test_an_optional_user_is_accepted(client):
    assert ask(client, "who led the Cultural Revolution", user="web-abc123")["topic"] == "cultural-revolution"


def test_the_text_api_does_not_escape_what_ssml_escapes(client):
    got = ask(client, "what happened <b>during</b> the Great Leap Forward & after")
    assert "<b>" not in got["speech"]


# --- /api/ask: bad requests ---------------------------------------------------------------------

BAD_BODIES = [
    ("not json", "text/plain", 415),
    ('{"text": "hi"}', "application/x-www-form-urlencoded", 415),
    ("", "application/json", 400),
    ("{", "application/json", 400),
    ("\xff\xfe", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ('"why was the great leap forward introduced"', "application/json", 400),
    ("null", "application/json", 400),
    ("{}", "application/json", 400),
    ('{"text": ""}', "application/json", 400),
    ('{"text": "   "}', "application/json", 400),
    ('{"text": 42}', "application/json", 400),
    ('{"text": ["why"]}', "application/json", 400),
    ('{"text": "x", "state": []}', "application/json", 400),
    ('{"text": "x", "state": "topic=great-leap-forward"}', "application/json", 400),
    ('{"text": "x", "user": 7}', "application/json", 400),
    ('{"text": "x", "user": ""}', "application/json", 400),
    (json.dumps({"text": "x", "user": "u" * 129}), "application/json", 400),
    (json.dumps({"text": "why" * 200}), "application/json", 400),
    ('{"text": "x", "state": ' + "[" * 3000 + "]" * 3000 + "}", "application/json", 400),
    (json.dumps({"text": "x", "state": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": {"l": {"m": 1}}}}}}}}}}}}}}),
     "application/json", 400),
]


@pytest.mark.parametrize("state", [
    {"topic": "great-leap-forward", "facet": "why", "next": "abc"},
    {"last": "hello"},
])
def test_a_state_the_dialogue_cannot_use_starts_afresh(client, state):
    response = client.post("/api/ask", json={"text": "what caused the great famine", "state": state})
    assert response.status_code == 200
    got = response.get_json()
    assert (got["topic"], got["facet"]) == ("great-famine", "why")
    assert got["state"].get("last") != "hello" and got["state"].get("next") != "abc"


@pytest.mark.parametrize("body,content_type,status", BAD_BODIES)
def test_bad_bodies_get_a_clear_error_never_a_crash(client, body, content_type, status):
    response = client.post("/api/ask", data=body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body,
                           content_type=content_type)
    assert response.status_code == status
    got = response.get_json()
    assert got["message"] and "Traceback" not in got["message"]


def test_invalid_utf8_is_a_400(client):
    response = client.post("/api/ask", data=b'{"text": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400


def test_a_body_over_the_limit_is_a_413(client):
    response = client.post("/api/ask", data=json.dumps({"text": "x", "state": {"pad": "a" * 70000}}),
                           content_type="application/json")
    assert response.status_code == 413


def test_get_on_the_api_is_a_405(client):
    assert client.get("/api/ask").status_code == 405


# --- /api/content -------------------------------------------------------------------------------

def test_content_lists_every_topic_and_facet_with_word_counts(client, store):
    got = client.get("/api/content").get_json()
    assert got["summary"] == store.summary()
    assert got["facets"] == ["what", "who", "when", "why", "features", "effects"]
    topics = {t["id"]: t for u in got["units"] for t in u["topics"]}
    assert set(topics) == set(store.topics)
    glf = topics["great-leap-forward"]
    assert glf["facets"]["why"]["words"] == store.answer("great-leap-forward", "why").words
    assert glf["facets"]["why"]["points"] == len(store.answer("great-leap-forward", "why").points)
    assert got["units"][0]["title"] == store.units[0].title


def test_content_carries_the_lint_problems_with_file_and_line(client, store):
    from skill.lint import lint_store

    got = client.get("/api/content").get_json()
    problems = [p for u in got["units"] for t in u["topics"] for p in t["problems"]]
    expected = lint_store(store)
    assert len(problems) == len(expected) == got["errors"] + got["warnings"]
    for p, e in zip(sorted(problems, key=lambda p: (p["file"], p["line"], p["field"])),
                    sorted(expected, key=lambda p: (p.file, p.line, p.field))):
        assert (p["line"], p["field"], p["message"], p["severity"]) == (e.line, e.field, e.message, e.severity)
        assert e.file.endswith(p["file"]) and not p["file"].startswith("/")


def test_content_of_a_small_unit_shows_its_lint_errors(tiny_store):
    got = create_app({"store": tiny_store}).test_client().get("/api/content").get_json()
    t = got["units"][0]["topics"][0]
    assert t["file"] == "tiny/grain-plan.yaml" and t["facets"]["what"]["words"] == tiny_store.answer("grain-plan", "what").words > 0
    # the tiny unit's "&" and "1955-57" cannot be spoken well: errors, each with its line
    assert [(p["field"], p["line"], p["severity"]) for p in t["problems"]] == [
        ("facets.what.lead", 9, "error"), ("facets.when.lead", 15, "error")]
    assert (got["errors"], got["warnings"]) == (2, 0)


def test_content_reports_warnings_as_warnings(tmp_path):
    from tests.conftest import TINY_TOPIC, write_unit
    from skill.content import load_store

    topic = TINY_TOPIC.replace("every village & farm", "every village and farm").replace(
        "ran from 1955-57", "ran from 1955 to 1957").replace(
        "Local officials enforced it.", "Local PLA officers enforced it.")
    store = load_store(write_unit(tmp_path, topics={"grain-plan": topic}))
    got = create_app({"store": store}).test_client().get("/api/content").get_json()
    problems = got["units"][0]["topics"][0]["problems"]
    assert [(p["field"], p["severity"]) for p in problems] == [("facets.who.points[0]", "warning")]
    assert "PLA" in problems[0]["message"] and problems[0]["line"] > 0
    assert (got["errors"], got["warnings"]) == (0, 1)


# --- the page -----------------------------------------------------------------------------------

def test_the_page_and_its_files_are_served_with_a_strict_policy(client):
    with client.get("/") as page:       # closing matters: files are streamed
        assert page.status_code == 200 and page.mimetype == "text/html"
        html = page.get_data(as_text=True)
    for asset in ("/static/app.js", "/static/style.css", "/static/icon.svg"):
        assert asset in html
        with client.get(asset) as response:
            assert response.status_code == 200 and response.get_data()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in html          # the policy forbids inline script: none is needed


def test_static_files_outside_the_folder_are_not_served(client):
    for path in ("/static/../webui.py", "/static/%2e%2e/webui.py", "/static/nope.js", "/static/"):
        assert client.get(path).status_code == 404
