"""The Flask application factory: routes, limits, error pages, health, request logs.

Each platform module (alexa, dialogflow, webui) owns its routes and exposes `init_app(app)`.
Shared objects live in `app.extensions["skill"]`: the content store, the dialogue policy and settings.

The platform endpoints face the internet, so this layer guards them all the same way before any
adapter runs: a body cap (413), JSON only (415), a body that parses as UTF-8 JSON of bounded depth
(400), and no 500 page ever: a failure inside the dialogue answers with a short apology shaped for
the platform, plus a log line. `POST /alexa`, most of the traffic, is answered by a thin WSGI layer
in front of Flask (`AlexaWsgi`, below) that calls the same guard and log functions. It lives here
rather than in skill.alexa so that the Lambda handler there never imports Flask.
"""
from __future__ import annotations

import json
import gc
import logging
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, Response, g, jsonify, request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES, parse_options_header
from werkzeug.wsgi import get_input_stream

from . import logs, settings
from .content import ContentStore, load_store
from .dialogue import Dialogue, Reply, Turn
from .progress import open_repository
from .verify import VerificationError

log = logging.getLogger("skill.web")
request_log = logging.getLogger("skill.requests")
alexa_log = logging.getLogger("skill.alexa")

# The JSON endpoints; every one gets the same guards.
JSON_ENDPOINTS = ("/alexa", "/dialogflow/es", "/dialogflow/cx", "/api/ask")
# Real platform bodies nest about 8 deep; anything far deeper is an attack on the parser.
MAX_JSON_DEPTH = 64
OPENAPI = settings.PROJECT_ROOT / "openapi.yaml"
SORRY = "Sorry, something went wrong there. Please ask me again."


@dataclass
class Core:
    """What every route needs, built once per process."""
    store: ContentStore
    dialogue: Dialogue
    config: dict
    progress: object = None


def core(app: Flask) -> Core:
    return app.extensions["skill"]


# What the dialogue saw and said during the current request, for its log line (None outside requests).
_observed: ContextVar[dict | None] = ContextVar("observed", default=None)


def observe_request() -> dict:
    """Start noting the current request's turn and reply (read them back from the returned dict)."""
    observed: dict = {}
    _observed.set(observed)
    return observed


class ObservedDialogue(Dialogue):
    """The dialogue policy, noting each turn and reply of a request for the request log."""

    def handle(self, turn: Turn) -> Reply:
        observed = _observed.get()
        if observed is not None:
            observed["turn"] = turn
        reply = super().handle(turn)
        if observed is not None:
            observed["reply"] = reply
        return reply


class Refused(Exception):
    """A request body the guards turn away, with its HTTP status."""

    def __init__(self, status: int, name: str, message: str):
        super().__init__(message)
        self.status, self.name, self.message = status, name, message

    def payload(self) -> dict:
        return {"error": self.name, "message": self.message}


def check_json_body(content_length: int | None, mimetype: str, read: Callable[[], bytes], limit: int):
    """The guards every JSON endpoint shares: (raw body, parsed body), or Refused (413, 415, 400)."""
    if content_length is not None and content_length > limit:
        raise Refused(413, "Request Entity Too Large", f"The body is larger than {limit} bytes.")
    if mimetype != "application/json":
        raise Refused(415, "Unsupported Media Type", "Send JSON (Content-Type: application/json).")
    data = read()
    if len(data) > limit:                   # a chunked body has no Content-Length
        raise Refused(413, "Request Entity Too Large", f"The body is larger than {limit} bytes.")
    try:
        return data, parse_json(data)
    except BadJSON as e:
        raise Refused(400, "Bad Request", str(e)) from None


def request_id_from(given: str | None) -> str:
    """The caller's X-Request-Id when it is short printable ASCII, else a new one."""
    given = given or ""
    return given[:64] if given.isascii() and given.isprintable() and given else uuid.uuid4().hex


def log_request(*, request_id: str, platform: str, method: str, path: str, status: int, started: float | None,
                body=None, observed: dict | None = None) -> None:
    observed = observed or {}
    record = logs.request_record(
        request_id=request_id, platform=platform, method=method, path=path[:200], status=status,
        latency_ms=(time.perf_counter() - started) * 1000 if started else 0.0,
        body=body, turn=observed.get("turn"), reply=observed.get("reply"))
    request_log.info("request", extra=record)


class BadJSON(ValueError):
    pass


