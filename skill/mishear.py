"""Find how a speech recogniser mishears each topic's names, and suggest the misheard forms.

Each name of a topic is spoken inside a few carrier sentences ("tell me about X") by several flite
voices and transcribed by pocketsphinx (all offline); the words heard in place of X become a
suggestion when the resolver does not already find the topic from them. An author reviews the
suggestions and adds the good ones to the topic's `misheard` list.

Needs Debian's flite and sox, and the pocketsphinx package: `pip install -e ".[speech]"`.
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from .content import ContentStore
from .facets import guess_facet
from .resolver import Resolver
from .text import STOPWORDS, normalize

CARRIERS = ("tell me about {}", "what were the effects of {}")
# Further carriers the content's aliases were mined with, one pass each: a name is heard differently
# after different words, so each pass finds forms the others missed.
MORE_CARRIERS = ("why did {} happen", "who was involved in {}", "when was {}", "describe {}",
                 "what happened during {}", "what caused {}", "explain {}", "who led {}",
                 "how did {} affect china", "what did {} lead to", "why was {} important",
                 "what were the main features of {}", "which leaders were involved in {}",
                 "what impact did {} have", "when did {} start", "what was {}", "who started {}",
                 "what were the causes of {}", "tell me more about {}", "why did mao start {} in china",
                 "how did {} change people's lives")
# Carriers the glossary entries' names were mined with (--glossary).
GLOSSARY_CARRIERS = ("tell me about {}", "who was {}", "what happened to {}", "why did {} lose", "what did {} do next")
VOICES = ("rms", "slt", "awb")


@dataclass(frozen=True)
class Suggestion:
    topic: str
    said: str        # the name as written
    heard: str       # what the recogniser heard in its place
    voice: str
    carrier: str = "{}"
    term: str | None = None     # the glossary entry whose name was said, if not the topic's own


# Question openings and the facet each asks, for finding how a recogniser mishears the facet cues.
OPENINGS = {"when did {} start": "when", "when was {}": "when", "why did {} happen": "why",
            "explain why {} happened": "why", "what caused {}": "why", "who led {}": "who",
            "who was involved in {}": "who", "which leaders were involved in {}": "who",
            "what were the main features of {}": "features", "what were the effects of {}": "effects",
            "how did {} affect china": "effects", "what impact did {} have": "effects",
            "what did {} involve": "features", "what were the aims of {}": "why",
            "what was the impact of {}": "effects", "who was responsible for {}": "who",
            "who was behind {}": "who", "when did {} happen": "when", "what was {} like": "features",
            "what did {} lead to": "effects", "how long did {} last": "when",
            "what were the consequences of {}": "effects", "why was {} introduced": "why",
            "what were the reasons for {}": "why", "what year did {} begin": "when",
            "describe the key features of {}": "features", "what were the results of {}": "effects",
            "what happened during {}": "features", "what was the significance of {}": "effects",
            "who took part in {}": "who", "when did {} end": "when", "what changed because of {}": "effects",
            "how successful was {}": "effects", "how far did {} succeed": "effects",
            "what problems did {} cause": "effects", "who opposed {}": "who", "who benefited from {}": "who",
            "who suffered in {}": "who", "what was the purpose of {}": "why", "why did {} fail": "effects",
            "when did {} take place": "when", "in what year was {}": "when", "what was the outcome of {}": "effects",
            "assess the impact of {}": "effects", "what did {} achieve": "effects",
            "what were the key events of {}": "features", "give two features of {}": "features",
            "what was the main aim of {}": "why", "why did mao start {}": "why", "who was in charge of {}": "who",
            "who were the leaders of {}": "who", "who were the main people in {}": "who",
            "what impact did {} have on china": "effects", "what effect did {} have on ordinary people": "effects",
            "how did {} change china": "effects", "what went on during {}": "features",
            "what did people do during {}": "features", "how did the government carry out {}": "features",
            "what was the long term impact of {}": "effects", "over what years did {} happen": "when",
            "why did mao launch {}": "why", "what were the goals of {}": "why", "who was to blame for {}": "who",
            "what was it like to live through {}": "features", "what did {} mean for peasants": "effects",
            "how did {} work": "features", "what was the main reason for {}": "why", "why was {} launched": "why",
            "explain the causes of {}": "why", "who was the leader of {}": "who", "who were the victims of {}": "who",
            "who supported {}": "who", "when did {} finish": "when", "how long did {} go on for": "when",
            "what happened as a result of {}": "effects", "how did {} affect ordinary people": "effects",
            "what were the short term effects of {}": "effects", "was {} a success": "effects",
            "what were the main events of {}": "features", "how was {} organised": "features",
            "what did {} look like": "features", "what was {} all about": "what"}


@dataclass(frozen=True)
class FacetSlip:
    topic: str
    said: str        # the whole question spoken
    heard: str       # what the recogniser heard
    facet: str       # the facet the question asks
    guessed: str     # the facet skill.facets took from what was heard
    voice: str


class Recogniser:
    """flite speaks, sox resamples to 16 kHz mono, pocketsphinx's bundled en-US model transcribes."""

    def __init__(self):
        from pocketsphinx import Decoder   # optional dependency: only this tool needs it
        self.decoder = Decoder(samprate=16000, loglevel="FATAL")

    def hear(self, text: str, voice: str) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "16k.wav"
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True, capture_output=True)
            # -R: no random dither, so the same sentence is always heard the same way
            subprocess.run(["sox", "-R", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)],
                           check=True, capture_output=True)
            data = wav.read_bytes()[44:]     # past the WAV header sox writes
        self.decoder.start_utt()
        self.decoder.process_raw(data, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


def heard_in_place(carrier: str, transcript: str) -> str:
    """The words of a transcript between the carrier's own words (each end found by the best fuzzy split)."""
    before, _, after = carrier.partition("{}")
    prefix, suffix = normalize(before), normalize(after)
    words = normalize(transcript).split()
    start = max(range(len(words) + 1), key=lambda k: (fuzz.ratio(" ".join(words[:k]), prefix), -k))
    rest = words[start:]
    if not suffix:
        return " ".join(rest)
    end = max(range(len(rest) + 1), key=lambda k: (fuzz.ratio(" ".join(rest[k:]), suffix), k))
    return " ".join(rest[:end])


def worth_suggesting(heard: str, said: str, topic_id: str, resolver: Resolver) -> bool:
    """A mishearing is a useful alias when the resolver misses it, it keeps at least one meaningful
    word of the name (a lone common word such as "mental" would catch unrelated questions), it has a
    word that most topics do not use (one that is all "campaign" or "reforms" would catch questions
    about other topics) and it does not already lead to another topic."""
    heard_words, said_words = normalize(heard).split(), normalize(said).split()
    if len(heard_words) < 2 or heard == " ".join(said_words):
        return False
    meaningful = {w for w in heard_words if w not in STOPWORDS}
    if not meaningful & {w for w in said_words if w not in STOPWORDS}:
        return False
    if all(resolver.common_word(w) for w in meaningful):
        return False
    res = resolver.resolve(f"tell me about {heard}")
    return res.topic != topic_id and (res.topic is None or res.confidence < 0.5)


def spoken_names(names, which: slice) -> list[str]:
    """The names worth speaking: each once, without a leading article or a question wrapped round it
    ("who was peng dehuai")."""
    out: dict[str, None] = {}
    for name in names:
        if not name.startswith(("who ", "what ")):
            out[name.removeprefix("the ").removeprefix("a ")] = None
    return list(out)[which]


def suggest(store: ContentStore, recogniser: Recogniser, topics: list[str] | None = None,
            voices=VOICES, carriers=CARRIERS, aliases: slice = slice(0, 4), glossary: bool = False) -> list[Suggestion]:
    """Speak each topic's names (its title with its first four aliases, or the aliases in `aliases`)
    in each carrier with each voice; suggest what was heard in their place. With `glossary`, speak
    the names of each glossary entry instead (its term and aliases, by the same slice)."""
    resolver = Resolver(store, cache_size=0)
    found: dict[tuple[str, str], Suggestion] = {}
    for topic in store.topics.values():
        if topics and topic.id not in topics:
            continue
        if glossary:
            said_names = [(said, entry.term) for entry in topic.glossary
                          for said in spoken_names(entry.aliases, aliases)]
        else:
            title = [topic.spoken_title.lower()] if not aliases.start else []
            said_names = [(said, None) for said in dict.fromkeys([*title, *topic.aliases[aliases]])]
        for said, term in said_names:
            for carrier in carriers:
                for voice in voices:
                    heard = heard_in_place(carrier, recogniser.hear(carrier.format(said), voice))
                    if worth_suggesting(heard, said, topic.id, resolver):
                        found.setdefault((topic.id, heard), Suggestion(topic.id, said, heard, voice, carrier, term))
    return list(found.values())


def facet_slips(store: ContentStore, recogniser: Recogniser, topics: list[str] | None = None,
                voices=VOICES, openings: dict[str, str] = OPENINGS) -> list[FacetSlip]:
    """Speak each topic's title inside each opening; report the transcripts whose facet is guessed
    wrong, so that cues for the misheard openings can be added to skill.facets."""
    slips = []
    for topic in store.topics.values():
        if topics and topic.id not in topics:
            continue
        for opening, facet in openings.items():
            said = opening.format(topic.spoken_title.lower())
            for voice in voices:
                heard = normalize(recogniser.hear(said, voice))
                guessed = guess_facet(heard).facet
                if guessed != facet:
                    slips.append(FacetSlip(topic.id, said, heard, facet, guessed, voice))
    return slips
