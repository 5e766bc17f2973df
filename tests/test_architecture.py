"""House rules that keep the core platform-neutral."""
from __future__ import annotations

import ast
from pathlib import Path

import skill

# only the web layer and the platform adapters may know Flask or the Alexa SDK
ADAPTERS = {"web.py", "alexa.py", "alexa_codec.py", "dialogflow.py", "webui.py"}


def test_core_never_imports_a_web_framework_or_the_alexa_sdk():
    root = Path(skill.__file__).parent
    for path in root.rglob("*.py"):
        if path.name in ADAPTERS:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith(("flask", "ask_sdk", "werkzeug")), f"{path.name} imports {name}"
