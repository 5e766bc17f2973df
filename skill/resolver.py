"""Resolver: a (possibly misheard) question in, (topic, facet, confidence) or "no answer" out.

The topic and the facet are scored separately (whole-question fuzzy matching cannot abstain):

* names: aliases, titles and glossary terms matched against word windows of the question, by spelling
  (rapidfuzz), by stem and by sound (metaphone codes), every word of a name heard, so "great leak
  forward" still finds the Great Leap Forward; sounds run together catch names heard across word
  boundaries ("collective his vision");
* content: the question's meaningful words looked up in each topic's own text (its answers, keywords
  and glossary), weighted by how rare each word is across topics, so a student can describe a topic
  ("when peasants had to pool their land") instead of naming it;
* coverage: the share of the question's meaningful words that the chosen topic explains. Words the
  content has never heard of ("opera", "vietnam") count against it: this is what lets the resolver
  refuse "who composed the opera nixon in china" while answering "tell me about nixon in china".

The facet comes from skill.facets. The resolver abstains below a calibrated confidence threshold, except
for a topic described in detail and far ahead of any other.
"""
from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from .content import ContentStore
from .facets import FacetGuess, guess_facet
from .text import FACET_WORDS, STOPWORDS, normalize, sound, stem

# Calibrated on the development questions (clean and speech-recognised) with bench/calibrate.py.
THRESHOLD = 0.54                 # below this, no answer
FOLLOW_UP_THRESHOLD = 0.40       # enough for "what about X?" when a conversation is under way
# A topic described without its name: this many of its words, this much evidence and coverage, ...
DESCRIBED_WORDS, DESCRIBED_EVIDENCE, DESCRIBED_COVERAGE = 4, 8.0, 0.55
# ... at least this score, with the runner-up at most this share of it, is trusted below THRESHOLD.
DESCRIBED_FLOOR, DESCRIBED_LEAD = 0.30, 0.6
# Names heard across word boundaries: how alike the sounds must be, and how long the name.
JOINED_SOUND_FLOOR, JOINED_MIN_LENGTH = 85, 5
# Word families the stemmer splits ("criticise", "criticism"): shortest stem, and how much less they count.
FAMILY_MIN_LENGTH, FAMILY_DISCOUNT = 5, 0.8
# Beside a glossary entry's name, words used by this many topics or more ("die", "china") still ask about the
# entry alone: log(21 / 7.5), a third of the 20 topics.
ENTRY_ASIDE_IDF = 1.0
# Big stores: topics scored in full per question, and how rare a word must be to pick them.
MAX_CONTENT_CANDIDATES, COMMON_WORD_IDF = 40, 1.5

# Leading words that carry nothing: wake words, politeness, hesitation.
_FILLER = re.compile(
    r"^((alexa|hey|ok|okay|so|um|uh|er|erm|well|right|please|and|can you|could you|would you|"
    r"i want to know|i wanna know|i need to know|i would like to know|do you know|tell me|ask \w+ \w+|"
    r"(a )?quick question|another question|one more question|i have a question|i ve got a question) )+")
# Questions about the asker's own present life, not about history ("how do i", "latest news").
_PRESENT_SELF = re.compile(
    r"\b(how (do|can|should|would) (i|you|we)|can you help me|help me with|my (homework|maths)|"
    r"latest|today|tomorrow|tonight|right now|last year|this year|next year|nowadays|these days|currently)\b")
_FOLLOW_UP = re.compile(r"^(and|what about|how about|and what about|and how about|what of|now|then)\b")
# one to six words after the verb, each after its space (a pattern like (\w+ ?){1,6} backtracks
# exponentially on a longer question: 0.25 ms of a 0.4 ms resolution)
_DEFINITION = re.compile(r"^(who|what) (is|was|were|are)( \w+){1,6}$")
_YEAR = re.compile(r"\b1\d{3}\b")
_PRONOUN = re.compile(r"\b(it|its|they|them|their|that|this|he|she|his|her|those|these)\b")


def _bitset(ids) -> int:
    """A set of small non-negative ints as one int, bit i set for each i."""
    bits = bytearray((max(ids) >> 3) + 1 if ids else 0)
    for i in ids:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def _members(bitset: int) -> list[int]:
    """The ints a bitset holds, in ascending order."""
    bits = bin(bitset)
    top, found, at = len(bits) - 1, [], len(bits)
    while (at := bits.rfind("1", 2, at)) >= 0:     # from the lowest bit, at the string's end
        found.append(top - at)
    return found


