"""A real client: virtual-google-assistant (npm) loads the generated ES export and drives the ES
webhook over HTTP, the app served on a free port.

Its quirks (see shared/reference/platforms.md): it matches utterances exactly against the training
phrases and entity synonyms, its queryText is always the welcome event, and it sends no credentials,
so the webhook runs open here (development mode). It tests the export's format and the routing.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from dialogflow_contract import check_es
from conftest import served
from skill.models import OUTPUT_DIR
from skill.settings import PROJECT_ROOT
from skill.speech import spoken_ranges
from skill.web import create_app

JS = PROJECT_ROOT / "tests" / "js" / "google"
NODE = shutil.which("node")


@pytest.fixture(scope="module", autouse=True)
def client_installed():
    # a missing client is a broken set-up, not a reason to skip the real-client test
    if NODE is None or not (JS / "node_modules" / "virtual-google-assistant").is_dir():
        pytest.fail("needs node and `npm ci --prefix tests/js/google` (see .ci/run)")


@pytest.fixture(scope="module")
def webhook_url(store, tmp_path_factory):
    database = "sqlite:///" + str(tmp_path_factory.mktemp("progress") / "progress.sqlite3")
    app = create_app({"store": store, "database_url": database, "dialogflow_user": "", "dialogflow_password": "",
                      "dialogflow_header": "", "production": "0"})
    with served(app) as url:
        yield url + "/dialogflow/es"


def converse(url: str, steps: list[dict]) -> list[dict]:
    done = subprocess.run([NODE, str(JS / "converse.js"), str(OUTPUT_DIR / "dialogflow-es"), url, json.dumps(steps)],
                          capture_output=True, text=True, timeout=120, cwd=JS)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(steps), done.stdout + done.stderr
    for line in lines:
        assert "error" not in line, line
        check_es(line["response"])
    return lines


def lead(store, topic, facet):
    return spoken_ranges(store.answer(topic, facet).lead)


def test_the_export_loads_and_a_question_is_routed_and_answered(store, webhook_url):
    launch, why, follow, more, bye = converse(webhook_url, [
        {"launch": True},
        {"utter": "why was the great leap forward introduced"},
        {"utter": "what were its effects"},
        {"utter": "tell me more"},
        {"utter": "goodbye"},
    ])
    assert launch["intent"] == "Default Welcome Intent"
    assert launch["response"]["fulfillmentText"].startswith("Welcome to History Revision")

    assert why["intent"] == "WhyIntent"
    assert why["parameters"] == {"topic_said": "great-leap-forward"}     # a synonym, resolved to the id
    assert lead(store, "great-leap-forward", "why") in why["response"]["fulfillmentText"]

    # no topic in the words: answered from the context the client sent back
    assert follow["intent"] == "EffectsIntent" and follow["parameters"] == {}
    assert lead(store, "great-leap-forward", "effects") in follow["response"]["fulfillmentText"]

    assert more["intent"] == "MoreIntent"
    points = store.answer("great-leap-forward", "effects").points
    assert spoken_ranges(points[3].text).split(" ", 1)[1] in more["response"]["fulfillmentText"]   # its first word may be lowered

    assert bye["intent"] == "StopIntent"
    assert bye["response"]["payload"]["google"]["expectUserResponse"] is False
    assert bye["response"]["outputContexts"][0]["lifespanCount"] == 0


def test_topic_aliases_reach_the_webhook_as_topic_ids(store, webhook_url):
    topic = store.topics["cultural-revolution"]
    steps = [{"utter": f"when did {alias.lower()} start"} for alias in topic.aliases[:3]]
    for line in converse(webhook_url, steps):
        assert line["intent"] == "WhenIntent"
        assert line["parameters"] == {"topic_said": "cultural-revolution"}
        assert lead(store, "cultural-revolution", "when") in line["response"]["fulfillmentText"]


def test_free_question_intent(store, webhook_url):
    (line,) = converse(webhook_url, [{"utter": "i want to know who led the red guards"}])
    assert line["intent"] == "AskQuestionIntent"
    assert lead(store, "red-guards", "who") in line["response"]["fulfillmentText"]
