"""The command line, run as a user would: a real subprocess."""
from __future__ import annotations

import json
import subprocess
import sys

from skill.settings import PROJECT_ROOT


def run(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "skill", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120, env=env)


def test_ask_prints_the_spoken_answer():
    proc = run("ask", "why was the great leap forward introduced")
    assert proc.returncode == 0, proc.stderr
    assert "Great Leap Forward" in proc.stdout and "<speak>" not in proc.stdout


def test_ask_json_one_object_per_stdin_line():
    proc = run("ask", "--json", stdin="what caused the great famine\ntell me a joke\n")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["topic"], r["facet"]) for r in rows] == [("great-famine", "why"), (None, None)]
    assert rows[0]["speech"].startswith("<speak>") and rows[0]["text"]
    assert {"score", "mode", "end_session"} <= set(rows[0])


def test_conversation_follow_up_and_blank_line_resets():
    proc = run("ask", "--json", "--conversation",
               stdin="what was the great leap forward\nwhat were its effects\n\nwhat were its effects\n")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["topic"], r["facet"]) for r in rows] == [
        ("great-leap-forward", "what"), ("great-leap-forward", "effects"), (None, None)]


def test_check_prints_totals_and_passes():
    proc = run("check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "20 topics, 120 facets" in proc.stdout


def test_check_fails_on_bad_content_with_file_and_line(tmp_path):
    from tests.conftest import TINY_TOPIC, write_unit
    write_unit(tmp_path, topics={"grain-plan": TINY_TOPIC.replace("  why:\n", "  wy:\n")})
    proc = run("--content", str(tmp_path), "check")
    assert proc.returncode == 2
    assert "grain-plan.yaml:" in proc.stderr and "facets.wy" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_mishearings_refuses_a_carrier_without_a_place_for_the_name_and_a_bad_alias_range():
    proc = run("mishearings", "--carrier", "tell me about")
    assert proc.returncode == 2 and "needs one {}" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("mishearings", "--aliases", "four")
    assert proc.returncode == 2 and "FIRST:LAST" in proc.stderr and "Traceback" not in proc.stderr