def _top(scores: dict[str, float], n: int) -> list[str]:
    """The n keys of highest score, ties to the key that sorts first (as sorting (-score, key) would)."""
    if len(scores) <= n:
        return list(scores)
    floor = heapq.nlargest(n, scores.values())[-1]      # floats alone: compared in C
    above = [k for k, v in scores.items() if v > floor]
    return above + sorted(k for k, v in scores.items() if v == floor)[:n - len(above)]


@dataclass(frozen=True)
class Resolution:
    topic: str | None
    facet: str | None
    confidence: float
    glossary: str | None = None        # a glossary entry id when the question asked for a term
    follow_up: bool = False            # the topic came from the conversation, not the question
    debug: dict = field(default_factory=dict, compare=False)

    @property
    def answered(self) -> bool:
        return self.topic is not None


@dataclass(frozen=True)
class _Name:
    topic_id: str
    words: tuple[str, ...]
    text: str
    sounds: str
    stems: str
    glossary: str | None
    needed: int         # how many of its meaningful words a question must contain (one may be misheard)
    meaningful: frozenset[str]      # its words but the stop words: each must be heard


NO_ANSWER = Resolution(None, None, 0.0)
_EMPTY: frozenset = frozenset()
# A window of sounds of length n reaches JOINED_SOUND_FLOOR only against names of length n x this to
# n / this (fuzz.ratio is 2 x matches / total length).
_JOINED_REACH = JOINED_SOUND_FLOOR / (200 - JOINED_SOUND_FLOOR)


class _Heard:
    """The words of a question (or of a window of it): which words were heard in them, by spelling,
    fuzzy spelling, stem or sound. Answers are kept: candidate names share many words."""

    def __init__(self, words: list[str], known: Container[str] = frozenset()):
        stems = [stem(w) for w in words]
        # a word the content itself uses ("sayings") is that word, not a mishearing of a name ("anying")
        self.unfamiliar = [w for w, s in zip(words, stems) if s not in known]
        self.spelled = set(words)
        self.stems = set(stems)
        self.sounds = {sound(t) for t in words}
        self._heard: set[str] = set()
        self._unheard: set[str] = set()

    def hears_all(self, words: frozenset[str]) -> bool:
        """Whether every one of a name's meaningful words was heard, not just the name as a whole."""
        # most names asked about share their words with names asked about before: set tests first
        if words <= self._heard:
            return True
        if not words.isdisjoint(self._unheard):
            return False
        return all(self.hears(w) for w in words)

    def hears(self, word: str) -> bool:
        if word in self._heard:
            return True
        if word in self._unheard:
            return False
        heard = (word in self.spelled or stem(word) in self.stems or (len(word) >= 4 and sound(word) in self.sounds)
                 or process.extractOne(word, self.unfamiliar, scorer=fuzz.ratio, score_cutoff=75) is not None)
        (self._heard if heard else self._unheard).add(word)
        return heard


