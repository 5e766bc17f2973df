"""Bad input at every JSON endpoint, health and readiness, request logs, and fuzzing (no 5xx).

The apps here run with Alexa verification off (its own tests cover signatures) so that the fuzzers
reach the adapters and the dialogue, not just the signature check.
"""
from __future__ import annotations

import io
import json
import logging

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from skill.logs import hash_user
from skill.web import MAX_JSON_DEPTH, SORRY, create_app

ENDPOINTS = ["/alexa", "/dialogflow/es", "/dialogflow/cx", "/api/ask"]
LIMIT = 4096

GOOD = {
    "/alexa": {"version": "1.0", "session": {"new": True, "user": {"userId": "amzn1.ask.account.T"}},
               "request": {"type": "IntentRequest", "requestId": "r", "timestamp": "2026-01-01T00:00:00Z",
                           "locale": "en-GB", "intent": {"name": "AMAZON.FallbackIntent"}}},
    "/dialogflow/es": {"session": "projects/p/agent/sessions/s1",
                       "queryResult": {"queryText": "why was the great leap forward introduced",
                                       "intent": {"displayName": "Default Fallback Intent"}}},
    "/dialogflow/cx": {"sessionInfo": {"session": "projects/p/locations/l/agents/a/sessions/s1"},
                       "text": "why was the great leap forward introduced",
                       "fulfillmentInfo": {"tag": "fallback"}},
    "/api/ask": {"text": "why was the great leap forward introduced"},
}


@pytest.fixture(scope="module")
def app(store, tmp_path_factory):
    db = tmp_path_factory.mktemp("hardening") / "progress.sqlite3"
    return create_app({"store": store, "database_url": f"sqlite:///{db}", "alexa_verify": "0",
                       "max_body_bytes": str(LIMIT)})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def broken_client(store):
    # a real progress store that cannot be opened: every quiz turn fails inside the dialogue
    return create_app({"store": store, "database_url": "sqlite:////proc/no-such-dir/progress.sqlite3",
                       "alexa_verify": "0"}).test_client()


def valid_for_platform(path: str, body: dict) -> bool:
    if path == "/alexa":
        return body.get("version") == "1.0" and isinstance(body.get("response"), dict)
    if path == "/dialogflow/es":
        return isinstance(body.get("fulfillmentText"), str) or "fulfillmentMessages" in body or "payload" in body
    if path == "/dialogflow/cx":
        return isinstance(body.get("fulfillmentResponse"), dict)
    return isinstance(body.get("text"), str) and isinstance(body.get("state"), dict)


# --- every bad input, its status -------------------------------------------------------------

