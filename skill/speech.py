"""Speech: what the assistant says, rendered once as SSML and once as plain text.

All escaping happens here. Content text and anything a user said reach SSML only through `Speech.say`
and `Speech.answer`, which escape `& < >` and quotes. Hard names and abbreviations are said through
`<sub alias>`, so the written text (cards, the web page) keeps the real spelling.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from xml.sax.saxutils import escape

from .content import Answer

# Alexa: outputSpeech at most 8,000 characters. Keep a margin for the <speak> wrapper and prosody.
MAX_SSML = 7600
MAX_TEXT = 7600
POINTS_PER_TURN = 3

ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth")
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")
# "There were five reasons.": said before the points of these facets
_INTRO = {"why": "reasons", "features": "key features", "effects": "main effects"}
_RANGE = re.compile(r"\b(1\d)(\d{2})\s*[-\u2013]\s*(\d{2})\b")
_FULL_RANGE = re.compile(r"\b(1\d{3})\s*[-\u2013]\s*(1\d{3})\b")


@lru_cache(maxsize=8192)      # content sentences come round again and again
def spoken_ranges(text: str) -> str:
    """'1958-62' -> '1958 to 1962', '1946-1949' -> '1946 to 1949'."""
    text = _RANGE.sub(lambda m: f"{m[1]}{m[2]} to {m[1]}{m[3]}", text)
    return _FULL_RANGE.sub(lambda m: f"{m[1]} to {m[2]}", text)


class Lexicon:
    """How to say the words a speech engine stumbles on: abbreviations and hard names."""

    def __init__(self, abbreviations: Mapping[str, str] | None = None,
                 pronunciations: Mapping[str, str] | None = None, lower_case_words: Iterable[str] = ()):
        # words the content writes in lower case somewhere: read after "First," at the start of a point
        # they are lowered too ("First, food was rationed"); names ("Mao", "Red Guards") keep their capitals
        self.lower_case_words = frozenset(lower_case_words)
        self.subs: dict[str, str] = {}
        self.subs.update(pronunciations or {})
        self.subs.update(abbreviations or {})
        keys = sorted(self.subs, key=len, reverse=True)
        self._rx = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None
        # content sentences come round again and again: render each once
        self.ssml = lru_cache(maxsize=8192)(self._ssml)

    def _ssml(self, text: str) -> str:
        """Escape text for SSML and wrap known words in <sub alias>."""
        text = spoken_ranges(text)
        if not self._rx:
            return escape(text)
        out, last = [], 0
        for m in self._rx.finditer(text):
            out.append(escape(text[last:m.start()]))
            out.append(f'<sub alias="{escape(self.subs[m[1]], {chr(34): "&quot;"})}">{escape(m[1])}</sub>')
            last = m.end()
        out.append(escape(text[last:]))
        return "".join(out)


PLAIN = Lexicon()


@dataclass
class Speech:
    """An utterance being built: parallel SSML and plain-text pieces."""
    lexicon: Lexicon = field(default_factory=lambda: PLAIN)
    ssml_parts: list[str] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    def say(self, text: str) -> "Speech":
        text = text.strip()
        if text:
            self.ssml_parts.append(f"<s>{self.lexicon.ssml(text)}</s>")
            self.text_parts.append(spoken_ranges(text))
        return self

    def pause(self, ms: int = 400) -> "Speech":
        self.ssml_parts.append(f'<break time="{min(max(ms, 0), 10000)}ms"/>')
        return self

    def answer(self, answer: Answer, start: int = 0, count: int = POINTS_PER_TURN,
               lead: bool = True) -> int:
        """Say an answer's lead (if asked) and points[start:start+count]; return the next point index."""
        ssml_parts, text_parts, end = _rendered_answer(self.lexicon, answer, start, count, lead)
        self.ssml_parts.extend(ssml_parts)
        self.text_parts.extend(text_parts)
        return end

    def _render_answer(self, answer: Answer, start: int, count: int, lead: bool) -> int:
        points = answer.points
        if lead:
            self.say(answer.lead)
            if points:
                self.pause(300)
                noun = _INTRO.get(answer.facet)
                if noun and len(points) > 1:
                    count_said = NUMBER_WORDS[len(points)] if len(points) < len(NUMBER_WORDS) else len(points)
                    self.say(f"There were {count_said} {noun}.")
        end = min(len(points), start + count)
        for i in range(start, end):
            label, text = points[i].label, points[i].text
            ordinal = ORDINALS[i] if i < len(ORDINALS) else "Next"
            if len(points) == 1:
                self.say(text)
            elif label in ("success", "failure"):
                self.say(f"{ordinal}, a {label}: {_lower_first(text, self.lexicon.lower_case_words)}")
            else:
                self.say(f"{ordinal}, {_lower_first(text, self.lexicon.lower_case_words)}")
            self.pause(350)
        return end

    def ssml(self, rate: str | None = None) -> str:
        body = " ".join(self.ssml_parts)
        if len(body) > MAX_SSML:
            body = _cut(self.ssml_parts, MAX_SSML)
        if rate:
            body = f'<prosody rate="{rate}">{body}</prosody>'
        return f"<speak>{body}</speak>"

    def text(self) -> str:
        text = " ".join(self.text_parts)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT].rsplit(" ", 1)[0] + "..."

    def __bool__(self) -> bool:
        return bool(self.ssml_parts)


@lru_cache(maxsize=4096)      # the same answers are asked for again and again, and never change
def _rendered_answer(lexicon: Lexicon, answer: Answer, start: int, count: int,
                     lead: bool) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    speech = Speech(lexicon)
    end = speech._render_answer(answer, start, count, lead)
    return tuple(speech.ssml_parts), tuple(speech.text_parts), end


# Words that start a point and read on after "First," in lower case; names keep their capital.
_FUNCTION_WORDS = frozenset("""A An The He She It They We This That These Those There Its Their His Her Some
Many Most Much All Both Each Every In On At By For From After Before During When While With Without As
Under Over About Only Even Once Later Soon Local Millions Thousands Hundreds""".split())


def _lower_first(text: str, lower_case_words: frozenset[str] = frozenset()) -> str:
    first, _, rest = text.partition(" ")
    following = rest[:1]
    common = first in _FUNCTION_WORDS or (first.rstrip(",;:").lower() in lower_case_words and not following.isupper())
    return (first.lower() + (" " + rest if rest else "")) if common else text


def _cut(parts: list[str], limit: int) -> str:
    """Whole parts only, so no tag is ever cut in half."""
    out, size = [], 0
    for p in parts:
        if size + len(p) + 1 > limit:
            break
        out.append(p)
        size += len(p) + 1
    return " ".join(out)