def parse_json(data: bytes):
    """Strict UTF-8 JSON of bounded depth, or BadJSON with a reason a caller can read."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJSON("The body is not UTF-8.") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadJSON("The body is nested too deeply.") from None
    except ValueError:
        raise BadJSON("The body is not valid JSON.") from None
    # depth is at most the number of opening brackets: most bodies need no walk at all
    if data.count(b"{") + data.count(b"[") > MAX_JSON_DEPTH and too_deep(value):
        raise BadJSON("The body is nested too deeply.")
    return value


def request_json():
    """The JSON body of a POST to a JSON endpoint, parsed (and checked) once by the guard in create_app."""
    return g.body


def too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:            # iterative: the check itself must not recurse
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def apology(platform: str) -> dict:
    """A valid answer for the platform that says sorry and keeps the conversation open."""
    if platform == "alexa":
        speech = {"type": "PlainText", "text": SORRY}
        return {"version": "1.0", "response": {"outputSpeech": speech,
                                                "reprompt": {"outputSpeech": speech},
                                                "shouldEndSession": False}}
    if platform == "dialogflow-es":
        return {"fulfillmentText": SORRY}
    if platform == "dialogflow-cx":
        return {"fulfillmentResponse": {"messages": [{"text": {"text": [SORRY]}}]}}
    return {"topic": None, "topic_title": None, "facet": None, "confidence": 0.0,
            "speech": f"<speak>{SORRY}</speak>", "text": SORRY, "reprompt": None,
            "mode": "error", "end_session": False, "state": {}}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. test_config overrides settings by name (see skill.settings)."""
    config = settings.snapshot(test_config)
    logs.setup(config["log_level"])
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = int(config["max_body_bytes"])
    store = (test_config or {}).get("store") or load_store(config["content_dir"])
    # progress: opened lazily by the repository, so an app that never quizzes never touches the database
    progress = (test_config or {}).get("progress") or open_repository(config["database_url"])
    app.extensions["skill"] = Core(store=store, dialogue=ObservedDialogue(store, progress=progress),
                                   config=config, progress=progress)
    # the store and indexes live as long as the process: keep the garbage collector from rescanning them
    gc.freeze()

    @app.before_request
    def start():
        g.started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))
        g.platform = logs.platform_of(request.path)
        g.observed = observe_request()
        if request.method != "POST" or request.path not in JSON_ENDPOINTS:
            return None
        credentials = app.extensions.get("dialogflow_credentials")
        if request.path.startswith("/dialogflow/") and credentials is not None and credentials.configured \
                and not credentials.accepts(request.headers):
            return None         # the adapter answers 401 without reading the body
        try:
            # cached: the adapters (and the verifier) read the raw body again
            _, g.body = check_json_body(request.content_length, request.mimetype,
                                        lambda: request.get_data(cache=True), app.config["MAX_CONTENT_LENGTH"])
        except Refused as e:
            return _error(e.status, e.name, e.message)
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-Id"] = request_id
        log_request(request_id=request_id, platform=g.get("platform", "http"), method=request.method,
                    path=request.path, status=response.status_code, started=g.get("started"),
                    body=g.get("body"), observed=g.get("observed"))
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return _error(e.code or 500, e.name, e.description)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.error("unhandled error", exc_info=e, extra={"request_id": g.get("request_id")})
        if request.path in JSON_ENDPOINTS:
            # the platform gets a valid answer it can speak; the log has the details
            return jsonify(apology(logs.platform_of(request.path)))
        return _error(500, "Internal Server Error", "Something went wrong.")

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        c = core(app)
        checks = {"content": bool(c.store.topics)}
        if c.progress is not None:
            try:
                c.progress.profile("readyz-probe")      # a read: reaches the database, changes nothing
                checks["database"] = True
            except Exception as e:  # any failure here means "not ready", whatever the backend
                log.warning("readiness: progress database unreachable: %s", e)
                checks["database"] = False
        ready = all(checks.values())
        return jsonify(status="ok" if ready else "unavailable", topics=len(c.store.topics),
                       checks=checks), 200 if ready else 503

    @app.get("/openapi.yaml")
    def openapi():
        return Response(Path(OPENAPI).read_text(encoding="utf-8"), mimetype="application/yaml")

    from . import alexa, dialogflow, webui
    for module in (alexa, dialogflow, webui):
        module.init_app(app)
    return app


def _error(code: int, name: str, message: str):
    return jsonify(error=name, message=message), code


# --- POST /alexa, outside Flask ------------------------------------------------------------------

class AlexaWsgi:
    """/alexa as plain WSGI in front of the Flask app, which answers every other path.

    Alexa's traffic is the bulk of the load, and Flask's request machinery (context, routing, hooks,
    response object) cost a fifth of each verified request. This path keeps everything else the web
    layer does: the same body guards (413, 415, 400), X-Request-Id, the request log line, and an
    apology instead of an error page."""

    def __init__(self, app, endpoint, limit: int):
        self.app, self.endpoint, self.limit = app, endpoint, limit

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/alexa":
            return self.app(environ, start_response)
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        observed = observe_request()
        method = environ.get("REQUEST_METHOD", "GET")
        headers = [("Content-Type", "application/json"), ("X-Request-Id", request_id)]
        body = None
        try:
            if method != "POST":
                headers.append(("Allow", "POST"))
                raise Refused(405, "Method Not Allowed", "The method is not allowed for the requested URL.")
            data, body = check_json_body(_content_length(environ), parse_options_header(
                environ.get("CONTENT_TYPE", ""))[0].lower(), lambda: _read_body(environ, self.limit), self.limit)
            status, payload = 200, self.endpoint.handle(EnvironHeaders(environ), data, body)
        except Refused as e:
            status, payload = e.status, e.payload()
        except VerificationError as e:
            alexa_log.info("rejected Alexa request: %s", e)
            status, payload = 400, {"error": "Bad Request", "message": str(e)}
        except Exception as e:      # Alexa gets a valid answer it can speak; the log has the details
            alexa_log.error("unhandled error", exc_info=e, extra={"request_id": request_id})
            status, payload = 200, apology("alexa")
        out = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        start_response(f"{status} {HTTP_STATUS_CODES[status]}", [*headers, ("Content-Length", str(len(out)))])
        log_request(request_id=request_id, platform="alexa", method=method, path="/alexa", status=status,
                    started=started, body=body, observed=observed)
        return [out]


def _content_length(environ) -> int | None:
    try:
        return max(0, int(environ["CONTENT_LENGTH"]))
    except (KeyError, ValueError):
        return None


def _read_body(environ, limit: int) -> bytes:
    """At most limit + 1 bytes, so a chunked body over the limit is seen to be over it."""
    return get_input_stream(environ, max_content_length=None).read(limit + 1)
