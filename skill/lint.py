"""Content lint: what loads but would sound bad or mislead, with file and line.

Errors fail `python -m skill check`; warnings are shown (here and on the web content view).
"""
from __future__ import annotations

import re

from .content import FACETS, ContentStore, Problem, Topic

WORDS_PER_SECOND = 2.5          # about 150 words a minute, a clear revision pace
MAX_SECONDS = 60                 # longer than this is hard to take in by ear: error
LONG_SECONDS = 45                # worth trimming: warning
MAX_SENTENCE_WORDS = 30          # error: cannot be said in one breath
LONG_SENTENCE_WORDS = 25         # warning
MIN_POINTS, MAX_POINTS = 2, 6

_ABBREVIATION = re.compile(r"\b[A-Z]{2,}s?\b")
_BAD_NUMBER = re.compile(r"\d+\s*%|\b\d{4}\s*[-\u2013]\s*\d{2,4}\b|\b\d+(\.\d+)?\s*(mt|km|kg|m)\b|\bc\.\s*\d", re.I)
_LATIN = re.compile(r"\b(e\.g\.|i\.e\.|etc\.|cf\.|viz\.)", re.I)
_SYMBOLS = re.compile(r"[&<>#*_~^|\\{}\[\]]")
# Sentences end at . ! ? followed by a space and a capital, or at the end of the text.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def speech_seconds(words: int) -> float:
    return words / WORDS_PER_SECOND


def lint_store(store: ContentStore) -> list[Problem]:
    problems: list[Problem] = []
    known = set(store.abbreviations)
    for topic in store.topics.values():
        problems.extend(lint_topic(topic, known))
    return problems


def lint_topic(topic: Topic, known_abbreviations: set[str]) -> list[Problem]:
    out: list[Problem] = []

    def add(line, field, message, severity="error"):
        out.append(Problem(topic.path, line, field, message, severity))

    if not topic.sources:
        add(topic.lines.get("sources", 1), "sources", "no sources listed")
    if not topic.boards:
        add(topic.lines.get("boards", 1), "boards", "no exam boards listed")
    for facet in FACETS:
        answer = topic.facets.get(facet)
        if answer is None:
            add(topic.lines.get("facets", 1), f"facets.{facet}", "missing")
            continue
        where = f"facets.{facet}"
        seconds = speech_seconds(answer.words)
        if seconds > MAX_SECONDS:
            add(answer.line, where, f"about {seconds:.0f} s of speech; at most {MAX_SECONDS} s (trim or split)")
        elif seconds > LONG_SECONDS:
            add(answer.line, where, f"about {seconds:.0f} s of speech; over {LONG_SECONDS} s is hard to take in",
                "warning")
        if not MIN_POINTS <= len(answer.points) <= MAX_POINTS:
            add(answer.line, f"{where}.points", f"{len(answer.points)} points; write {MIN_POINTS} to {MAX_POINTS}",
                "warning")
        pieces = [(answer.lead, answer.line, f"{where}.lead")]
        pieces += [(p.text, p.line, f"{where}.points[{i}]") for i, p in enumerate(answer.points)]
        for text, line, field in pieces:
            out.extend(_lint_text(topic.path, line, field, text, known_abbreviations))
    for entry in topic.glossary:
        out.extend(_lint_text(topic.path, entry.line, f"glossary '{entry.term}'", entry.text, known_abbreviations))
    return out


def _lint_text(path: str, line: int, field: str, text: str, known: set[str]) -> list[Problem]:
    out = []
    for sentence in _SENTENCE_END.split(text):
        n = len(sentence.split())
        if n > MAX_SENTENCE_WORDS:
            out.append(Problem(path, line, field, f"a sentence of {n} words: too long to say in one breath"))
        elif n > LONG_SENTENCE_WORDS:
            out.append(Problem(path, line, field, f"a sentence of {n} words; aim for under {LONG_SENTENCE_WORDS}",
                               "warning"))
    for m in _ABBREVIATION.finditer(text):
        if m[0] not in known and m[0].rstrip("s") not in known:
            out.append(Problem(path, line, field,
                               f"abbreviation '{m[0]}' has no expansion in unit.yaml; the speech engine may spell it out",
                               "warning"))
    for rx, what in ((_BAD_NUMBER, "a number the speech layer cannot say well"),
                     (_LATIN, "an abbreviation a listener stumbles on"),
                     (_SYMBOLS, "a symbol that is not spoken")):
        m = rx.search(text)
        if m:
            out.append(Problem(path, line, field, f"{what}: '{m[0]}'"))
    return out
