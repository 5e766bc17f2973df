"""The generated Alexa interaction models: built from content + skill.intents, valid, deterministic, fresh."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from skill.intents import ALL_INTENTS, TOPIC_TYPE
from skill.models import build_all
from skill.models.alexa import LOCALES, generate
from skill.settings import PROJECT_ROOT

REQUIRED_BUILT_INS = {"AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
                      "AMAZON.NavigateHomeIntent"}
# Alexa samples: words, spaces, slot references, possessive apostrophes, abbreviation dots, hyphens
SAMPLE = re.compile(r"^([a-z'.-]+|\{[A-Za-z_]+\})( ([a-z'.-]+|\{[A-Za-z_]+\}))*$")


@pytest.fixture(scope="module")
def files(store):
    return generate(store)


@pytest.fixture(scope="module")
def model(files):
    return json.loads(files["alexa/en-GB.json"])["interactionModel"]["languageModel"]


def test_one_file_per_english_locale(files):
    assert sorted(files) == sorted(f"alexa/{loc}.json" for loc in ("en-GB", "en-US", "en-AU", "en-CA", "en-IN"))
    assert set(LOCALES) == {"en-GB", "en-US", "en-AU", "en-CA", "en-IN"}


def test_generation_is_deterministic(store, files):
    assert generate(store) == files


def test_invocation_name_is_lower_case_words(model):
    assert re.fullmatch(r"[a-z]+( [a-z]+)+", model["invocationName"])


def test_every_catalogue_intent_is_in_the_model_with_its_samples(model):
    by_name = {i["name"]: i for i in model["intents"]}
    assert REQUIRED_BUILT_INS <= set(by_name)
    for item in ALL_INTENTS:
        generated = by_name[item.alexa]
        assert generated["samples"] == list(dict.fromkeys(item.samples))
        assert [(s["name"], s["type"]) for s in generated.get("slots", [])] == list(item.slots)


def test_samples_are_speakable_and_use_only_declared_slots(model):
    seen: dict[str, str] = {}
    for item in model["intents"]:
        declared = {s["name"] for s in item.get("slots", [])}
        for sample in item["samples"]:
            assert SAMPLE.match(sample), sample
            assert set(re.findall(r"\{(\w+)\}", sample)) <= declared, sample
            assert seen.setdefault(sample, item["name"]) == item["name"], f"{sample!r} is in two intents"
        if not item["name"].startswith("AMAZON."):
            assert item["samples"], f"{item['name']} has no samples"


def test_search_query_samples_have_a_carrier_phrase(model):
    for item in model["intents"]:
        queries = {s["name"] for s in item.get("slots", []) if s["type"] == "AMAZON.SearchQuery"}
        for sample in item["samples"]:
            for slot in queries & set(re.findall(r"\{(\w+)\}", sample)):
                rest = sample.replace("{" + slot + "}", "").strip()
                assert rest and "{" not in rest, f"{sample!r}: a SearchQuery needs words around it and no other slot"


def test_topic_values_are_topic_ids_with_aliases_as_synonyms(model, store):
    (topic_type,) = [t for t in model["types"] if t["name"] == TOPIC_TYPE]
    values = {v["id"]: v["name"] for v in topic_type["values"]}
    assert set(values) == set(store.topics)
    forms = [f for name in values.values() for f in (name["value"], *name.get("synonyms", ()))]
    assert len(forms) == len(set(forms)), "a spoken form belongs to one topic only"
    for topic_id, topic in store.topics.items():
        spoken = {values[topic_id]["value"], *values[topic_id].get("synonyms", ())}
        speakable = {a for a in topic.aliases if re.fullmatch(r"[a-z][a-z' .-]*", a)}
        assert speakable - spoken <= _claimed_elsewhere(values, topic_id), topic_id
        assert all(re.fullmatch(r"[a-z][a-z' .-]*", f) for f in spoken)


def _claimed_elsewhere(values: dict, topic_id: str) -> set[str]:
    return {f for tid, name in values.items() if tid != topic_id for f in (name["value"], *name.get("synonyms", ()))}


def test_build_model_check_passes_on_the_committed_files():
    result = subprocess.run([sys.executable, "-m", "skill", "build-model", "--check"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_check_reports_missing_and_stale_files(store, tmp_path):
    missing = build_all(store, check=True, output_dir=tmp_path)
    assert tmp_path / "alexa" / "en-GB.json" in missing
    assert not (tmp_path / "alexa").exists(), "--check must not write"
    build_all(store, output_dir=tmp_path)
    assert build_all(store, check=True, output_dir=tmp_path) == []
    (tmp_path / "alexa" / "en-US.json").write_text("{}\n", encoding="utf-8")
    assert build_all(store, check=True, output_dir=tmp_path) == [tmp_path / "alexa" / "en-US.json"]
