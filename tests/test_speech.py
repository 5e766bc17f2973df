"""Speech rendering: escaping, numbering, pacing, date ranges, substitutions, limits."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from skill.content import Answer, Point
from skill.speech import Lexicon, Speech, spoken_ranges


def parse(ssml: str):
    return ET.fromstring(ssml)   # raises if the SSML is not well-formed


def test_user_text_is_escaped():
    speech = Speech().say('Tom & Jerry <script> "quoted"')
    ssml = speech.ssml()
    parse(ssml)
    assert "&amp;" in ssml and "&lt;script&gt;" in ssml
    assert speech.text() == 'Tom & Jerry <script> "quoted"'


def test_points_are_counted_and_numbered():
    answer = Answer("t", "why", "There were reasons.", (Point("One."), Point("Two."), Point("Three.")))
    speech = Speech()
    nxt = speech.answer(answer, count=5)
    assert nxt == 3
    text = speech.text()
    assert "There were three reasons." in text
    assert "First, One." in text and "Third, Three." in text
    assert len(parse(speech.ssml()).findall("break")) >= 3


def test_long_answers_are_given_progressively():
    answer = Answer("t", "features", "Lead.", tuple(Point(f"Point {i}.") for i in range(6)))
    first = Speech()
    nxt = first.answer(answer, count=3)
    second = Speech()
    second.answer(answer, start=nxt, count=3, lead=False)
    assert "Point 2." in first.text() and "Point 3." not in first.text()
    assert "Point 3." in second.text() and "Lead." not in second.text()


def test_labels_are_said():
    answer = Answer("t", "effects", "Lead.", (Point("Good.", "success"), Point("Bad.", "failure")))
    speech = Speech()
    speech.answer(answer)
    assert "First, a success: Good." in speech.text() and "Second, a failure: Bad." in speech.text()


def test_a_point_read_after_its_ordinal_starts_in_lower_case_unless_it_starts_with_a_name():
    lexicon = Lexicon(lower_case_words={"food", "thousands", "red"})
    answer = Answer("t", "effects", "Lead.", (Point("Food was rationed."), Point("Thousands died.", "failure"),
                                              Point("Mao blamed the weather."), Point("Red Guards attacked.")))
    speech = Speech(lexicon)
    speech.answer(answer, count=4)
    text = speech.text()
    assert "First, food was rationed." in text and "Second, a failure: thousands died." in text
    # "Mao" is never written in lower case; "red" is, but "Red Guards" is a name
    assert "Third, Mao blamed the weather." in text and "Fourth, Red Guards attacked." in text


def test_date_ranges_are_said_as_people_say_them():
    assert spoken_ranges("The Great Leap Forward, 1958-62") == "The Great Leap Forward, 1958 to 1962"
    assert spoken_ranges("1946-1949") == "1946 to 1949"


def test_abbreviations_and_names_use_sub_alias():
    lexicon = Lexicon({"APCs": "agricultural producers' co-operatives"}, {"Liu Shaoqi": "Lee-oh Shaow-chee"})
    ssml = Speech(lexicon).say("Liu Shaoqi backed the APCs.").ssml()
    root = parse(ssml)
    subs = {s.text: s.get("alias") for s in root.iter("sub")}
    assert subs == {"Liu Shaoqi": "Lee-oh Shaow-chee", "APCs": "agricultural producers' co-operatives"}


def test_output_stays_under_the_alexa_limit():
    speech = Speech()
    for _ in range(400):
        speech.say("A sentence that goes on for a while, to fill the response.")
    ssml = speech.ssml(rate="slow")
    parse(ssml)
    assert len(ssml) < 8000 and len(speech.text()) < 8000


def test_real_content_renders_as_valid_ssml(store):
    lexicon = Lexicon(store.abbreviations, store.pronunciations)
    for topic in store.topics.values():
        for answer in topic.facets.values():
            speech = Speech(lexicon)
            speech.answer(answer, count=10)
            parse(speech.ssml())
