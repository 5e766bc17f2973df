"""Content loading: a valid unit loads; every kind of mistake is reported with file, line and field."""
from __future__ import annotations

import pytest
import yaml

from skill.content import FACETS, ContentError, load_store
from skill.settings import PROJECT_ROOT
from tests.conftest import SHARED, TINY_TOPIC, write_unit


def problems_for(tmp_path, topics):
    with pytest.raises(ContentError) as err:
        load_store(write_unit(tmp_path, topics=topics))
    return err.value.problems


def test_tiny_unit_loads(tiny_store):
    topic = tiny_store.topic("grain-plan")
    assert topic.spoken_title == "The Grain Plan"
    assert tiny_store.answer("grain-plan", "effects").points[0].label == "success"
    assert tiny_store.summary()["facets"] == 6


@pytest.mark.parametrize("change, field, line", [
    (("  effects:\n", "  results:\n"), "facets.results", 23),
    (("id: grain-plan\n", "id: other\n"), "id", 1),
    (('    lead: "Zhou Enlai drew up the Grain Plan."\n', '    lead: ""\n'), "facets.who.lead", 12),
    (("label: success", "label: triumph"), "facets.effects.points[0].label", 26),
    (("boards: [edexcel]", "boards: [aqa]"), "boards", 5),
    (("period: [1955, 1957]", "period: [1957, 1955]"), "period", 3),
    (("sources: [\"A checked textbook\"]\n", ""), "sources", 1),
])
def test_mistakes_name_file_line_and_field(tmp_path, change, field, line):
    text = TINY_TOPIC.replace(*change)
    assert text != TINY_TOPIC
    problems = problems_for(tmp_path, {"grain-plan": text})
    assert any(p.field == field and p.line == line and p.file.endswith("grain-plan.yaml") for p in problems), problems


def test_over_long_answer_is_an_error(tmp_path):
    long_lead = " ".join(["word"] * 260)
    text = TINY_TOPIC.replace("The Grain Plan set quotas for every village & farm.", long_lead)
    problems = problems_for(tmp_path, {"grain-plan": text})
    assert any(p.field == "facets.what" and "at most 250" in p.message for p in problems)


def test_alias_shared_by_two_topics(tmp_path):
    other = TINY_TOPIC.replace("id: grain-plan", "id: rice-plan").replace("the grain plan,", "the rice plan,")
    problems = problems_for(tmp_path, {"grain-plan": TINY_TOPIC, "rice-plan": other})
    assert any("grain quotas" in p.message and p.field == "aliases" for p in problems)


def test_yaml_syntax_error_has_a_line(tmp_path):
    problems = problems_for(tmp_path, {"grain-plan": TINY_TOPIC.replace("aliases: [the grain plan", "aliases: [the grain plan:")})
    assert problems and problems[0].line > 0


def test_every_topic_of_the_inventory_answers_every_facet(store):
    inventory = yaml.safe_load((SHARED / "topics.yaml").read_text())
    for entry in inventory["topics"]:
        topic = store.topic(entry["id"])
        assert set(topic.facets) == set(FACETS), entry["id"]
        for facet in FACETS:
            answer = topic.facets[facet]
            assert answer.lead and len(answer.points) >= 2, (entry["id"], facet)
        for alias in entry["aliases"]:
            assert alias.lower() in topic.aliases, (entry["id"], alias)
        assert topic.sources and topic.boards


def test_seed_errors_are_not_repeated(store):
    who = " ".join(store.answer("great-leap-forward", "who").sentences)
    assert "Mao" in who.split(".")[0]
    everything = " ".join(s for t in store.topics.values() for a in t.facets.values() for s in a.sentences)
    assert "went into hiding" not in everything and "50 million people died" not in everything


def test_content_shares_no_sentence_with_the_seed_page(store):
    seed = " ".join(p.read_text() for p in (SHARED / "reference" / "seed").iterdir()).lower()
    for topic in store.topics.values():
        for answer in topic.facets.values():
            for sentence in answer.sentences:
                assert sentence.lower().rstrip(".") not in seed or len(sentence.split()) < 6, sentence


def test_real_content_path_is_the_default():
    from skill import settings
    assert settings.get("content_dir") == str(PROJECT_ROOT / "content")