BAD = {
    "too large": (b'{"text": "' + b"a" * (LIMIT + 10) + b'"}', "application/json", 413),
    "text/plain": (b'{"text": "hello"}', "text/plain", 415),
    "form": (b"text=hello", "application/x-www-form-urlencoded", 415),
    "no content type": (b'{"text": "hello"}', None, 415),
    "malformed": (b'{"text": ', "application/json", 400),
    "empty": (b"", "application/json", 400),
    "not UTF-8": (b'{"text": "caf\xe9"}', "application/json", 400),
    "UTF-16": ('{"text": "hello"}'.encode("utf-16"), "application/json", 400),
    "deeply nested (recursion)": (b"[" * 2000 + b"]" * 2000, "application/json", 400),
    "nested past the depth cap": (b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
                                  "application/json", 400),
    "a list, not an object": (b"[1, 2, 3]", "application/json", 400),
    "a number": (b"42", "application/json", 400),
    "NaN literal only": (b"NaN", "application/json", 400),
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_its_status_and_a_json_reason(client, path, case):
    data, content_type, status = BAD[case]
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post(path, data=data, headers=headers)
    assert r.status_code == status, (case, r.data[:200])
    body = r.get_json()
    assert body["error"] and body["message"]
    assert "Traceback" not in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_good_request_is_answered_for_its_platform(client, path):
    r = client.post(path, json=GOOD[path])
    assert r.status_code == 200, r.data
    assert valid_for_platform(path, r.get_json())


@pytest.mark.parametrize("path", ENDPOINTS)
def test_charset_parameter_is_accepted(client, path):
    r = client.post(path, data=json.dumps(GOOD[path]), headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_get_on_a_json_endpoint_is_405_not_500(client):
    for path in ENDPOINTS:
        assert client.get(path).status_code == 405


def test_unknown_path_is_a_json_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.get_json()["error"] == "Not Found"


def test_hostile_slot_values_are_bounded_and_escaped(client):
    text = "<audio src='http://evil'/>&" * 100
    r = client.post("/alexa", json={**GOOD["/alexa"], "request": {
        **GOOD["/alexa"]["request"], "intent": {"name": "WhyIntent", "slots": {"topic": {"name": "topic", "value": text}}}}})
    assert r.status_code == 200
    ssml = r.get_json()["response"]["outputSpeech"].get("ssml", "")
    assert "<audio" not in ssml and len(ssml) < 8000


# --- failures inside the dialogue: an apology, never a 500 --------------------------------------

QUIZ = {
    "/alexa": {**GOOD["/alexa"], "context": {"System": {"user": {"userId": "amzn1.ask.account.T"}}},
               "request": {**GOOD["/alexa"]["request"], "intent": {"name": "ProgressIntent"}}},
    "/dialogflow/es": {**GOOD["/dialogflow/es"], "queryResult": {"queryText": "quiz me",
                                                                  "intent": {"displayName": "QuizIntent"}},
                       "originalDetectIntentRequest": {"payload": {"user": {"userId": "x"}}}},
    "/dialogflow/cx": {**GOOD["/dialogflow/cx"], "text": "quiz me", "intentInfo": {"displayName": "QuizIntent"},
                       "payload": {"user": {"userId": "x"}}},
    "/api/ask": {"text": "quiz me", "user": "u1"},
}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_exception_in_the_dialogue_is_a_spoken_apology(broken_client, path, caplog):
    with caplog.at_level(logging.INFO, logger="skill"):
        r = broken_client.post(path, json=QUIZ[path])
    assert r.status_code == 200
    body = r.get_json()
    assert valid_for_platform(path, body)
    assert "Traceback" not in r.get_data(as_text=True)
    if path != "/alexa" or SORRY in r.get_data(as_text=True):   # Alexa's SDK has its own sorry
        assert "Sorry" in r.get_data(as_text=True)
    assert any(rec.levelno >= logging.ERROR for rec in caplog.records)


# --- health and readiness ------------------------------------------------------------------

def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_readyz_checks_content_and_database(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json()["checks"] == {"content": True, "database": True}
    assert r.get_json()["topics"] == 20


def test_readyz_is_503_when_the_database_is_unreachable(broken_client):
    r = broken_client.get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["checks"]["database"] is False and r.get_json()["status"] == "unavailable"


# --- OpenAPI ---------------------------------------------------------------------------------

def test_openapi_is_served_and_describes_every_route(app, client):
    r = client.get("/openapi.yaml")
    assert r.status_code == 200
    spec = yaml.safe_load(r.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    routes = {rule.rule for rule in app.url_map.iter_rules() if "<" not in rule.rule}
    assert routes - {"/"} <= set(spec["paths"]), routes - set(spec["paths"])
    for path in ENDPOINTS:
        assert {"400", "413", "415"} <= set(spec["paths"][path]["post"]["responses"])


# --- request logs --------------------------------------------------------------------------

def test_request_log_line_has_the_fields_and_no_raw_user_id(client, caplog):
    user = "student-with-a-secret-id"
    with caplog.at_level(logging.INFO, logger="skill.requests"):
        r = client.post("/api/ask", json={"text": "why was the great leap forward introduced", "user": user},
                        headers={"X-Request-Id": "abc123"})
    assert r.headers["X-Request-Id"] == "abc123"
    lines = [rec for rec in caplog.records if rec.name == "skill.requests"]
    assert len(lines) == 1
    rec = lines[0]
    assert (rec.request_id, rec.platform, rec.request_type, rec.status) == ("abc123", "web", "ask", 200)
    assert (rec.topic, rec.facet) == ("great-leap-forward", "why")
    assert 0 < rec.confidence <= 1 and rec.latency_ms >= 0
    assert rec.user == hash_user("web:" + user) and user not in json.dumps(rec.__dict__, default=str)


def test_request_id_is_made_up_when_missing_or_hostile(client):
    a = client.get("/healthz").headers["X-Request-Id"]
    b = client.get("/healthz", headers={"X-Request-Id": "bad\x01id"}).headers["X-Request-Id"]
    assert len(a) == 32 and len(b) == 32 and a != b


def test_json_formatter_writes_one_json_object_per_line():
    import io
    from pythonjsonlogger.json import JsonFormatter
    from skill.logs import request_record
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("skill.test-json")
    logger.addHandler(handler)
    try:
        logger.warning("request", extra=request_record(request_id="r1", platform="alexa", method="POST",
                                                       path="/alexa", status=200, latency_ms=1.234,
                                                       body={"request": {"type": "LaunchRequest"}}))
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "r1" and line["request_type"] == "LaunchRequest" and line["latency_ms"] == 1.23


# --- fuzzing: nothing a caller sends gives a 5xx --------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)

# bodies shaped like each platform's, with values anywhere replaced by anything
def platform_shaped(path: str):
    def mutate(base, value, where):
        if isinstance(base, dict) and base:
            keys = sorted(base)
            key = keys[where % len(keys)]
            return {**base, key: mutate(base[key], value, where // 3)} if where % 2 else {**base, key: value}
        return value
    return st.builds(mutate, st.just(GOOD[path]), json_values, st.integers(0, 500))


content_types = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                 "application/x-www-form-urlencoded", "", "application/json; charset=latin-1"])
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])


@pytest.mark.parametrize("path", ENDPOINTS)
@FUZZ
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300)),
       content_type=content_types, extra=st.dictionaries(
           st.sampled_from(["Signature-256", "SignatureCertChainUrl", "Authorization", "X-Request-Id",
                            "Content-Encoding", "Accept"]), header_values, max_size=3))
