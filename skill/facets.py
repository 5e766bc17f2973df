"""Which of the six questions (what, who, when, why, features, effects) a question asks.

Cues are regular expressions over normalised text, each with a weight. Content words ("consequences",
"features", "what year") weigh more than bare question words, because speech recognition often swaps
"what were" for "why were" but rarely invents "consequences". The highest total wins; with no cue at
all the question is taken as "what" ("the great leap forward?" means "tell me about it").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .content import FACETS

STRONG, MEDIUM, WEAK = 3.0, 2.0, 1.0

_CUES: dict[str, list[tuple[str, float]]] = {
    "what": [
        (r"^(what|whats) (is|was|were|are)\b", WEAK),
        (r"\b(tell me about|tell me something about|talk about|overview|summary|summarise|sum up|define|definition|"
         r"the deal with|key facts|facts about)\b", 2.5),
        (r"\b(what (does|did) .+ mean(?! for)|meaning of|what is meant by)\b", STRONG),
        (r"^explain (the|a|an)\b", WEAK),
        (r"\bwhat (was|is|were) (the )?(point|idea) of\b", WEAK),
        # "what happened when China sent troops across the Yalu?" describes an event and asks what it was
        (r"\bwhat happened when\b", STRONG),
    ],
    "who": [
        (r"^(who|whom)\b", 3.25),      # a leading "who" asks who, whatever else the question names
        # speech recognisers often hear a leading "who" as "he", "you", "to" or "here"
        (r"^(he|you|to|here|hill|he ll|who d|q)( has| have| ve)? (\w+ed|led|lead|let|came|put|made|said|took|got|stood|"
         r"wrote|ran|began|help|first|was|is|were)\b", MEDIUM),
        (r"^(your post|you oppose)\b", MEDIUM),          # "who opposed", misheard
        (r"^(sheila|fuel and)\b", MEDIUM),       # "who led", as pocketsphinx hears flite voices say it
        (r"\b(who|whom|whose)\b", MEDIUM),
        (r"\b(which|what) (?!(did|do|does|was|were|is|are) )(\w+ )?(leaders?|people|person|groups?|men|women|politicians?|officials?|minister|general|students?)\b", STRONG),
        (r"\b(responsible for|in charge|behind|led by|run by|masterminded)\b", MEDIUM),
        (r"\b(leader|leaders|involved)\b", WEAK),
        (r"\b(key|main|important|leading) (people|figures|players|individuals|leaders|personalities)\b", STRONG),
        (r"\bpart in\b", MEDIUM),             # "took part in", often heard as "huge part in", "hear that part in"
        (r"\bto blame\b", MEDIUM),
        (r"\bvictims\b", MEDIUM),
        (r"^(you re|you are|here are) the\b", MEDIUM),     # "who were the", as pocketsphinx hears it
        (r"\bcame up with\b", STRONG),      # who invented it, even after a misheard "who" ("he came up with")
    ],
    "when": [
        (r"^when\b", STRONG),
        (r"\bwhen\b", WEAK),
        (r"\b(what|which) (year|years|date|dates|month|decade|time)\b", STRONG),
        (r"^(in |over |the other )?(what|live|like|1|my) (your|yours|ears|gears|gear|here|you re)\b", STRONG),  # "(in/over) what year(s)", misheard
        (r"^(1|went|win|wen|wend) (to|was|were|did|is|does)\b", MEDIUM),       # a leading "when", misheard
        (r"\bhow long\b", STRONG),
        (r"^over what\b", STRONG),      # "over what years", its last word often misheard ("yours", "cures")
        (r"\b(dates?|timeline|chronology|in what year|over what years|start and end)\b", STRONG),
    ],
    "why": [
        (r"\bwhy\b", MEDIUM),
        (r"^explain my\b", MEDIUM),             # "explain why", misheard
        (r"^explain because of\b", MEDIUM),     # "explain the causes of", misheard
        (r"^what (were|are|would|with) (the )?names of\b", MEDIUM),    # "the aims of", misheard
        (r"\b(reasons?|causes?|caused|cause of|causing|aims?|aimed|motives?|motivations?|purpose|goals?|objectives?)\b", STRONG),
        (r"\bthey go all\b", STRONG),        # "the goals", misheard
        (r"\b(how come|what made|what led to|what lead to|led to the|what for|for what reason|so that)\b", STRONG),
        (r"\b(want|wanted|wants) (to|the|a|peasants|people|china)\b", WEAK),
        (r"\b(died? of|death caused)\b", STRONG),
    ],
    "features": [
        (r"\b(features?|characteristics?|consisted?|stages?|aspects?|main events|key events)\b", STRONG),
        (r"\b(involve|involved|involves|involving|in value|in valve|in balance)\b", MEDIUM),   # and misheard
        (r"^how (did|was|were|do|does) ", WEAK),
        (r"\bwhat happen(ed|s) (during|at|in|on|inside|throughout)\b", STRONG),
        (r"\bwhat happen(ed|s)\b(?! when)", MEDIUM),
        (r"\bwhat went on\b", STRONG),
        (r"\b(the events|what took place)\b", MEDIUM),
        (r"\bwhat (did|do|does) .+ (do|due|say|says|said|include|ban|allow|change|make|build|involve)\b", MEDIUM),
        (r"\bwhat (kind|kinds|sort|sorts|type|types) of\b", STRONG),
        (r"\b(what|why) (was|were) .+ like\b", STRONG),
        (r"\b(was|were|with) .+ like$", 3.5),     # "what was X like", its opening misheard ("when was")
        (r"\b(life|conditions|daily) like\b", STRONG),
        (r"\bdescribe\b", MEDIUM),
        (r"\blook(s|ed)? like\b", STRONG),
        (r"\borgani[sz](ed|e|ation)\b", STRONG),
        # how it worked, not whether it worked (and "how did", as pocketsphinx hears it: "i did")
        (r"(\bhow|^i) did .+ (work|worked|operate|run)\b", 3.5),
        (r"\b(carry|carried) out\b", MEDIUM),
        (r"\bwhen when on\b|\bwhen on (sharing|during)\b", 3.5),    # "what went on during", misheard
        (r"\bwhat changes\b", MEDIUM),
    ],
    "effects": [
        (r"\b(effects?|impacts?|consequences?|results?|outcomes?|legacy|aftermath|significance|significant|"
         r"importance|how important|effected|effective|impacted|means? for|meant for)\b", STRONG),
        (r"\b(have|had) (on|an)\b", MEDIUM),        # "what impact did X have on"
        (r"\balong to (our|are) (main|men)\b", STRONG),      # "the long term impact", misheard
        (r"\b(success|successful|succeed|succeeded|failure|failures|failed|fail|fatal|achieve|achieved|achievements?)\b", STRONG),
        (r"\bwhat problems\b", STRONG),
        (r"\b(a|of|that|the) chief$", MEDIUM),          # "achieve", misheard
        (r"\bassessing\b|\bcars$", MEDIUM),      # "assess the impact", and a final "cause", misheard
        (r"\b(did|does|do) .+ (work|worked|succeed)$", STRONG),
        (r"\b(went wrong|go wrong|lead to|led to|result of|as a result|affect|affected|change china|changed)\b", STRONG),
        (r"\bwhat happened (to|after|next|afterwards|as)\b", STRONG),
        (r"\b(how many (people )?(died|killed|deaths)|death toll|died|deaths|killed)\b", MEDIUM),
        (r"\b(how far|to what extent|how much did|gain|gained|benefit|benefits|better|worse|good or bad|strengthen|weaken|grow|grew)\b", MEDIUM),
        (r"\b(so bad|so good|good and bad|pros and cons|positives?|negatives?|downsides?|upsides?)\b", STRONG),
        (r"\bin the end\b", MEDIUM),
        (r"\bfact china\b", MEDIUM),            # "affect china", misheard
        (r"\bchanged? because of\b", STRONG),      # "what changed because of", heard as "why change"
        (r"\bwhat (\w+ )?(did|does|do|would) .+ cause$", 3.5),   # "what problems did X cause": what X caused
        (r"\b(sentenced|sentences?|punished|punishments?)\b", MEDIUM),
    ],
}

# a cue's ".+" stands for whatever the question is about ("what did X cause"): its words are not cue words
_COMPILED = {f: [(re.compile(p.replace(".+", "(?P<about>.+)")), w) for p, w in cues] for f, cues in _CUES.items()}
# one search per facet first: most questions name one or two facets, so most facets' cues are skipped
_ANY_CUE = {f: re.compile("|".join(f"(?:{p})" for p, _ in cues)) for f, cues in _CUES.items()}


@dataclass(frozen=True)
class FacetGuess:
    facet: str
    score: float          # the winning total; 0 when nothing in the question names a facet
    scores: dict
    cue_words: frozenset = frozenset()     # the words of the question that some cue matched

    @property
    def explicit(self) -> bool:
        return self.score > 0


def _cue_text(m: re.Match) -> str:
    """The words a cue matched, without the part that stands for what the question is about."""
    if "about" not in m.re.groupindex or m.start("about") < 0:
        return m[0]
    return m.string[m.start():m.start("about")] + " " + m.string[m.end("about"):m.end()]


def guess_facet(normalized: str) -> FacetGuess:
    """Score each facet by its cues in the (normalised) question."""
    scores, cue_words = {}, set()
    for facet, cues in _COMPILED.items():
        matched = []
        if not _ANY_CUE[facet].search(normalized):
            scores[facet] = 0.0
            continue
        for rx, weight in cues:
            if rx.search(normalized):       # most cues miss: one search each, as cheap as it gets
                matched.append(weight)
                cue_words.update(word for m in rx.finditer(normalized) for word in _cue_text(m).split())
        # the strongest cue counts fully, further cues of the same facet add a little
        scores[facet] = (max(matched) + 0.25 * (len(matched) - 1)) if matched else 0.0
    # "why was the first five year plan": with no verb after it, a leading "why was" is most often a
    # misheard "what was"
    if re.match(r"^why (was|were|is|are) ", normalized) and scores["why"] <= MEDIUM + 0.25 and not re.search(
            r"\w+(ed|en)\b|\b(built|held|made|set|put|led|begun|done|kept|sent|lost|won|split|run|brought|"
            r"fought|launch|so|such|important|popular|successful|necessary|unpopular)\b", normalized[8:]):
        scores["why"], scores["what"] = WEAK, max(scores["what"], WEAK)
    # "when was the purpose of X", "when impacted X have on": a leading "when" before a word that names
    # another facet is most often a misheard "what"
    if re.match(r"^when ((was|were|is|are) the \w+ of|impact|impacted|effect|effected|effective)\b",
                normalized) and any(
            scores[f] >= STRONG for f in FACETS if f != "when"):
        scores["when"] = WEAK
    best = max(FACETS, key=lambda f: (scores[f], f == "what"))
    if scores[best] == 0:
        return FacetGuess("what", 0.0, scores, frozenset(cue_words))
    return FacetGuess(best, scores[best], scores, frozenset(cue_words))
