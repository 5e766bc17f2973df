"""Resolver latency, start-up time and resident memory: real content and a generated 2,000-topic store.

    .venv/bin/python bench/resolver_latency.py [--repeat 200]

Latency: each question is resolved `repeat` times after one warm-up call (time.perf_counter_ns
around Resolver.resolve only, with the resolver's result cache off, so each call does the whole work);
the figures are the median and p99 over all calls, and the worst question's own p99. A control (a
fixed piece of pure Python sized to the resolver's median, timed as many times) shows the machine's
own noise: on a shared machine its p99 moves with the resolver's. Start-up and memory are measured in a fresh child process for each store:
wall time from before `import skill` to a ready Dialogue (content loaded, resolver built), and
ru_maxrss of that child afterwards.

The generated store: the real unit (20 topics) kept as it is, plus 99 copies whose topic ids,
titles and spoken names are made distinct with a made-up two-word prefix ("amber falcon the
great leap forward"), glossaries dropped (their names would clash). 100 units x 20 = 2,000 topics,
each with its facets (12,000+ answers). The facet texts repeat across copies, which is a harsh case
for content-word matching (many near ties), not a kind one.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "content"
WORDS_A = ("amber crimson silver golden hidden northern southern eastern western quiet "
           "distant ancient bright frozen burning hollow iron copper velvet scarlet").split()
WORDS_B = ("falcon river harbour mountain lantern meadow citadel orchard tempest glacier "
           "compass beacon canyon forest island valley".split())


def generate(dest: Path, copies: int = 99) -> Path:
    unit_dir = REAL / "maos-china"
    (dest / "maos-china").mkdir(parents=True)
    for f in unit_dir.glob("*.yaml"):
        (dest / "maos-china" / f.name).write_text(f.read_text())
    prefixes = [f"{a} {b}" for a in WORDS_A for b in WORDS_B]
    random.Random(7).shuffle(prefixes)
    unit_meta = yaml.safe_load((unit_dir / "unit.yaml").read_text())
    topics = {f.stem: yaml.safe_load(f.read_text()) for f in unit_dir.glob("*.yaml") if f.name != "unit.yaml"}
    for k in range(1, copies + 1):
        pfx = prefixes[k]
        folder = dest / f"gen-{k:02d}"
        folder.mkdir()
        meta = dict(unit_meta, unit=f"gen-{k:02d}", title=f"{unit_meta['title']} ({pfx})")
        (folder / "unit.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
        for tid, topic in topics.items():
            t = dict(topic, id=f"{tid}-g{k:02d}", title=f"{topic['title']} ({pfx})",
                     aliases=[f"{pfx} {a}" for a in topic.get("aliases", [])])
            if "misheard" in topic:
                t["misheard"] = [f"{pfx} {a}" for a in topic["misheard"]]
            t.pop("glossary", None)
            (folder / f"{tid}-g{k:02d}.yaml").write_text(yaml.safe_dump(t, sort_keys=False))
    return dest


def questions(generated: bool) -> list[str]:
    cases = yaml.safe_load((ROOT / "tests" / "cases" / "resolver.yaml").read_text())
    qs = [c[0] for c in cases["answer"]] + list(cases["refuse"])
    if generated:   # plus questions that name the copies
        rng = random.Random(3)
        prefixes = [f"{a} {b}" for a in WORDS_A for b in WORDS_B]
        random.Random(7).shuffle(prefixes)
        for k in rng.sample(range(1, 100), 12):
            qs.append(f"why did the {prefixes[k]} great leap forward happen")
            qs.append(f"what were the effects of the {prefixes[k]} cultural revolution")
    return qs


def latency(content: Path, repeat: int) -> dict:
    from skill.content import load_store
    from skill.resolver import Resolver
    store = load_store(content)
    # no result cache: every call does the whole work, as for a question never asked before
    resolver = Resolver(store, cache_size=0)
    gc.freeze()     # as the app does once the store is built: the collector stops rescanning it
    all_ns, worst = [], ("", 0.0)
    for q in questions(len(store.topics) > 100):
        resolver.resolve(q)
        runs = []
        for _ in range(repeat):
            t = time.perf_counter_ns()
            resolver.resolve(q)
            runs.append(time.perf_counter_ns() - t)
        runs.sort()
        p99 = runs[min(len(runs) - 1, int(len(runs) * 0.99))] / 1e6
        if p99 > worst[1]:
            worst = (q, p99)
        all_ns += runs
    all_ns.sort()
    return {"topics": len(store.topics), "answers": sum(len(t.facets) for t in store.topics.values()),
            "questions": len(all_ns) // repeat, "calls": len(all_ns),
            "median_ms": round(statistics.median(all_ns) / 1e6, 3),
            "p99_ms": round(all_ns[int(len(all_ns) * 0.99)] / 1e6, 3),
            "worst_question": worst[0], "worst_question_p99_ms": round(worst[1], 3),
            **control(statistics.median(all_ns), len(all_ns))}


def control(median_ns: float, calls: int) -> dict:
    """The machine's own noise: a fixed piece of pure Python sized to the resolver's median, timed as
    many times. Its p99 over its median shows how much of the resolver's tail is the machine's."""
    size, took = 10000, []
    for _ in range(20):
        t = time.perf_counter_ns()
        sum(i * i for i in range(size))
        took.append(time.perf_counter_ns() - t)
    size = max(100, int(size * median_ns / statistics.median(took)))
    runs = []
    for _ in range(calls):
        t = time.perf_counter_ns()
        sum(i * i for i in range(size))
        runs.append(time.perf_counter_ns() - t)
    runs.sort()
    return {"control_median_ms": round(statistics.median(runs) / 1e6, 3),
            "control_p99_ms": round(runs[int(len(runs) * 0.99)] / 1e6, 3)}


CHILD = """
import time, resource, sys
t = time.perf_counter()
sys.path.insert(0, {root!r})
from skill.content import load_store
from skill.dialogue import Dialogue
d = Dialogue(load_store({content!r}))
d.resolver.resolve("why was the great leap forward introduced")
elapsed = time.perf_counter() - t
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def startup(content: Path, runs: int = 5) -> dict:
    times, rss = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), content=str(content))],
                             capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        rss.append(int(out[1]) / 1024)
    return {"startup_s_median": round(statistics.median(times), 3), "startup_s_max": round(max(times), 3),
            "rss_mib": round(statistics.median(rss), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        big = generate(Path(tmp) / "content")
        for name, content in (("real content", REAL), ("generated 2,000 topics", big)):
            result = {"store": name, **latency(content, args.repeat), **startup(content)}
            print(json.dumps(result))


if __name__ == "__main__":
    main()
