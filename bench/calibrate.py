"""Score the resolver in-process on the shared dev sets (clean and speech-recognised), for tuning.

Usage: python bench/calibrate.py [--threshold T ...]
Prints right / wrong / abstained for in-scope questions and refusals for out-of-scope ones, at each
threshold, so the abstention threshold can be chosen where wrong answers stay rare.
"""
from __future__ import annotations

import argparse
import json

from skill import Resolver, load_store
from skill import resolver as resolver_module
from skill.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT.parent / "shared" / "eval"


def cases(asr: bool):
    rows = []
    for name in ("dev_inscope.jsonl", "dev_indirect.jsonl", "dev_oos.jsonl"):
        for line in (EVAL / name).read_text().splitlines():
            if line.strip():
                rows.append(json.loads(line))
    if not asr:
        return [(c["q"], c["expect"]) for c in rows]
    by_text = {c["q"].strip(): c["expect"] for c in rows}
    out = []
    for line in (EVAL / "asr_dev_flite.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            if row["text"].strip() in by_text:
                out.append((row["transcript"], by_text[row["text"].strip()]))
    return out


def measure(resolver, data, threshold):
    resolver_module.THRESHOLD = threshold
    right = wrong = inscope = oos = refused = 0
    for q, expect in data:
        res = resolver.resolve(q)
        got = [res.topic, res.facet] if res.answered else None
        if expect:
            inscope += 1
            right += got in expect
            wrong += bool(got) and got not in expect
        else:
            oos += 1
            refused += got is None
    return (f"right {100 * right / inscope:5.1f}%  wrong {100 * wrong / inscope:4.1f}%  "
            f"oos refused {100 * refused / max(1, oos):5.1f}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, nargs="*", default=[resolver_module.THRESHOLD])
    args = ap.parse_args()
    resolver = Resolver(load_store(PROJECT_ROOT / "content"), cache_size=0)   # thresholds change between runs
    clean, asr = cases(False), cases(True)
    for t in args.threshold:
        print(f"threshold {t:.2f}  clean: {measure(resolver, clean, t)}  |  asr: {measure(resolver, asr, t)}")


if __name__ == "__main__":
    main()


def show_wrong(asr=True):
    resolver = Resolver(load_store(PROJECT_ROOT / "content"), cache_size=0)   # thresholds change between runs
    for q, expect in cases(asr):
        res = resolver.resolve(q)
        got = [res.topic, res.facet] if res.answered else None
        if got and got not in expect:
            kind = "FACET" if expect and got[0] in [e[0] for e in expect] else "TOPIC"
            print(kind, q, "->", got, "expected", expect[:1], res.confidence)
