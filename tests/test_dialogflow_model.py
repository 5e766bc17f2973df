"""The generated Dialogflow agents: complete, consistent with the catalogue and content, up to date."""
from __future__ import annotations

import json

import pytest

from skill.intents import ALL_INTENTS, BY_NAME
from skill.models import OUTPUT_DIR
from skill.models import dialogflow as model

ES = "dialogflow-es/"
CX = "dialogflow-cx/"


@pytest.fixture(scope="module")
def files(store):
    return model.generate(store)


def load(files, path):
    return json.loads(files[path])


def test_generation_is_deterministic(store, files):
    assert model.generate(store) == files


def test_committed_agents_are_up_to_date(files):
    stale = [p for p, text in files.items()
             if not (OUTPUT_DIR / p).exists() or (OUTPUT_DIR / p).read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m skill build-model`: {stale[:5]}"


def test_every_file_is_json_and_lives_under_its_agent(files):
    for path, text in files.items():
        assert path.startswith((ES, CX))
        json.loads(text)


def test_es_agent_is_a_v2_export_with_a_webhook(files):
    agent = load(files, ES + "agent.json")
    assert agent["onePlatformApiVersion"] == "v2"
    assert agent["language"] == "en"
    assert agent["webhook"]["url"].endswith("/dialogflow/es")


def test_es_intents_cover_the_catalogue_with_training_phrases(files):
    names = {model.display_name(i) for i in model.exported_intents()}
    for intent in ALL_INTENTS:
        if intent.name in ("fallback", "home"):
            continue        # Dialogflow's Default Fallback Intent does that job; no "home" off Alexa
        if intent.samples or intent.text_cues:
            assert model.display_name(intent) in names, intent.name
    for name in names | {model.WELCOME_INTENT, model.FALLBACK_INTENT}:
        data = load(files, ES + f"intents/{name}.json")
        assert data["name"] == name and data["webhookUsed"] is True
    assert load(files, ES + f"intents/{model.FALLBACK_INTENT}.json")["fallbackIntent"] is True
    assert {"name": "WELCOME"} in load(files, ES + f"intents/{model.WELCOME_INTENT}.json")["events"]
    assert load(files, ES + "intents/StopIntent.json")["endInteraction"] is True


def test_es_training_phrases_use_declared_parameters_and_known_topic_values(store, files):
    synonyms = {s.lower() for e in load(files, ES + "entities/topic_entries_en.json") for s in e["synonyms"]}
    for intent in model.exported_intents():
        name = model.display_name(intent)
        declared = {p["name"]: p["dataType"] for p in load(files, ES + f"intents/{name}.json")["responses"][0]["parameters"]}
        says = load(files, ES + f"intents/{name}_usersays_en.json")
        assert len(says) == len(model.phrases(intent)) > 0
        for phrase in says:
            assert "".join(part["text"] for part in phrase["data"]).strip()
            for part in phrase["data"]:
                if part["userDefined"]:
                    assert declared[part["alias"]] == part["meta"]
                    if part["meta"] == "@topic":
                        assert part["text"] in synonyms


def test_topic_entity_lists_every_topic_with_its_aliases(store, files):
    entries = load(files, ES + "entities/topic_entries_en.json")
    assert [e["value"] for e in entries] == sorted(store.topics)
    for entry in entries:
        topic = store.topics[entry["value"]]
        assert topic.spoken_title in entry["synonyms"]
        lowered = [s.lower() for s in entry["synonyms"]]
        assert all(a.lower() in lowered for a in topic.aliases)
        assert len(set(lowered)) == len(lowered)
    cx = load(files, CX + "entityTypes/topic/entities/en.json")["entities"]
    assert [e["value"] for e in cx] == [e["value"] for e in entries]


def test_parameters_are_not_named_like_the_dialogue_state():
    # Dialogflow copies intent parameters into contexts/session parameters, where the state lives
    assert model.INTENT_PARAMETERS and not model.INTENT_PARAMETERS & {"topic", "facet", "next", "pending", "last", "board", "answer"}


def test_cx_package_routes_every_intent_to_the_webhook(files):
    agent = load(files, CX + "agent.json")
    assert agent["startFlow"] == "Default Start Flow" and agent["defaultLanguageCode"] == "en"
    webhook = load(files, CX + f"webhooks/{model.WEBHOOK_NAME}.json")
    assert webhook["genericWebService"]["uri"].endswith("/dialogflow/cx")
    flow = load(files, CX + "flows/Default Start Flow/Default Start Flow.json")
    routed = {r["intent"]: r for r in flow["transitionRoutes"]}
    for intent in model.exported_intents():
        name = model.display_name(intent)
        assert routed[name]["triggerFulfillment"] == {"webhook": model.WEBHOOK_NAME, "tag": name}
        data = load(files, CX + f"intents/{name}/{name}.json")
        phrases = load(files, CX + f"intents/{name}/trainingPhrases/en.json")["trainingPhrases"]
        assert data["numTrainingPhrases"] == len(phrases) > 0
        declared = {p["id"] for p in data.get("parameters", [])}
        used = {part["parameterId"] for p in phrases for part in p["parts"] if "parameterId" in part}
        assert used <= declared
    assert routed["StopIntent"]["targetPage"] == "End Session"
    no_match = [h for h in flow["eventHandlers"] if h["event"] == "sys.no-match-default"]
    assert no_match[0]["triggerFulfillment"]["webhook"] == model.WEBHOOK_NAME
    assert len({r["name"] for r in flow["transitionRoutes"]}) == len(flow["transitionRoutes"])


def test_display_names_map_back_to_catalogue_intents():
    for intent in model.exported_intents():
        assert model.BY_DISPLAY_NAME[model.display_name(intent)] is BY_NAME[intent.name]


@pytest.mark.parametrize("cue, phrases", [
    (r"^(help|help me)$", ["help", "help me"]),
    (r"^(what can (i|you) (say|do))$", ["what can i say", "what can i do", "what can you say", "what can you do"]),
    (r"^(that's all|done)$", ["that's all", "done"]),
    (r"^(more( please)?)$", []),            # optional groups are beyond it: no phrases, not wrong ones
    (r"^(a|b\w)$", []),
    (r"^(a|(b)$", []),
])
def test_expand_cue(cue, phrases):
    assert model.expand_cue(cue) == phrases


def test_no_leftover_files_in_the_committed_agents(files):
    # build-model writes files but never deletes them: an intent dropped from the catalogue would
    # otherwise linger in the export and be imported with the agent
    on_disk = {p.relative_to(OUTPUT_DIR).as_posix() for d in (ES, CX) for p in (OUTPUT_DIR / d).rglob("*") if p.is_file()}
    assert on_disk == {p for p in files}, sorted(on_disk ^ set(files))[:5]
