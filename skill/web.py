"""The Flask application factory: routes, limits, error pages, health.

Each platform module (alexa, dialogflow, webui) owns its routes and exposes `init_app(app)`.
Shared objects live in `app.extensions["skill"]`: the content store, the dialogue policy and settings.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import settings
from .content import ContentStore, load_store
from .dialogue import Dialogue
from .progress import open_repository

log = logging.getLogger("skill.web")


@dataclass
class Core:
    """What every route needs, built once per process."""
    store: ContentStore
    dialogue: Dialogue
    config: dict


def core(app: Flask) -> Core:
    return app.extensions["skill"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. test_config overrides settings by name (see skill.settings)."""
    config = settings.snapshot(test_config)
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = int(config["max_body_bytes"])
    store = (test_config or {}).get("store") or load_store(config["content_dir"])
    # progress: opened lazily by the repository, so an app that never quizzes never touches the database
    progress = (test_config or {}).get("progress") or open_repository(config["database_url"])
    app.extensions["skill"] = Core(store=store, dialogue=Dialogue(store, progress=progress), config=config)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return jsonify(error=e.name, message=e.description), e.code

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unhandled error")
        return jsonify(error="Internal Server Error", message="Something went wrong."), 500

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        return jsonify(status="ok", topics=len(core(app).store.topics))

    from . import alexa, dialogflow, webui
    for module in (alexa, dialogflow, webui):
        module.init_app(app)
    return app
