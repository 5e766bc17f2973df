"""The production server command of the README (granian, WSGI, the app factory) serves the real app."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, free_port


def _readme_command() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    line = re.search(r"^\s*(granian .+)$", readme, re.M)
    assert line, "the README gives a granian production command"
    return line[1].split()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    granian = shutil.which("granian", path=str(Path(sys.executable).parent))
    assert granian, "granian is installed with the test extra"
    port = free_port()
    args = _readme_command()[1:]
    # the README's command, on loopback and a free port
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(port)
    env = {**os.environ, "SKILL_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'p.sqlite3'}",
           "SKILL_PRODUCTION": "0", "SKILL_ALEXA_VERIFY": "1"}
    log = tmp_path_factory.mktemp("log") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([granian, *args], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out)
    # every worker up (granian stops slowly if told to while one is still starting)
    workers = int(args[args.index("--workers") + 1])
    deadline = time.monotonic() + 60
    while log.read_text().count("Started worker-") < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"granian did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_one_connection_carries_a_question_a_bad_body_and_a_probe(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    for _ in range(50):                 # the workers may still be importing the app
        try:
            conn.request("GET", "/readyz")
            ready = conn.getresponse()
            ready.read()
            if ready.status == 200:
                break
        except (ConnectionError, http.client.HTTPException):
            conn.close()
        time.sleep(0.2)
    assert ready.status == 200

    conn.request("POST", "/api/ask", body=json.dumps({"text": "why was the great leap forward introduced"}),
                 headers={"Content-Type": "application/json"})
    answer = conn.getresponse()
    body = json.loads(answer.read())
    assert answer.status == 200
    assert (body["topic"], body["facet"]) == ("great-leap-forward", "why")

    # the same connection, kept alive: a malformed body is a 400, not a 500 or a dropped connection
    conn.request("POST", "/api/ask", body=b'{"text": ', headers={"Content-Type": "application/json"})
    bad = conn.getresponse()
    assert bad.status == 400
    assert "error" in json.loads(bad.read())

    # Alexa requests are verified: an unsigned one is refused
    conn.request("POST", "/alexa", body=b'{"version": "1.0", "request": {"type": "LaunchRequest"}}',
                 headers={"Content-Type": "application/json"})
    unsigned = conn.getresponse()
    unsigned.read()
    assert unsigned.status == 400
    conn.close()
