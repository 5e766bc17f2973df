"""The Dialogflow ES and CX webhooks: fixtures, response contract, follow-ups, auth, bad input."""
from __future__ import annotations

import base64
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from dialogflow_contract import check_cx, check_es
from skill.dialogflow import STATE_CONTEXT, DialogflowConfigError
from skill.speech import spoken_ranges
from skill.web import create_app

from conftest import SHARED

FIXTURES = SHARED / "fixtures" / "dialogflow"
SESSION = "projects/history-revision/agent/sessions/abc123"
CX_SESSION = "projects/p/locations/global/agents/a/sessions/abc123"
CX_PAGE = "projects/p/locations/global/agents/a/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# production mode also needs the Alexa side configured; these tests are about Dialogflow
OPEN = {"dialogflow_user": "", "dialogflow_password": "", "dialogflow_header": "", "production": "0",
        "allow_open_dialogflow": "0", "alexa_skill_id": "amzn1.ask.skill.test", "alexa_verify": "1"}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A progress database of these tests' own, not the developer's."""
    return "sqlite:///" + str(tmp_path_factory.mktemp("progress") / "progress.sqlite3")


@pytest.fixture(scope="module")
def make_app(store, database):
    return lambda **config: create_app(OPEN | {"store": store, "database_url": database} | config)


@pytest.fixture(scope="module")
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def lead(store, topic: str, facet: str) -> str:
    return spoken_ranges(store.answer(topic, facet).lead)


def es_request(text: str = "", intent: str = "Default Fallback Intent", parameters: dict | None = None,
               state: dict | None = None) -> dict:
    contexts = []
    if state is not None:
        contexts.append({"name": f"{SESSION}/contexts/{STATE_CONTEXT}", "lifespanCount": 19,
                         "parameters": state})
    return {"responseId": "r-1", "session": SESSION,
            "queryResult": {"queryText": text, "languageCode": "en", "parameters": parameters or {},
                            "intent": {"name": "projects/history-revision/agent/intents/x", "displayName": intent},
                            "intentDetectionConfidence": 0.9, "outputContexts": contexts},
            "originalDetectIntentRequest": {"source": "DIALOGFLOW_CONSOLE", "payload": {}}}


def cx_request(text: str = "", intent: str | None = None, parameters: dict | None = None,
               session_parameters: dict | None = None) -> dict:
    body = {"detectIntentResponseId": "d-1", "languageCode": "en", "text": text,
            "pageInfo": {"currentPage": CX_PAGE, "displayName": "Start Page"},
            "sessionInfo": {"session": CX_SESSION, "parameters": session_parameters or {}}}
    if intent:
        body["intentInfo"] = {"lastMatchedIntent": "projects/p/intents/x", "displayName": intent,
                              "parameters": parameters or {}, "confidence": 0.9}
    return body


def state_of(es_response: dict) -> dict:
    (context,) = [c for c in es_response["outputContexts"] if c["name"].endswith("/" + STATE_CONTEXT)]
    return context["parameters"]


def through_protobuf(value):
    """What Dialogflow hands back after storing a value in a protobuf Struct: every number a float."""
    return json.loads(json.dumps(value), parse_int=float)


# --- the shared fixtures --------------------------------------------------------------------------

def test_es_fixture_gets_the_right_answer(client, store):
    response = client.post("/dialogflow/es", json=fixture("es_request.json"))
    assert response.status_code == 200
    body = response.get_json()
    check_es(body)
    assert lead(store, "great-leap-forward", "why") in body["fulfillmentText"]
    state = state_of(body)
    assert (state["topic"], state["facet"]) == ("great-leap-forward", "why")
    assert body["outputContexts"][0]["name"] == fixture("es_request.json")["session"] + "/contexts/" + STATE_CONTEXT


def test_cx_fixture_gets_the_right_answer(client, store):
    response = client.post("/dialogflow/cx", json=fixture("cx_request.json"))
    assert response.status_code == 200
    body = response.get_json()
    check_cx(body)
    text = body["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
    assert lead(store, "great-leap-forward", "why") in text
    params = body["sessionInfo"]["parameters"]
    assert (params["topic"], params["facet"]) == ("great-leap-forward", "why")


def test_expected_fixture_responses_pass_the_contract_checks():
    # the checks accept what the platform documents: the shared example responses
    check_es(fixture("es_response.json"))
    check_cx(fixture("cx_response.json"))


# --- ES -------------------------------------------------------------------------------------------

def test_es_answer_carries_text_ssml_and_state(client, store):
    body = client.post("/dialogflow/es", json=es_request(
        "when did the cultural revolution start", "WhenIntent", {"topic_said": "cultural-revolution"})).get_json()
    check_es(body)
    text = body["fulfillmentText"]
    assert body["fulfillmentMessages"][0]["text"]["text"] == [text]
    speech = body["fulfillmentMessages"][1]["telephonySynthesizeSpeech"]["ssml"]
    simple = body["payload"]["google"]["richResponse"]["items"][0]["simpleResponse"]
    assert simple["textToSpeech"] == speech and speech.startswith("<speak>")
    assert body["payload"]["google"]["expectUserResponse"] is True
    assert lead(store, "cultural-revolution", "when") in text
    assert state_of(body)["topic"] == "cultural-revolution" and state_of(body)["facet"] == "when"


def test_es_follow_up_without_a_topic_is_answered_from_the_context(client, store):
    first = client.post("/dialogflow/es", json=es_request(
        "why was the great leap forward introduced", "WhyIntent", {"topic_said": "great-leap-forward"})).get_json()
    # Dialogflow stores the context and sends it back; an empty intent parameter is merged into it
    state = through_protobuf(state_of(first)) | {"topic_said": "", "topic_said.original": ""}
    follow = client.post("/dialogflow/es", json=es_request(
        "what were its effects", "EffectsIntent", {"topic_said": ""}, state=state)).get_json()
    check_es(follow)
    assert lead(store, "great-leap-forward", "effects") in follow["fulfillmentText"]
    assert state_of(follow)["facet"] == "effects"
    assert "topic_said" not in state_of(follow)


def test_es_free_text_follow_up_through_the_fallback_intent(client, store):
    first = client.post("/dialogflow/es", json=es_request("tell me about the hundred flowers campaign")).get_json()
    assert state_of(first)["topic"] == "hundred-flowers-campaign"
    follow = client.post("/dialogflow/es", json=es_request(
        "who was involved", state=through_protobuf(state_of(first)))).get_json()
    assert lead(store, "hundred-flowers-campaign", "who") in follow["fulfillmentText"]


def test_es_more_continues_where_the_answer_stopped(client, store):
    first = client.post("/dialogflow/es", json=es_request(
        "", "WhyIntent", {"topic_said": "great-leap-forward"})).get_json()
    assert "Would you like to hear more?" in first["fulfillmentText"]
    more = client.post("/dialogflow/es", json=es_request(
        "yes", "YesIntent", state=through_protobuf(state_of(first)))).get_json()
    points = store.answer("great-leap-forward", "why").points
    # the speech layer may lower-case a point's first word after "Fourth,", so compare the rest
    assert spoken_ranges(points[3].text).split(" ", 1)[1] in more["fulfillmentText"]
    assert spoken_ranges(points[0].text).split(" ", 1)[1] not in more["fulfillmentText"]


def test_es_welcome_help_repeat_and_goodbye(client):
    welcome = client.post("/dialogflow/es", json=es_request("GOOGLE_ASSISTANT_WELCOME", "Default Welcome Intent")).get_json()
    check_es(welcome)
    assert welcome["fulfillmentText"].startswith("Welcome to History Revision")
    help_ = client.post("/dialogflow/es", json=es_request("help", "HelpIntent", state=state_of(welcome))).get_json()
    assert "You can ask me about" in help_["fulfillmentText"]
    again = client.post("/dialogflow/es", json=es_request("say that again", "RepeatIntent",
                                                          state=through_protobuf(state_of(help_)))).get_json()
    assert again["fulfillmentText"] == help_["fulfillmentText"]
    bye = client.post("/dialogflow/es", json=es_request("stop", "StopIntent", state=state_of(again))).get_json()
    check_es(bye)
    assert bye["payload"]["google"]["expectUserResponse"] is False
    assert bye["outputContexts"][0]["lifespanCount"] == 0
    assert "Goodbye" in bye["fulfillmentText"]


def test_es_unanswerable_question_gets_the_fallback(client):
    body = client.post("/dialogflow/es", json=es_request("what is the capital of peru")).get_json()
    check_es(body)
    assert body["fulfillmentText"].startswith("Sorry, I don't have an answer for that")
    assert "topic" not in state_of(body)


def test_es_free_question_intent_uses_its_parameter_when_query_text_is_an_event(client, store):
    body = client.post("/dialogflow/es", json=es_request(
        "GOOGLE_ASSISTANT_WELCOME", "AskQuestionIntent",
        {"question_said": "what were the effects of the korean war"})).get_json()
    assert lead(store, "korean-war", "effects") in body["fulfillmentText"]


def test_es_state_passes_through_untouched_keys(client):
    body = client.post("/dialogflow/es", json=es_request(
        "why did the sino-soviet split happen", state={"x_other": {"round": 2.0, "asked": ["a", "b"]}})).get_json()
    assert state_of(body)["x_other"] == {"round": 2, "asked": ["a", "b"]}


def test_es_unusable_state_is_dropped_not_a_500(client, store):
    body = client.post("/dialogflow/es", json=es_request(
        "tell me more", "MoreIntent", state={"topic": "great-leap-forward", "facet": "why", "next": "lots"}))
    assert body.status_code == 200
    check_es(body.get_json())


# --- CX -------------------------------------------------------------------------------------------

def test_cx_intent_with_parameters_answers_and_sets_session_parameters(client, store):
    body = client.post("/dialogflow/cx", json=cx_request(
        "what caused the korean war", "WhyIntent",
        {"topic_said": {"originalValue": "the korean war", "resolvedValue": "korean-war"}})).get_json()
    check_cx(body)
    messages = body["fulfillmentResponse"]["messages"]
    assert lead(store, "korean-war", "why") in messages[0]["text"]["text"][0]
    assert messages[1]["outputAudioText"]["ssml"].startswith("<speak>")
    assert body["sessionInfo"]["parameters"]["topic"] == "korean-war"


def test_cx_follow_up_from_session_parameters_and_removed_keys_are_nulled(client, store):
    first = client.post("/dialogflow/cx", json=cx_request("why was the great leap forward introduced")).get_json()
    params = through_protobuf(first["sessionInfo"]["parameters"])
    assert params["pending"] == "more"
    follow = client.post("/dialogflow/cx", json=cx_request(
        "what were its effects", "EffectsIntent", {}, params | {"topic_said": None})).get_json()
    check_cx(follow)
    assert lead(store, "great-leap-forward", "effects") in follow["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
    # "more" is still pending after a long answer; after "no" the key is dropped, so CX must be told
    no = client.post("/dialogflow/cx", json=cx_request(
        "no", "NoIntent", {}, through_protobuf(follow["sessionInfo"]["parameters"]))).get_json()
    assert no["sessionInfo"]["parameters"]["pending"] is None
    assert no["sessionInfo"]["parameters"]["topic"] == "great-leap-forward"


def test_cx_welcome_and_goodbye_ends_the_session(client):
    welcome = client.post("/dialogflow/cx", json=cx_request("hi", "Default Welcome Intent")).get_json()
    check_cx(welcome)
    assert "Welcome" in welcome["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
    bye = client.post("/dialogflow/cx", json=cx_request(
        "goodbye", "StopIntent", {}, {"topic": "korean-war", "facet": "why"})).get_json()
    check_cx(bye)
    assert bye["targetPage"].endswith("/pages/END_SESSION")
    assert bye["sessionInfo"]["parameters"]["topic"] is None


def test_cx_no_match_event_uses_the_tag_and_the_words(client, store):
    body = cx_request("what happened during the cultural revolution")
    body["triggerEvent"] = "sys.no-match-default"
    body["fulfillmentInfo"] = {"tag": "Default Fallback Intent"}
    answer = client.post("/dialogflow/cx", json=body).get_json()
    assert lead(store, "cultural-revolution", "features") in answer["fulfillmentResponse"]["messages"][0]["text"]["text"][0]


# --- authentication -------------------------------------------------------------------------------

def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def locked(make_app):
    return make_app(dialogflow_user="df", dialogflow_password="pä55",
                    dialogflow_header="X-Revision-Key: k3y", production="1").test_client()


@pytest.mark.parametrize("path", ["/dialogflow/es", "/dialogflow/cx"])
@pytest.mark.parametrize("headers", [
    {},
    basic("df", "pä55"),                                   # header missing
    {"X-Revision-Key": "k3y"},                              # basic missing
    basic("df", "wrong") | {"X-Revision-Key": "k3y"},
    basic("DF", "pä55") | {"X-Revision-Key": "k3y"},
    basic("df", "pä55") | {"X-Revision-Key": "k3y "},
    basic("df", "pä55") | {"X-Revision-Key": "K3Y"},
    {"Authorization": "Basic !!!notbase64", "X-Revision-Key": "k3y"},
    {"Authorization": "Bearer abc", "X-Revision-Key": "k3y"},
    {"Authorization": "Basic " + base64.b64encode(b"dfpa55").decode(), "X-Revision-Key": "k3y"},
])
def test_bad_credentials_get_401_and_no_answer(locked, path, headers):
    body = fixture("es_request.json") if path.endswith("es") else fixture("cx_request.json")
    response = locked.post(path, json=body, headers=headers)
    assert response.status_code == 401
    assert "fulfillmentText" not in response.get_json() and "fulfillmentResponse" not in response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", ["/dialogflow/es", "/dialogflow/cx"])
def test_good_credentials_are_answered(locked, path):
    body = fixture("es_request.json") if path.endswith("es") else fixture("cx_request.json")
    response = locked.post(path, json=body, headers=basic("df", "pä55") | {"x-revision-key": "k3y"})
    assert response.status_code == 200


def test_header_only_credentials(make_app):
    client = make_app(dialogflow_header="X-Key:  v a l", production="1").test_client()
    assert client.post("/dialogflow/es", json=fixture("es_request.json")).status_code == 401
    assert client.post("/dialogflow/es", json=fixture("es_request.json"), headers={"X-Key": "v a l"}).status_code == 200
    # credentials are checked before the body is even read
    assert client.post("/dialogflow/es", data="not json").status_code == 401


@pytest.mark.parametrize("config, message", [
    ({"production": "1"}, "no credentials in production"),
    ({"production": "1", "allow_open_dialogflow": "0"}, "no credentials in production"),
    ({"dialogflow_user": "df"}, "both"),
    ({"dialogflow_password": "x"}, "both"),
    ({"dialogflow_header": "no-colon"}, "Name: value"),
    ({"dialogflow_header": "Bad Name: v"}, "Name: value"),
    ({"dialogflow_header": "X-Key:"}, "Name: value"),
])
def test_unsafe_or_malformed_settings_refuse_to_start(make_app, config, message):
    with pytest.raises(DialogflowConfigError, match=message):
        make_app(**config)


def test_open_webhooks_in_production_only_when_explicitly_allowed(make_app):
    client = make_app(production="1", allow_open_dialogflow="1").test_client()
    assert client.post("/dialogflow/es", json=fixture("es_request.json")).status_code == 200


# --- malformed bodies -----------------------------------------------------------------------------

@pytest.mark.parametrize("path, data", [
    ("/dialogflow/es", b""),
    ("/dialogflow/es", b"{not json"),
    ("/dialogflow/es", b"\xff\xfe\x00"),
    ("/dialogflow/es", b"[]"),
    ("/dialogflow/es", b"\"text\""),
    ("/dialogflow/es", b"{}"),
    ("/dialogflow/es", json.dumps({"session": SESSION}).encode()),
    ("/dialogflow/es", json.dumps({"session": SESSION, "queryResult": "why"}).encode()),
    ("/dialogflow/es", json.dumps({"session": 5, "queryResult": {}}).encode()),
    ("/dialogflow/es", json.dumps({"session": " ", "queryResult": {}}).encode()),
    ("/dialogflow/es", json.dumps({"session": SESSION, "queryResult": {"queryText": 7}}).encode()),
    ("/dialogflow/es", json.dumps({"session": SESSION, "queryResult": {"outputContexts": {}}}).encode()),
    ("/dialogflow/es", json.dumps({"session": SESSION, "queryResult": {"intent": []}}).encode()),
    ("/dialogflow/es", json.dumps({"session": SESSION, "queryResult": {"parameters": "x"}}).encode()),
    ("/dialogflow/cx", b""),
    ("/dialogflow/cx", b"null"),
    ("/dialogflow/cx", b"{}"),
    ("/dialogflow/cx", json.dumps({"text": ["why"]}).encode()),
    ("/dialogflow/cx", json.dumps({"text": "why", "sessionInfo": []}).encode()),
    ("/dialogflow/cx", json.dumps({"text": "why", "sessionInfo": {"parameters": "x"}}).encode()),
    ("/dialogflow/cx", json.dumps({"text": "why", "intentInfo": "WhyIntent"}).encode()),
    ("/dialogflow/cx", json.dumps({"text": "why", "intentInfo": {"parameters": []}}).encode()),
])
def test_malformed_bodies_get_400(client, path, data):
    response = client.post(path, data=data, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "Bad Request"


def test_oversized_body_gets_413(client):
    huge = es_request("why " * 20000)
    assert client.post("/dialogflow/es", json=huge).status_code == 413


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/dialogflow/es", "/dialogflow/cx"]),
       field=st.sampled_from(["session", "queryResult", "queryResult.queryText", "queryResult.intent",
                              "queryResult.intent.displayName", "queryResult.parameters",
                              "queryResult.parameters.topic_said", "queryResult.outputContexts",
                              "queryResult.outputContexts.0.parameters", "queryResult.outputContexts.0.name",
                              "queryResult.outputContexts.0.parameters.next",
                              "queryResult.outputContexts.0.parameters.last",
                              "queryResult.outputContexts.0.parameters.topic",
                              "queryResult.languageCode", "originalDetectIntentRequest",
                              "text", "intentInfo", "intentInfo.displayName", "intentInfo.parameters",
                              "intentInfo.parameters.event", "sessionInfo", "sessionInfo.parameters",
                              "sessionInfo.parameters.topic", "sessionInfo.parameters.next",
                              "fulfillmentInfo", "pageInfo", "payload", "languageCode"]),
       value=json_values)
def test_any_value_in_any_field_is_answered_or_refused_never_a_500(client, path, field, value):
    body = copy.deepcopy(fixture("es_request.json") if path.endswith("es") else fixture("cx_request.json"))
    if path.endswith("es"):
        # make the fixture's context our state context, so the state is fuzzed too
        body["queryResult"]["outputContexts"][0]["name"] = f"{body['session']}/contexts/{STATE_CONTEXT}"
    node = body
    for key in field.split(".")[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    last = field.split(".")[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    response = client.post(path, json=body)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        (check_es if path.endswith("es") else check_cx)(response.get_json())
