"""Shared fixtures: the real content (consistency tests) and a tiny inline unit (unit tests)."""
from __future__ import annotations

import socket
import textwrap
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from skill.content import load_store
from skill.settings import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"

TINY_UNIT = """\
unit: tiny
title: "A tiny unit, 1950-60"
period: [1950, 1960]
boards:
  edexcel: {name: "Edexcel", aliases: [edexcel]}
abbreviations:
  CCP: "Chinese Communist Party"
pronunciations:
  Zhou Enlai: "Joe En-lie"
"""

TINY_TOPIC = """\
id: grain-plan
title: "The Grain Plan, 1955-57"
period: [1955, 1957]
aliases: [the grain plan, grain quotas]
boards: [edexcel]
sources: ["A checked textbook"]
facets:
  what:
    lead: "The Grain Plan set quotas for every village & farm."
    points: ["Villages sold grain to the state.", "Prices were fixed by the CCP."]
  who:
    lead: "Zhou Enlai drew up the Grain Plan."
    points: ["Local officials enforced it.", "Peasants carried the burden."]
  when:
    lead: "The Grain Plan ran from 1955-57."
    points: ["It began in spring 1955.", "It ended in 1957."]
  why:
    lead: "The Grain Plan was meant to feed the cities."
    points: ["Cities were growing fast.", "Industry needed workers fed.", "Exports paid for machines.", "The state wanted control.", "Markets were distrusted."]
  features:
    lead: "The Grain Plan worked through fixed quotas."
    points: ["Quotas per household.", "Fixed prices."]
  effects:
    lead: "The Grain Plan fed the cities but left villages short."
    points:
      - {label: success, text: "City rations were kept up."}
      - {label: failure, text: "Villages went hungry in bad years."}
"""


def write_unit(root: Path, unit: str = TINY_UNIT, topics: dict[str, str] | None = None) -> Path:
    folder = root / "tiny"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "unit.yaml").write_text(textwrap.dedent(unit), encoding="utf-8")
    for name, text in (topics if topics is not None else {"grain-plan": TINY_TOPIC}).items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def store():
    """The real content under content/."""
    return load_store(PROJECT_ROOT / "content")


@pytest.fixture
def tiny_store(tmp_path):
    return load_store(write_unit(tmp_path))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app):
    """Serve a Flask app on a free port of 127.0.0.1 in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
