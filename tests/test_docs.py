"""The README documents every setting and every command, so a deployer never has to read the code."""
from __future__ import annotations

from skill import settings
from skill.cli import build_parser
from skill.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [s.env for s in settings.SETTINGS if s.env not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_command_is_in_the_readme():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices   # argparse keeps sub-commands here
    missing = [name for name in commands if f"python -m skill {name}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_the_readme_quick_start_and_test_command_match_ci():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "bash .ci/run" in README
    assert ".venv/bin/python -m pytest -q" in README and ci.rstrip().endswith(".venv/bin/python -m pytest -q")
