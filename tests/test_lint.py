"""Static checks over the code: no unused imports or undefined names (ruff's pyflakes rules)."""
from __future__ import annotations

import subprocess
import sys

from skill.settings import PROJECT_ROOT


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "skill", "tests", "bench"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
