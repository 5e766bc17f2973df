"""Structured JSON logs: one line per request, with no personal data.

A request line carries the request id, platform, request type, matched topic/facet, confidence and
latency. User ids never appear: only a short salted hash, enough to follow one student's session.
"""
from __future__ import annotations

import hashlib
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

_USER_PREFIX = b"history-revision/log/"
_configured = False


def setup(level: str = "INFO") -> None:
    """JSON lines on stderr for the whole `skill` logger tree (once per process)."""
    global _configured
    logger = logging.getLogger("skill")
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"levelname": "level", "asctime": "time"}))
    logger.addHandler(handler)
    logger.propagate = False
    _configured = True


def hash_user(user: str | None) -> str | None:
    """A stable, short, one-way tag for a user id (None stays None)."""
    if not user:
        return None
    return hashlib.sha256(_USER_PREFIX + user.encode("utf-8", "replace")).hexdigest()[:16]


def platform_of(path: str) -> str:
    if path.startswith("/alexa"):
        return "alexa"
    if path.startswith("/dialogflow/es"):
        return "dialogflow-es"
    if path.startswith("/dialogflow/cx"):
        return "dialogflow-cx"
    if path.startswith("/api/"):
        return "web"
    return "http"


def request_type(platform: str, body: object) -> str | None:
    """What kind of request the platform sent, read defensively from the (parsed) body."""
    if not isinstance(body, dict):
        return None
    try:
        if platform == "alexa":
            req = body.get("request") or {}
            kind = req.get("type")
            intent = (req.get("intent") or {}).get("name") if isinstance(req.get("intent"), dict) else None
            return f"{kind}:{intent}" if intent else kind
        if platform == "dialogflow-es":
            return ((body.get("queryResult") or {}).get("intent") or {}).get("displayName")
        if platform == "dialogflow-cx":
            info = body.get("intentInfo") or {}
            return info.get("displayName") or (body.get("fulfillmentInfo") or {}).get("tag")
        if platform == "web":
            return "ask"
    except AttributeError:      # wrong shapes: the adapters answer 400 themselves
        return None
    return None


def _short(value: object) -> str | None:
    return value[:80] if isinstance(value, str) else None


def request_record(*, request_id: str, platform: str, method: str, path: str, status: int,
                   latency_ms: float, body: object = None, turn=None, reply=None) -> dict:
    """The fields of one request line; turn and reply are the dialogue's, when there was one."""
    record = {
        "request_id": request_id, "platform": platform, "method": method, "path": path,
        "status": status, "latency_ms": round(latency_ms, 2),
        "request_type": _short(request_type(platform, body)),
    }
    if turn is not None:
        record["turn_kind"] = turn.kind
        record["intent"] = turn.intent
        record["user"] = hash_user(turn.user)
    if reply is not None:
        record.update(topic=reply.topic, facet=reply.facet,
                      confidence=round(float(reply.confidence or 0.0), 3), mode=reply.mode)
    return record