class Resolver:
    def __init__(self, store: ContentStore, cache_size: int = 4096):
        self.store = store
        self._resolve_cached = lru_cache(maxsize=cache_size)(self._resolve)
        self._postings_of = lru_cache(maxsize=16384)(self._postings_of_uncached)
        self._names: list[_Name] = []
        self._by_word: dict[str, set[int]] = defaultdict(set)
        for topic in store.topics.values():
            for alias in {*topic.aliases, *topic.misheard, topic.title.lower(), topic.spoken_title.lower()}:
                self._add_name(topic.id, alias, None)
            for entry in topic.glossary:
                for alias in (*entry.aliases, *entry.misheard):
                    self._add_name(topic.id, alias, entry.id)
        # each name is also filed under its two rarest words: a name with all its words heard but one
        # has one of those two heard, so a question looks only at the names its rarer words point to
        # (in a big store, "great" alone points to thousands)
        self._by_rare_word: dict[str, set[int]] = defaultdict(set)
        for idx, name in enumerate(self._names):
            words = sorted({w for w in name.words if w not in STOPWORDS}, key=lambda w: (len(self._by_word[w]), w))
            for w in words[:2]:
                for form in (w, "^" + stem(w), "~" + sound(w)):
                    if form in self._by_word:
                        self._by_rare_word[form].add(idx)
        # the names of a word (all, and those filed under it as a rare word) as bitsets (Python ints, bit
        # i = name i), kept per word: counting how many question words were heard in each name is then a
        # few whole-int operations in C, however many names a word pulls in
        self._mask_of_word = lru_cache(maxsize=16384)(lambda w: _bitset(self._names_of_word(w)))
        self._rare_mask_of_word = lru_cache(maxsize=16384)(lambda w: _bitset(self._rare_names_of_word(w)))
        # long names' sounds run together, for matching across misheard word boundaries
        # grouped by first and last sound, as _match_joined_sounds compares them
        by_ends: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for i, name in enumerate(self._names):
            joined = name.sounds.replace(" ", "")
            if len(joined) >= JOINED_MIN_LENGTH:
                by_ends[joined[0] + joined[-1]].append((i, joined))
        # each group sorted by length, so a window is compared only with names it could match
        self._joined_by_ends = {}
        for c, v in by_ends.items():
            v.sort(key=lambda item: (len(item[1]), item[0]))
            self._joined_by_ends[c] = (tuple(i for i, _ in v), tuple(j for _, j in v), [len(j) for _, j in v])
        # names by how many of their words a question must contain: needed -> bitset
        by_needed: dict[int, set[int]] = defaultdict(set)
        for idx, name in enumerate(self._names):
            by_needed[name.needed].add(idx)
        self._needed_masks = sorted((k, _bitset(ids)) for k, ids in by_needed.items())
        self._build_documents(store)
        self._entry_stems = {entry.id: {stem(w) for t in (entry.text, *entry.aliases) for w in normalize(t).split()
                                        if w not in STOPWORDS}
                             for entry in store.glossary.values()}
        periods = [u.period for u in store.units]
        self._years = (min(p[0] for p in periods) - 2, max(p[1] for p in periods) + 2)

    # --- index building ---------------------------------------------------------------------

    def _add_name(self, topic_id: str, alias: str, glossary: str | None) -> None:
        words = [w for w in normalize(alias).split()]
        while words and words[0] in ("the", "a", "an"):
            words = words[1:]
        if not words:
            return
        meaningful = frozenset(w for w in words if w not in STOPWORDS)
        name = _Name(topic_id, tuple(words), " ".join(words), " ".join(sound(w) for w in words),
                     " ".join(stem(w) for w in words), glossary, needed=max(1, len(meaningful) - 1),
                     meaningful=meaningful)
        idx = len(self._names)
        self._names.append(name)
        for w in words:
            if w not in STOPWORDS:
                self._by_word[w].add(idx)
                self._by_word["^" + stem(w)].add(idx)
                if len(sound(w)) >= 2:      # a one-letter code would pull in half the names
                    self._by_word["~" + sound(w)].add(idx)

    def _build_documents(self, store: ContentStore) -> None:
        """Per topic: the set of meaningful stems in everything it says; idf across topics."""
        self._doc: dict[str, set[str]] = {}
        self._doc_sounds: dict[str, set[str]] = {}
        self._tf: dict[str, dict[str, int]] = {}
        self._length: dict[str, int] = {}
        for topic in store.topics.values():
            texts = [*topic.aliases, topic.title, *topic.keywords]     # not its misheard forms: words it never uses
            for answer in topic.facets.values():
                texts.extend(answer.sentences)
            for entry in topic.glossary:
                texts.extend([entry.term, entry.text, *entry.aliases])
            stems = [stem(w) for t in texts for w in normalize(t).split() if w not in STOPWORDS]
            self._doc[topic.id] = set(stems)
            tf: dict[str, int] = defaultdict(int)
            for s in stems:
                tf[s] += 1
            self._tf[topic.id] = dict(tf)
            self._length[topic.id] = len(stems)
            self._doc_sounds[topic.id] = {sound(w) for t in texts for w in normalize(t).split()
                                          if w not in STOPWORDS and len(w) >= 4}
        n = len(self._doc)
        df: dict[str, int] = defaultdict(int)
        for terms in self._doc.values():
            for t in terms:
                df[t] += 1
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        # a word the content never uses: evidence the question is about something else
        self._unknown_weight = 0.5 * math.log((n + 1) / 0.5)
        self._known_sounds = set().union(*self._doc_sounds.values()) if self._doc_sounds else set()
        self._facet_stems = {stem(w) for w in FACET_WORDS}
        self._avg_length = sum(self._length.values()) / max(1, len(self._length))
        self._small_store = len(self._doc) <= MAX_CONTENT_CANDIDATES
        # inverted indexes, so a question only visits the topics that share a word with it
        self._postings: dict[str, dict[str, float]] = defaultdict(dict)
        for topic_id, tf in self._tf.items():
            for term in tf:
                self._postings[term][topic_id] = self._idf[term] * self._tf_weight(topic_id, term)
        self._stems_sorted = sorted(self._idf)
        self._sound_topics: dict[str, set[str]] = defaultdict(set)
        for topic_id, sounds in self._doc_sounds.items():
            for code in sounds:
                self._sound_topics[code].add(topic_id)

    def _family(self, s: str) -> tuple[str, ...]:
        """Content stems of the same word family: one a prefix of the other, both at least
        FAMILY_MIN_LENGTH long. The stemmer keeps 'criticis(e)' and 'critic(ism)', 'hungarian' and
        'hungari(y)', 'starv(e)' and 'starvat(ion)' apart; 'commune' and 'communist' stay apart."""
        if len(s) < FAMILY_MIN_LENGTH or s.isdigit():
            return ()
        longer = []
        i = bisect.bisect_left(self._stems_sorted, s)
        while i < len(self._stems_sorted) and self._stems_sorted[i].startswith(s):
            if self._stems_sorted[i] != s:
                longer.append(self._stems_sorted[i])
            i += 1
        shorter = [s[:k] for k in range(FAMILY_MIN_LENGTH, len(s)) if s[:k] in self._idf]
        return tuple(shorter + longer)

    def _postings_of_uncached(self, s: str) -> dict[str, float]:
        """The topics that use a stem, with its BM25 weight in each; its family counts a little less."""
        exact = self._postings.get(s, {})
        family = self._family(s)
        if not family:
            return exact
        merged = dict(exact)
        for other in family:
            for topic_id, value in self._postings[other].items():
                merged[topic_id] = max(merged.get(topic_id, 0.0), FAMILY_DISCOUNT * value)
        return merged

    def _tf_weight(self, topic_id: str, term: str) -> float:
        """BM25's saturating term frequency: a topic that keeps mentioning a word is about it."""
        tf = self._tf[topic_id].get(term, 0)
        k1, b = 1.2, 0.5
        norm = k1 * (1 - b + b * self._length[topic_id] / self._avg_length)
        return tf * (k1 + 1) / (tf + norm) if tf else 0.0

    def common_word(self, word: str) -> bool:
        """Whether many topics use a word, so that it says little about which topic is meant."""
        return self._idf.get(stem(word), math.inf) < COMMON_WORD_IDF

    # --- resolving --------------------------------------------------------------------------

    def resolve(self, question: str, context: tuple[str | None, str | None] = (None, None)) -> Resolution:
        """Resolve one question; context is the (topic, facet) of the conversation so far.

        Results are kept (the store never changes): a class asks the same questions again and again."""
        return self._resolve_cached(question, tuple(context))

    def _resolve(self, question: str, context: tuple[str | None, str | None]) -> Resolution:
        said = normalize(question)
        text = _FILLER.sub("", said)
        tokens = text.split()
        if not tokens:
            return NO_ANSWER
        facet = guess_facet(said)
        names = {idx: m for idx, m in self._match_names(tokens).items() if not self._qualified_by_unknown(tokens, m[1])}
        in_names = set().union(*(where for _, where in names.values()))
        # meaningful words; a bare small number says something about a topic only if the content uses it
        # ("overtake Britain in fifteen years"), and not as part of a name ("five year plans"): "twelve times
        # eight" says nothing; a word that says which facet is asked ("strengthen", "goal") is no evidence
        # against a topic whose content never uses it
        content = [(i, w) for i, w in enumerate(tokens)
                   if w not in STOPWORDS and stem(w) not in self._facet_stems
                   and not (w.isdigit() and len(w) < 4 and (w not in self._idf or i in in_names))
                   and not (w in facet.cue_words and stem(w) not in self._idf)]
        scores, described = self._score_topics(tokens, content, names, facet.cue_words)
        prev_topic, prev_facet = context
        debug = {"text": text, "facet_scores": facet.scores,
                 "topics": sorted(((round(s, 3), t) for t, (s, _) in scores.items()), reverse=True)[:3]}

        out_of_period = [w for _, w in content if re.fullmatch(r"1\d{3}s?", w)
                         and not self._years[0] <= int(w[:4]) <= self._years[1]]
        present_self = bool(_PRESENT_SELF.search(text))

        # ties go to the topic that comes first by id, so an answer never depends on hash order
        best_topic, (best, glossary) = (min(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))
                                        if scores else (None, (0.0, None)))
        # a topic described in detail (several of its rarer words, most of the question explained) and
        # well ahead of any other is trusted below the threshold (the penalties below still apply)
        runner_up = max((v[0] for t, v in scores.items() if t != best_topic), default=0.0)
        if best_topic in described and best >= DESCRIBED_FLOOR and runner_up <= DESCRIBED_LEAD * best:
            best = max(best, THRESHOLD)
        if out_of_period:
            best *= 0.3
        # "who was X?" asks for a definition: a passing mention of X in some answer does not give one
        if best_topic and not glossary and _DEFINITION.match(text) and not any(
                self._names[i].topic_id == best_topic for i in names):
            best *= 0.5
        if present_self:
            best *= 0.6
        debug["best"] = round(best, 3)

        followup_cue = bool(_FOLLOW_UP.search(said))     # before the filler went: "and the marriage law?"
        if prev_topic and prev_topic in self.store.topics:
            # "what about the hundred flowers?": a new topic, the facet carried over
            if best_topic and best >= FOLLOW_UP_THRESHOLD and followup_cue and not facet.explicit:
                return Resolution(best_topic, prev_facet or "what", best, None, False, debug)
            # "what were its effects?": a facet, and no topic of its own
            weak_topic = best < THRESHOLD or (best_topic == prev_topic)
            if facet.explicit and weak_topic and not names:
                return Resolution(prev_topic, facet.facet, max(best, 0.6), None, True, debug)
            if facet.explicit and weak_topic and _PRONOUN.search(text) and best < THRESHOLD:
                return Resolution(prev_topic, facet.facet, 0.6, None, True, debug)

        if best_topic is None or best < THRESHOLD:
            return Resolution(None, None, round(best, 3), debug=debug)
        chosen_facet = self._facet_for(best_topic, facet, text)
        # a glossary term asked about in any "what" way ("define X", "tell me about X") gets its entry, as
        # does "who was X?" and a question its entry answers better than the topic; other facets of it, and
        # "who led X", go to the topic
        if glossary and (facet.facet == "what" or self._defines(tokens, names, glossary)
                         or self._entry_answers(facet.facet, content, names, glossary)):
            return Resolution(best_topic, "what", round(best, 3), glossary, False, debug)
        return Resolution(best_topic, chosen_facet, round(min(best, 1.0), 3), None, False, debug)

    def _facet_for(self, topic_id: str, facet: FacetGuess, text: str) -> str:
        topic = self.store.topics[topic_id]
        # "who were the red guards?" (heard "you're the red guards" too) asks what a group was
        if topic.group and facet.facet == "who" and facet.scores["who"] <= 2.25 \
                and re.match(r"^(who (were|are)|you re|you are) (the )?\w+( \w+){0,3}$", text):
            return "what"
        # "what were the names of the gang of four?" asks who; of anything else it is most often a
        # misheard "the aims of" (skill.facets)
        if topic.group and re.search(r"\bnames of\b", text):
            return "who"
        return facet.facet

    def _entry_answers(self, facet: str, content: list[tuple[int, str]],
                       names: dict[int, tuple[float, set[int]]], glossary: str) -> bool:
        """Whether the question asks about a glossary entry alone, in a way its own text answers and the
        topic's facet would not: about a person ("when did Zhou Enlai die?", "what did Deng Xiaoping do?",
        though why they did something is the topic's "why"), or when a dated event happened ("when was the
        Tangshan earthquake?" is not when Mao died)."""
        entry = self.store.glossary[glossary]
        if not ((entry.person and facet != "why") or (facet == "when" and _YEAR.search(entry.text))):
            return False
        where = set().union(*(w for idx, (_, w) in names.items() if self._names[idx].glossary == glossary))
        # a name the topic has too ("Madame Mao" of the Gang of Four) asks about the topic
        if any(self._names[idx].glossary is None and w & where for idx, (_, w) in names.items()):
            return False
        said = self._entry_stems[glossary]
        # every other word is in the entry and common ("die", "china"); a rarer one ("criticise",
        # "arrested") names an event of the topic, which its answers tell better
        return bool(where) and all(i in where or (stem(w) in said and self._idf.get(stem(w), 0.0) < ENTRY_ASIDE_IDF)
                                   for i, w in content)

    def _defines(self, tokens: list[str], names: dict[int, tuple[float, set[int]]], glossary: str) -> bool:
        """Whether the question is "who was X?" or "what is X?" with X a name of the glossary entry, and
        nothing more: it asks for the entry itself, however strongly a leading "who" asks who."""
        if len(tokens) < 2 or tokens[0] not in ("who", "what"):
            return False
        start = 2 if tokens[1] in ("is", "was", "were", "are") else 1       # "who's" is normalised to "who"
        rest = {i for i in range(start, len(tokens)) if tokens[i] not in ("the", "a", "an")}
        return bool(rest) and any(self._names[idx].glossary == glossary and rest <= where
                                  for idx, (_, where) in names.items())

    def _match_names(self, tokens: list[str]) -> dict[int, tuple[float, set[int]]]:
        """name index -> (match quality 0..1, positions of the question it covers)."""
        words = [w for w in set(tokens) if w not in STOPWORDS]
        candidates = _members(self._heard_enough(words))
        token_sounds = [sound(w) for w in tokens]
        token_stems = [stem(w) for w in tokens]
        views = (tokens, token_sounds, token_stems)
        # every word window of the question up to one word longer than the longest candidate name,
        # shortest first, in each view: spelling, sound, stems
        longest = max((len(self._names[idx].words) for idx in candidates), default=0)
        spans, sized = [], []
        for size in range(1, min(len(tokens), longest + 1) + 1):
            for start in range(0, len(tokens) - size + 1):
                spans.append((start, start + size))
                sized.append(size)
        joined: list[list[str] | None] = [None, None, None]     # each view's windows, built when first needed
        ranges: dict[tuple[int, int], tuple[int, int]] = {}
        found: dict[int, tuple[float, set[int]]] = {}
        heard_anywhere = _Heard(tokens, self._idf)
        padded = " " + " ".join(tokens) + " "
        for idx in candidates:
            name = self._names[idx]
            # a name must have every word heard somewhere in the question before its windows are worth
            # comparing (the same test passes on the best window below): cheap, and in a big store most
            # candidates share all but one word with the question ("bright orchard the great leap")
            if not heard_anywhere.hears_all(name.meaningful):
                continue
            n = len(name.words)
            # windows one word shorter or longer than the name (the whole question if it is shorter)
            lo, hi = min(max(1, n - 1), len(tokens)), min(n + 1, len(tokens))
            if (lo, hi) not in ranges:
                ranges[(lo, hi)] = (sized.index(lo), len(sized) - sized[::-1].index(hi))
            first, last = ranges[(lo, hi)]
            best, span = 0.0, (0, 0)
            # spelled exactly (most names are): its earliest place is the window extractOne would pick
            at = padded.find(" " + name.text + " ")
            if at >= 0:
                start = padded.count(" ", 0, at)
                best, span = 100.0, (start, start + n)
            for view, text, weight in ((0, name.text, 1.0), (1, name.sounds, 0.95), (2, name.stems, 0.99)):
                if best >= 100:
                    break           # spelled exactly: sound and stems cannot do better
                if joined[view] is None:
                    joined[view] = [" ".join(views[view][a:b]) for a, b in spans]
                hit = process.extractOne(text, joined[view][first:last], scorer=fuzz.ratio)
                # the earliest, shortest window wins a tie, as in reading order
                if hit and hit[1] * weight > best:
                    best, span = hit[1] * weight, spans[first + hit[2]]
            where = set(range(*span))
            # abbreviations must be exact; one-word names near exact; longer names tolerate mishearing
            floor = 100 if len(name.text) <= 4 else 90 if (n == 1 and len(name.text) < 8) else 84 if n == 1 else 74
            # a name spelled exactly has every word in its window: nothing more to check
            exact = best >= 100
            if best >= floor and (exact or _Heard([tokens[i] for i in sorted(where)], self._idf).hears_all(name.meaningful)):
                quality = 1.0 if exact else (best - floor) / (100 - floor)
                found[idx] = (0.55 + 0.45 * quality, where)
        for idx, (quality, where) in self._match_joined_sounds(token_sounds).items():
            if idx not in found or found[idx][0] < quality:
                found[idx] = (quality, where)
        return found

    def _qualified_by_unknown(self, tokens: list[str], where: set[int]) -> bool:
        """Whether a name found at `where` follows "the" and a word the content never uses: "the spanish
        civil war", "the irish famine" name something else than the civil war and the famine we know."""
        first = min(where, default=0)
        if first < 2 or tokens[first - 2] not in ("the", "a", "an"):
            return False
        word = tokens[first - 1]
        s = stem(word)
        return not (word in STOPWORDS or word.isdigit() or s in self._idf or s in self._facet_stems or self._family(s))

    def _heard_enough(self, words: list[str]) -> int:
        """The names (a bitset) filed under a rare word of the question and with all their words heard
        in it but one (misheard): the names worth scoring."""
        pool = 0
        for w in words:
            pool |= self._rare_mask_of_word(w)
        if not pool:
            return 0
        # at_least[k]: the names of the pool that k or more of the question's words were heard in
        at_least = [pool] + [0] * len(words)
        for seen, w in enumerate(words, start=1):
            hit = pool & self._mask_of_word(w)
            for k in range(seen, 0, -1):
                at_least[k] |= at_least[k - 1] & hit
        enough = 0
        for needed, names in self._needed_masks:
            if needed <= len(words):
                enough |= at_least[needed] & names
        return enough

    def _match_joined_sounds(self, token_sounds: list[str]) -> dict[int, tuple[float, set[int]]]:
        """Names heard across word boundaries: "collectors issue" for "collectivisation".

        The sounds of a few consecutive words, run together, are compared (by rapidfuzz, in C) with the
        sounds run together of the long names that begin and end with the same sounds.
        """
        found: dict[int, tuple[float, set[int]]] = {}
        for size in (1, 2, 3, 4):
            for start in range(0, len(token_sounds) - size + 1):
                window = "".join(token_sounds[start:start + size])
                # a window and a name must begin and end alike: one with a word missing at either end
                # is another name (and the grouping keeps big stores fast)
                group = self._joined_by_ends.get(window[:1] + window[-1:])
                if group is None:
                    continue
                # fuzz.ratio is 2 x matches / total length: names much shorter or longer cannot reach
                # the floor
                ids, names, lengths = group
                first = bisect.bisect_left(lengths, math.ceil(_JOINED_REACH * len(window) - 1e-9))
                last = bisect.bisect_right(lengths, math.floor(len(window) / _JOINED_REACH + 1e-9))
                if first >= last:
                    continue
                for name, score, k in process.extract(window, names[first:last], scorer=fuzz.ratio,
                                                      score_cutoff=JOINED_SOUND_FLOOR, limit=None):
                    idx = ids[first + k]
                    quality = 0.5 + 0.4 * (score - JOINED_SOUND_FLOOR) / (100 - JOINED_SOUND_FLOOR)
                    if idx not in found or quality > found[idx][0]:
                        found[idx] = (quality, set(range(start, start + size)))
        return found

    def _names_of_word(self, word: str) -> set[int]:
        """The names a word can belong to: by spelling, by stem or by sound."""
        return self._by_word.get(word, _EMPTY) | self._by_word.get("~" + sound(word), _EMPTY) \
            | self._by_word.get("^" + stem(word), _EMPTY)

    def _rare_names_of_word(self, word: str) -> set[int]:
        """The names filed under a word (by spelling, stem or sound) as one of their two rarest."""
        return self._by_rare_word.get(word, _EMPTY) | self._by_rare_word.get("~" + sound(word), _EMPTY) \
            | self._by_rare_word.get("^" + stem(word), _EMPTY)

    def _score_topics(self, tokens, content, names, cue_words=frozenset()) -> tuple[dict[str, tuple[float, str | None]], set[str]]:
        """topic id -> (score 0..1, glossary entry id if a glossary name carried it); and the topics
        the question describes in detail without naming them."""
        weights = {i: self._weight(w) for i, w in content}
        # facet cue words ("events", "reasons") count for a topic that uses them, never against one
        total = sum(v for i, v in weights.items() if tokens[i] not in cue_words) or 1.0
        best_name: dict[str, tuple[float, set[int], str | None, int, float]] = {}
        for idx, (quality, where) in names.items():
            name = self._names[idx]
            # a longer name is better evidence than a short one
            specificity = min(1.0, 0.75 + 0.12 * len(name.meaningful))
            q = quality * specificity
            # of a topic's names, keep the one that explains most of the question, not merely the surest;
            # of two as good, the longer, or the glossary entry's (its own answer is the more specific)
            value = q * (0.25 + 0.75 * sum(weights.get(i, 0.0) for i in where) / total)
            prev = best_name.get(name.topic_id)
            if prev is None or value > prev[4] or (value == prev[4] and (
                    len(name.words), name.glossary is not None) > (prev[3], prev[2] is not None)):
                best_name[name.topic_id] = (q, where, name.glossary, len(name.words), value)
        # the longest match wins: "the second five year plan" is not "the five year plan"
        for topic_id, (q, where, gloss, n, value) in list(best_name.items()):
            if any(other != topic_id and where < o_where and o_q >= q
                   for other, (o_q, o_where, *_) in best_name.items()):
                best_name[topic_id] = (q * 0.8, where, gloss, n, value)
        hits = []           # per meaningful word: where it is, its stem, the topics that use it or sound like it
        rough: dict[str, float] = defaultdict(float)
        for i, w in content:
            s = stem(w)
            used_by = self._postings_of(s)
            sounds_in = self._sound_topics.get(sound(w), set()) if len(w) >= 5 else set()
            # in a big store, a word most topics use picks out none: leave it out of the shortlist
            if self._small_store or self._idf.get(s, 0.0) >= COMMON_WORD_IDF:
                for topic_id, value in used_by.items():
                    rough[topic_id] += value
            if self._small_store:
                for topic_id in sounds_in:
                    rough.setdefault(topic_id, 0.0)     # heard, not spelled: a candidate all the same
            hits.append((i, s, used_by, sounds_in))
        # topics named in the question, and the few whose words it uses most
        shortlist = _top(rough, MAX_CONTENT_CANDIDATES)
        candidates = sorted(set(best_name) | set(shortlist))
        rows = []
        for topic_id in candidates:
            covered_by_name = best_name.get(topic_id, (0.0, set(), None, 0, 0.0))
            explained = 0.0
            evidence = 0.0
            matched = 0
            for i, s, used_by, sounds_in in hits:
                if i in covered_by_name[1]:
                    explained += weights[i]
                elif topic_id in used_by:
                    explained += weights[i]
                    evidence += used_by[topic_id]
                    matched += 1
                elif topic_id in sounds_in:
                    explained += 0.6 * weights[i]
                    evidence += 0.6 * self._idf.get(s, self._unknown_weight * 0.5)
            rows.append((topic_id, covered_by_name[0], covered_by_name[2], min(1.0, explained / total), evidence, matched))
        ranked = sorted((r[4] for r in rows), reverse=True) + [0.0, 0.0]
        scores: dict[str, tuple[float, str | None]] = {}
        described: set[str] = set()
        for topic_id, name_q, glossary, coverage, evidence, matched in rows:
            if name_q:
                # a name is strong evidence, but not for a question mostly about something else
                score = name_q * (0.25 + 0.75 * coverage)
            else:
                # content alone: enough rare words, and clearly more than any other topic has
                other = ranked[1] if evidence == ranked[0] else ranked[0]
                strength = 1 - math.exp(-evidence / 4.0)
                margin = evidence / (evidence + 0.5 * other) if evidence else 0.0
                score = 0.85 * strength * coverage * margin
                if matched < 2:
                    score *= 0.5     # one shared word is a coincidence more often than a description
            if score > 0:
                scores[topic_id] = (score, glossary)
                if not name_q and matched >= DESCRIBED_WORDS and evidence >= DESCRIBED_EVIDENCE \
                        and coverage >= DESCRIBED_COVERAGE:
                    described.add(topic_id)
        # a topic the question names in full, exactly, outranks every topic it does not name at all ("who
        # opposed the down to the countryside movement" is not about the Hundred Flowers, whose answers
        # happen to say "opposed", "countryside" and "movement")
        named_in_full = max((scores[t][0] for t, (q, *_) in best_name.items() if q >= 0.99 and t in scores),
                            default=0.0)
        for topic_id, (score, glossary) in list(scores.items()):
            if topic_id not in best_name and score >= named_in_full > 0:
                scores[topic_id] = (named_in_full * 0.99, glossary)
        return scores, described

    def _weight(self, word: str) -> float:
        s = stem(word)
        if s in self._idf:
            return max(self._idf[s], 0.3)
        family = self._family(s)
        if family:
            return max(max(self._idf[f] for f in family), 0.3)
        if word.isdigit():
            return 1.0
        if len(word) >= 5 and sound(word) in self._known_sounds:
            return self._unknown_weight * 0.5
        return self._unknown_weight

