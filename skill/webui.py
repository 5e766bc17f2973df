"""The web page and its JSON API: try the assistant by text or voice, and check the content.

Routes:
- `POST /api/ask`: `{"text": ..., "state": {...}, "user": optional}` in; the reply out with topic, facet,
  confidence, speech (SSML), text, mode, end_session and the new state. The same dialogue core as the
  voice platforms: the state is what a voice platform would keep in its session.
- `GET /api/content`: the units, topics, facets with word counts, and the content-lint problems.
- `GET /` and `/static/<file>`: the page (plain HTML, CSS and JavaScript; no build step).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, jsonify, send_from_directory

from .content import FACETS
from .dialogue import MAX_QUESTION_CHARS, Turn
from .lint import LONG_SECONDS, lint_store, speech_seconds
from .web import core, request_json, too_deep


STATIC = Path(__file__).resolve().parent / "static"
MAX_USER_CHARS = 128
MAX_STATE_DEPTH = 12          # the dialogue's own state is a few levels deep; more is not ours
# The page loads nothing from elsewhere and runs no inline script.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class AskError(Exception):
    """A client mistake, answered with a status and a message the page can show."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def init_app(app: Flask) -> None:
    @app.errorhandler(AskError)
    def bad_request(e: AskError):
        return jsonify(error="Bad Request" if e.status == 400 else "Unsupported Media Type",
                       message=e.message), e.status

    @app.post("/api/ask")
    def ask():
        return jsonify(answer(app, *_read_ask()))

    @app.get("/api/content")
    def content():
        cache = app.extensions.setdefault("webui", {})
        if "content" not in cache:      # the store is immutable: build the report once
            cache["content"] = content_report(core(app).store)
        return jsonify(cache["content"])

    @app.get("/")
    def index():
        return _page("index.html")

    @app.get("/static/<path:name>")
    def static(name: str):
        return _page(name)


def _page(name: str) -> Response:
    if not (STATIC / name).is_file():
        abort(404)
    response = send_from_directory(STATIC, name)
    response.headers.update(PAGE_HEADERS)
    return response


# --- /api/ask ---------------------------------------------------------------------------------

def _read_ask() -> tuple[str, dict, str | None]:
    body = request_json()       # content type, UTF-8, JSON and depth were checked by the web layer
    if not isinstance(body, dict):
        raise AskError('The body must be a JSON object such as {"text": "why was the Great Leap Forward introduced"}.')
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise AskError('"text" must be a non-empty string: the question or reply.')
    if len(text) > MAX_QUESTION_CHARS:
        raise AskError(f'"text" is too long: at most {MAX_QUESTION_CHARS} characters.')
    state = body.get("state")
    if state is None:
        state = {}
    if not isinstance(state, dict) or too_deep(state, MAX_STATE_DEPTH):
        raise AskError('"state" must be the object returned by the previous answer, or {} to start.')
    user = body.get("user")
    if user is not None and (not isinstance(user, str) or not 0 < len(user) <= MAX_USER_CHARS):
        raise AskError(f'"user" must be a string of 1 to {MAX_USER_CHARS} characters, or left out.')
    return text.strip(), state, user


def answer(app: Flask, text: str, state: dict, user: str | None) -> dict:
    c = core(app)
    # namespaced, so a web caller can never name (and read the progress of) a speaker's user id
    turn = Turn(kind="text", text=text, user=f"web:{user}" if user else None, state=state)
    reply = c.dialogue.handle(turn)     # a state the client altered starts afresh (skill.dialogue)
    topic = c.store.topics.get(reply.topic) if reply.topic else None
    return {
        "topic": reply.topic,
        "topic_title": topic.title if topic else None,
        "facet": reply.facet,
        "confidence": round(float(reply.confidence or 0.0), 3),
        "speech": reply.ssml,
        "text": reply.text,
        "reprompt": reply.reprompt.text() if reply.reprompt else None,
        "mode": reply.mode,
        "end_session": reply.end_session,
        # a finished conversation starts again from nothing, as on a speaker
        "state": {} if reply.end_session else reply.state,
    }


# --- /api/content -----------------------------------------------------------------------------

def content_report(store) -> dict:
    """What a teacher checks: every topic's facets with their length, and what the lint found."""
    problems = lint_store(store)
    by_file: dict[str, list[dict]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(
            {"file": _short(p.file), "line": p.line, "field": p.field, "message": p.message, "severity": p.severity})
    units = []
    for unit in store.units:
        topics = []
        for t in unit.topics:
            facets = {}
            for f in FACETS:
                a = t.facets.get(f)
                facets[f] = None if a is None else {
                    "words": a.words, "points": len(a.points), "seconds": round(speech_seconds(a.words))}
            topics.append({
                "id": t.id, "title": t.title, "period": list(t.period), "group": t.group,
                "file": _short(t.path), "facets": facets,
                "words": sum(a.words for a in t.facets.values()),
                "glossary": [g.term for g in t.glossary],
                "problems": by_file.get(t.path, []),
            })
        units.append({"id": unit.id, "title": unit.title, "period": list(unit.period),
                      "boards": [b.name for b in unit.boards.values()], "topics": topics})
    errors = sum(1 for p in problems if p.severity == "error")
    return {
        "facets": list(FACETS),
        "long_seconds": LONG_SECONDS,        # over this, an answer is hard to take in by ear
        "summary": store.summary(),
        "errors": errors,
        "warnings": len(problems) - errors,
        "units": units,
    }


def _short(path: str) -> str:
    """unit-folder/file.yaml: enough to find the file, without the server's own paths."""
    parts = Path(path).parts
    return "/".join(parts[-2:]) if parts else ""