def test_fuzz_any_body_and_headers_never_5xx(client, path, body, content_type, extra):
    r = client.post(path, data=body, headers={"Content-Type": content_type, **extra})
    assert r.status_code < 500, r.data[:300]
    assert r.is_json
    if r.status_code == 200:
        assert valid_for_platform(path, r.get_json())


@pytest.mark.parametrize("path", ENDPOINTS)
@FUZZ
@given(data=st.data())
def test_fuzz_platform_shaped_bodies_never_5xx(client, path, data):
    body = data.draw(platform_shaped(path))
    r = client.post(path, json=body)
    assert r.status_code < 500, r.data[:300]
    if r.status_code == 200:
        assert valid_for_platform(path, r.get_json())
    else:
        assert r.status_code in (400, 401) and r.get_json()["message"]


def test_alexa_log_line_has_the_same_fields(client, caplog):
    """/alexa is answered outside Flask (skill.web.AlexaWsgi); its log line and headers are the same."""
    body = {**GOOD["/alexa"], "context": {"System": {"user": {"userId": "amzn1.ask.account.T"}}},
            "request": {**GOOD["/alexa"]["request"], "intent": {
        "name": "AskQuestionIntent", "slots": {"question": {"name": "question",
                                                            "value": "why was the great leap forward introduced"}}}}}
    with caplog.at_level(logging.INFO, logger="skill.requests"):
        r = client.post("/alexa", json=body, headers={"X-Request-Id": "alexa-1"})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == "alexa-1"
    assert r.headers["Content-Type"] == "application/json"
    [rec] = [rec for rec in caplog.records if rec.name == "skill.requests"]
    assert (rec.request_id, rec.platform, rec.status) == ("alexa-1", "alexa", 200)
    assert rec.request_type == "IntentRequest:AskQuestionIntent"
    assert (rec.topic, rec.facet, rec.mode) == ("great-leap-forward", "why", "answer")
    assert rec.user == hash_user("amzn1.ask.account.T")
    assert "amzn1.ask.account" not in json.dumps(rec.__dict__, default=str)


def test_alexa_chunked_body_over_the_limit_is_413(client):
    r = client.post("/alexa", input_stream=io.BytesIO(b'{"a": "' + b"x" * (LIMIT + 10) + b'"}'),
                    headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    assert r.status_code == 413
