"""The mishearing finder: real speech (flite) and real recognition (pocketsphinx), offline."""
from __future__ import annotations

import shutil

import pytest

from skill.facets import guess_facet
from skill.mishear import Recogniser, facet_slips, heard_in_place, suggest, worth_suggesting
from skill.text import normalize
from skill.resolver import Resolver


def test_the_carrier_is_taken_off_what_was_heard():
    assert heard_in_place("tell me about {}", "tell me about the marriage lot") == "the marriage lot"
    assert heard_in_place("what were the effects of {}", "why were the effects of great leap forward") == \
        "great leap forward"
    assert heard_in_place("why was {} introduced", "why was the red guards introduce") == "the red guards"


def test_only_mishearings_that_keep_a_word_of_the_name_and_miss_today_are_suggested(store):
    resolver = Resolver(store)
    assert worth_suggesting("three and tyson", "three antis", "three-antis-five-antis", resolver)
    assert not worth_suggesting("mental", "the marriage law", "marriage-law", resolver)       # one common word
    assert not worth_suggesting("the marriage law", "the marriage law", "marriage-law", resolver)  # heard right
    assert not worth_suggesting("great leak forward", "the great leap forward", "great-leap-forward",
                                resolver)                                                      # found already


@pytest.fixture(scope="module")
def recogniser():
    for tool in ("flite", "sox"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed: apt-get install -y flite sox (see .ci/run)")
    return Recogniser()


def test_speech_is_heard_back(recogniser):
    heard = recogniser.hear("tell me about the korean war", "slt")
    assert "tell me about" in heard and "war" in heard


class Listening:
    """The real recogniser, with a record of what it was asked to say and what it heard."""

    def __init__(self, recogniser):
        self.recogniser, self.heard = recogniser, []

    def hear(self, text, voice):
        self.heard.append((text, voice, self.recogniser.hear(text, voice)))
        return self.heard[-1][2]


def test_suggestions_come_from_real_speech(tiny_store, recogniser):
    listening = Listening(recogniser)
    suggestions = suggest(tiny_store, listening, voices=("awb",), carriers=("tell me about {}",))
    # every name of the topic was spoken once in the carrier, and something was heard each time
    assert [said for said, _, _ in listening.heard] == ["tell me about the grain plan", "tell me about grain quotas"]
    assert all(heard.strip() for _, _, heard in listening.heard)
    for s in suggestions:     # whatever the recogniser made of the names, each suggestion is well formed
        assert s.topic == "grain-plan" and len(s.heard.split()) >= 2 and s.voice == "awb"


def test_suggestions_speak_the_chosen_aliases_in_each_chosen_carrier(tiny_store, recogniser):
    listening = Listening(recogniser)
    suggest(tiny_store, listening, voices=("slt",), carriers=("when was {}", "describe {}"), aliases=slice(1, None))
    # from the second alias on, so not the title nor the first alias; each in both carriers
    assert [said for said, _, _ in listening.heard] == ["when was grain quotas", "describe grain quotas"]


def test_with_glossary_the_entries_names_are_spoken_and_suggestions_name_their_entry(tmp_path, recogniser):
    from skill.content import load_store
    from tests.conftest import write_unit
    from tests.test_content import GLOSSARY
    store = load_store(write_unit(tmp_path, topics={"grain-plan": GLOSSARY}))
    listening = Listening(recogniser)
    suggestions = suggest(store, listening, voices=("rms",), carriers=("tell me about {}",), glossary=True)
    # the entry's term and aliases (not the topic's names), each said once
    assert [said for said, _, _ in listening.heard] == ["tell me about grain quota", "tell me about quota",
                                                        "tell me about state grain quotas"]
    assert all(s.term == "grain quota" for s in suggestions)


def test_a_mishearing_made_only_of_words_most_topics_use_is_not_suggested(store):
    resolver = Resolver(store, cache_size=0)
    # "campaigns" is all that is left of "the three antis campaigns": it would catch other campaigns
    assert not worth_suggesting("the on t campaigns", "the three antis campaigns", "three-antis-five-antis", resolver)


def test_facet_slips_are_spoken_questions_whose_facet_is_guessed_wrong(tiny_store, recogniser):
    listening = Listening(recogniser)
    # the last opening is labelled with a facet nothing in it asks for: it must come back as a slip
    openings = {"when did {} start": "when", "tell me why {} happened": "why", "when was {}": "features"}
    slips = facet_slips(tiny_store, listening, voices=("rms",), openings=openings)
    assert [said for said, _, _ in listening.heard] == ["when did the grain plan start",
                                                        "tell me why the grain plan happened", "when was the grain plan"]
    assert "when was the grain plan" in [s.said for s in slips]
    heard = {said: normalize(h) for said, _, h in listening.heard}
    # exactly the transcripts that skill.facets takes for another facet are reported, each as heard
    expected = [said for said, facet in zip(heard, openings.values()) if guess_facet(heard[said]).facet != facet]
    assert [s.said for s in slips] == expected
    assert all(s.heard == heard[s.said] and s.guessed != s.facet for s in slips)