def test_a_topic_can_say_how_it_reads_in_a_sentence(tmp_path):
    from skill.quiz import in_sentence
    named = load_store(write_unit(tmp_path, topics={"grain-plan": TINY_TOPIC.replace(
        'title: "The Grain Plan, 1955-57"\n', 'title: "The Grain Plan, 1955-57"\nname: "the plan for grain"\n')}))
    assert in_sentence(named.topic("grain-plan")) == "the plan for grain"


def test_without_a_name_the_title_reads_in_a_sentence(tiny_store):
    from skill.quiz import in_sentence
    assert in_sentence(tiny_store.topic("grain-plan")) == "the Grain Plan"


MISHEARD = TINY_TOPIC.replace("aliases: [the grain plan, grain quotas]\n",
                              "aliases: [the grain plan, grain quotas]\nmisheard: [the rain plan, grey and quotas]\n")


def test_misheard_forms_load_apart_from_the_aliases(tmp_path):
    topic = load_store(write_unit(tmp_path, topics={"grain-plan": MISHEARD})).topic("grain-plan")
    assert topic.misheard == ("the rain plan", "grey and quotas")
    assert "the rain plan" not in topic.aliases


GLOSSARY = TINY_TOPIC + """\
glossary:
  - term: grain quota
    aliases: [quota, state grain quotas]
    misheard: [great quota, brain quotas]
    text: "A grain quota was the share of its harvest a village had to sell to the state."
"""


def test_a_glossary_entry_lists_its_own_misheard_forms(tmp_path):
    from skill.resolver import Resolver
    store = load_store(write_unit(tmp_path, topics={"grain-plan": GLOSSARY}))
    entry = store.topic("grain-plan").glossary[0]
    assert entry.misheard == ("great quota", "brain quotas") and "great quota" not in entry.aliases
    # a misheard form leads to the entry itself, as its names do
    resolution = Resolver(store).resolve("what is a brain quotas")
    assert (resolution.topic, resolution.glossary) == ("grain-plan", "grain-quota")


def test_a_glossary_misheard_form_listed_twice_is_an_error_at_its_line(tmp_path):
    problems = problems_for(tmp_path, {"grain-plan": GLOSSARY.replace("brain quotas]", "quota]")})
    line = next(n for n, text in enumerate(GLOSSARY.splitlines(), 1) if text.startswith("    misheard:"))
    assert any(p.field == "glossary[0].misheard" and "'quota' is listed twice" in p.message and p.line == line
               for p in problems), problems


def test_a_glossary_entry_about_a_person_says_so_with_true_or_false(tmp_path):
    person = GLOSSARY.replace("  - term: grain quota\n", "  - term: grain quota\n    person: true\n")
    assert load_store(write_unit(tmp_path, topics={"grain-plan": person})).topic("grain-plan").glossary[0].person
    assert not load_store(write_unit(tmp_path / "plain", topics={"grain-plan": GLOSSARY})).topic(
        "grain-plan").glossary[0].person
    problems = problems_for(tmp_path / "bad", {"grain-plan": person.replace("person: true", "person: sometimes")})
    line = next(n for n, text in enumerate(person.splitlines(), 1) if text.startswith("    person:"))
    assert any(p.field == "glossary[0].person" and "true or false" in p.message and p.line == line
               for p in problems), problems


def test_a_topic_group_flag_must_be_true_or_false(tmp_path):
    problems = problems_for(tmp_path, {"grain-plan": TINY_TOPIC.replace("id: grain-plan\n", "id: grain-plan\ngroup: lots\n")})
    assert any(p.field == "group" and "true or false" in p.message and p.line == 2 for p in problems), problems


def test_a_misheard_form_that_is_also_an_alias_or_claimed_by_another_topic_is_an_error(tmp_path):
    twice = MISHEARD.replace("grey and quotas]", "grain quotas]")
    problems = problems_for(tmp_path, {"grain-plan": twice})
    assert any(p.field == "misheard" and "listed twice" in p.message and p.line == 5 for p in problems), problems
    other = TINY_TOPIC.replace("id: grain-plan", "id: rain-plan").replace(
        "aliases: [the grain plan, grain quotas]", "aliases: [the rain plan]")
    problems = problems_for(tmp_path / "two", {"grain-plan": MISHEARD, "rain-plan": other})
    assert any("the rain plan" in p.message and "also claimed" in p.message for p in problems), problems
