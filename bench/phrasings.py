"""How the resolver copes with the many ways of asking about a named topic: every topic's title and
aliases inside question openings (plain, casual, exam-style), other subjects inside the same openings
(which must be refused), and follow-ups after every topic.

Usage: python bench/phrasings.py [--show N]
Not a test and not tuned on: it prints figures, and with --show the first N misses of each kind, to
find phrasings worth a facet cue or a filler word. Indirect questions (a topic described, not named)
cannot be built this way; the shared dev sets and tests/cases/heldout.jsonl hold those.
"""
from __future__ import annotations

import argparse
from collections import Counter

from skill import Resolver, load_store
from skill.settings import PROJECT_ROOT

# opening -> the facet it asks
OPENINGS = {
    "{}": "what", "tell me about {}": "what", "can you tell me about {}": "what", "so what was the deal with {}": "what",
    "key facts about {}": "what", "explain {} to me": "what", "whats {}": "what",
    "who opposed {}": "who", "who benefited from {}": "who", "who was responsible for {}": "who",
    "who was behind {}": "who", "who started {}": "who", "who were the key people in {}": "who",
    "when did {} start": "when", "how long did {} last": "when", "what year did {} end": "when",
    "when did {} finish": "when", "quick question about {}, when was it": "when", "{} dates": "when",
    "why did {} start": "why", "what led to {}": "why", "causes of {}": "why", "why did mao launch {}": "why",
    "what were the reasons behind {}": "why",
    "give two features of {}": "features", "describe two key features of {}": "features",
    "what were the main events of {}": "features", "what was life like during {}": "features",
    "what happened in {}": "features", "outline the main features of {}": "features",
    "assess the impact of {}": "effects", "how significant was {}": "effects", "was {} a success": "effects",
    "what problems did {} cause": "effects", "what were the long term effects of {}": "effects",
    "to what extent was {} a failure": "effects", "what was so bad about {}": "effects",
    "name two effects of {}": "effects", "what happened after {}": "effects", "{} effects": "effects",
}
OTHER_SUBJECTS = [
    "the french revolution", "the russian revolution", "the industrial revolution", "the first world war",
    "the cold war", "the vietnam war", "the cuban missile crisis", "the great depression", "the new deal",
    "the holocaust", "the battle of hastings", "the roman empire", "apartheid", "the civil rights movement",
    "the berlin wall", "the space race", "the marshall plan", "the boxer rebellion", "the opium wars",
    "the meiji restoration", "the partition of india", "the suffragettes", "the tudors", "the black death",
    "the irish famine", "the spanish civil war", "the taiping rebellion", "the ming dynasty",
]
FOLLOW_UPS = {
    "what were its effects": "effects", "and the effects": "effects", "was it a success": "effects",
    "why did it happen": "why", "what caused it": "why", "and why": "why", "when was that": "when",
    "how long did it last": "when", "who was involved": "who", "key people": "who", "who led it": "who",
    "what were its main features": "features", "what did it involve": "features", "what happened": "features",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print the first N misses of each kind")
    args = parser.parse_args()
    store = load_store(PROJECT_ROOT / "content")
    resolver = Resolver(store, cache_size=0)
    named, misses = Counter(), []
    for topic in store.topics.values():
        for name in dict.fromkeys([topic.spoken_title.lower(), *topic.aliases]):
            for opening, facet in OPENINGS.items():
                res = resolver.resolve(opening.format(name))
                kind = ("right" if (res.topic, res.facet) == (topic.id, facet) else "right topic, other facet"
                        if res.topic == topic.id else "wrong topic" if res.topic else "refused")
                named[kind] += 1
                if kind != "right":
                    misses.append((kind, opening.format(name), res.topic, res.facet))
    answered = [(q, r.topic, r.facet) for q, r in ((o.format(s), resolver.resolve(o.format(s)))
                                                    for s in OTHER_SUBJECTS for o in OPENINGS) if r.topic]
    follow = Counter()
    for topic in store.topics.values():
        for question, facet in FOLLOW_UPS.items():
            res = resolver.resolve(question, (topic.id, "what"))
            follow["right" if (res.topic, res.facet) == (topic.id, facet) else "wrong"] += 1
    total = sum(named.values())
    print(f"named topics in {len(OPENINGS)} openings: {total} questions; " +
          ", ".join(f"{k} {v} ({100 * v / total:.1f}%)" for k, v in named.most_common()))
    print(f"other subjects in the same openings: {len(answered)} answered of {len(OTHER_SUBJECTS) * len(OPENINGS)}")
    print(f"follow-ups after every topic: {follow['right']} right of {sum(follow.values())}")
    if args.show:
        for kind in ("wrong topic", "refused", "right topic, other facet"):
            for miss in [m for m in misses if m[0] == kind][:args.show]:
                print(" ", *miss, sep=" | ")
        for miss in answered[:args.show]:
            print("  answered out of scope", *miss, sep=" | ")


if __name__ == "__main__":
    main()
