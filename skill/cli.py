"""Command line: `python -m skill ask|check|build-model|serve|quiz`.

Only turns library errors into messages and exit codes; the work is done by the same core as the
web routes.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Iterable

from . import settings
from .content import ContentError, load_store


def _store(args):
    try:
        return load_store(args.content or settings.get("content_dir"))
    except ContentError as e:
        print(f"content error:\n{e}", file=sys.stderr)
        raise SystemExit(2)


def reply_json(reply) -> dict:
    return {
        "topic": reply.topic if reply.mode in ("answer", "glossary") else None,
        "facet": reply.facet if reply.mode in ("answer", "glossary") else None,
        "score": round(reply.confidence, 3),
        "speech": reply.ssml,
        "text": reply.text,
        "mode": reply.mode,
        "end_session": reply.end_session,
    }


def _conversation(args, store):
    """A conversation for --user (progress kept in --database or SKILL_DATABASE_URL), else anonymous."""
    from .progress import ProgressError
    from .session import Conversation

    try:
        return Conversation.open(store, user=args.user, database_url=args.database)
    except (ProgressError, ValueError) as e:
        print(f"progress database error: {e}", file=sys.stderr)
        raise SystemExit(2)


def cmd_ask(args) -> int:
    store = _store(args)
    conversation = _conversation(args, store)

    def emit(reply):
        if args.json:
            print(json.dumps(reply_json(reply), ensure_ascii=False), flush=True)
        else:
            print(reply.text, flush=True)

    if args.question:
        emit(conversation.say(" ".join(args.question)))
        return 0
    for line in _lines(sys.stdin):
        if not line.strip():
            if args.conversation:
                conversation.reset()
            continue
        if not args.conversation:
            conversation.reset()
        emit(conversation.say(line.strip()))
    return 0


def _lines(stream) -> Iterable[str]:
    for line in stream:
        yield line.rstrip("\n")


def cmd_check(args) -> int:
    from .lint import lint_store

    store = _store(args)
    problems = lint_store(store)
    for p in problems:
        print(f"{p.severity}: {p}")
    s = store.summary()
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    print(f"{s['units']} unit(s), {s['topics']} topics, {s['facets']} facets, {s['glossary']} glossary entries, "
          f"{s['words']} words; {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def cmd_build_model(args) -> int:
    from .models import build_all

    store = _store(args)
    stale = build_all(store, check=args.check)
    if args.check:
        if stale:
            print("stale generated files (run `python -m skill build-model`):", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print("interaction models are up to date")
        return 0
    for path in stale:
        print(f"wrote {path}")
    return 0


def cmd_serve(args) -> int:
    from .web import create_app

    app = create_app()
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def cmd_quiz(args) -> int:
    store = _store(args)
    conversation = _conversation(args, store)
    reply = conversation.say(f"quiz me on {args.topic}" if args.topic else "quiz me")
    print(reply.text, flush=True)
    # the round ends when the quiz does; the student may also say stop, or ask for another round
    while not reply.end_session and reply.state.get("mode") == "quiz":
        try:
            line = input("> " if sys.stdin.isatty() else "")
        except EOFError:
            break
        if not line.strip():
            continue
        reply = conversation.say(line.strip())
        print(reply.text, flush=True)
    return 0


def _alias_range(text: str) -> slice:
    """'4:9' -> slice(4, 9), for --aliases."""
    first, colon, last = text.partition(":")
    try:
        if not colon:
            raise ValueError
        return slice(int(first or 0), int(last) if last else None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected FIRST:LAST, such as 4:9, not {text!r}") from None


def _carrier(text: str) -> str:
    if text.count("{}") != 1:
        raise argparse.ArgumentTypeError(f"a carrier needs one {{}} where the name goes, as in 'tell me about {{}}': {text!r}")
    return text


def cmd_mishearings(args) -> int:
    from .mishear import CARRIERS, Recogniser, facet_slips, suggest

    store = _store(args)
    try:
        recogniser = Recogniser()
    except ImportError:
        print('mishearings needs pocketsphinx: pip install -e ".[speech]" (and apt-get install flite sox)',
              file=sys.stderr)
        return 2
    if args.facets:
        slips = facet_slips(store, recogniser, topics=args.topic or None)
        for slip in slips:
            print(f"{slip.heard!r}: taken as {slip.guessed}, asked {slip.facet}  # said '{slip.said}' ({slip.voice})")
        print(f"{len(slips)} facet slip(s)", file=sys.stderr)
        return 0
    suggestions = suggest(store, recogniser, topics=args.topic or None, carriers=args.carrier or CARRIERS,
                          aliases=args.aliases, glossary=args.glossary)
    by_place: dict[tuple[str, str | None], list] = {}
    for s in suggestions:
        by_place.setdefault((s.topic, s.term), []).append(s)
    for (topic_id, term), items in by_place.items():
        place = f"glossary entry '{term}'" if term else "the topic"
        print(f"# {store.topics[topic_id].path}: misheard forms to consider (under misheard: of {place})")
        for s in items:
            print(f"  - {s.heard}    # heard for '{s.said}' in '{s.carrier}' ({s.voice})")
    print(f"{len(suggestions)} suggestion(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skill", description="History revision voice assistant.")
    parser.add_argument("--content", help="content folder (default: SKILL_CONTENT_DIR or ./content)")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question, or one question per stdin line")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--conversation", action="store_true",
                     help="stdin lines are turns of one conversation; a blank line starts a new one")
    ask.add_argument("--user", help="keep progress for this user across runs")
    ask.add_argument("--database", help="progress database URL (default: SKILL_DATABASE_URL)")
    ask.set_defaults(func=cmd_ask)

    check = sub.add_parser("check", help="validate and lint the content; print totals")
    check.set_defaults(func=cmd_check)

    build = sub.add_parser("build-model", help="generate the Alexa and Dialogflow models from the content")
    build.add_argument("--check", action="store_true", help="fail if the committed models are stale")
    build.set_defaults(func=cmd_build_model)

    serve = sub.add_parser("serve", help="run the development web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_serve)

    mishear = sub.add_parser("mishearings", help="speak each topic's names with flite, transcribe them with "
                             "pocketsphinx, and suggest the misheard forms to list under misheard:")
    mishear.add_argument("topic", nargs="*", help="topic ids (default: all)")
    mishear.add_argument("--carrier", action="append", metavar="SENTENCE", type=_carrier,
                         help="a carrier sentence with {} for the name, repeatable (default: 'tell me about {}' "
                              "and 'what were the effects of {}'; skill.mishear.MORE_CARRIERS lists the others used)")
    mishear.add_argument("--facets", action="store_true",
                         help="instead: speak each title inside question openings (skill.mishear.OPENINGS) and list "
                              "the transcripts whose facet skill.facets guesses wrong")
    mishear.add_argument("--aliases", default=slice(0, 4), type=_alias_range, metavar="FIRST:LAST",
                         help="which aliases to speak, as a Python slice; from 0 the title is spoken too (default 0:4)")
    mishear.add_argument("--glossary", action="store_true",
                         help="speak the names of the topics' glossary entries (their terms and aliases, by --aliases) "
                              "instead of the topics' own")
    mishear.set_defaults(func=cmd_mishearings)

    quiz = sub.add_parser("quiz", help="an interactive quiz in the terminal")
    quiz.add_argument("topic", nargs="?", help="a topic (default: the whole unit)")
    quiz.add_argument("--user", default="terminal")
    quiz.add_argument("--database", help="progress database URL (default: SKILL_DATABASE_URL)")
    quiz.set_defaults(func=cmd_quiz)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
