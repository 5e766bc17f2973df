"""Model generation: the Alexa interaction models and the Dialogflow agents, from content + intents.

Each generator returns {relative path: file text}; `build_all` writes them under interaction_model/
or, with check=True, reports which committed files differ.
"""
from __future__ import annotations

from pathlib import Path

from ..content import ContentStore
from ..settings import PROJECT_ROOT

OUTPUT_DIR = PROJECT_ROOT / "interaction_model"


def generate(store: ContentStore) -> dict[str, str]:
    from . import alexa, dialogflow
    files: dict[str, str] = {}
    for generator in (alexa, dialogflow):
        files.update(generator.generate(store))
    return files


def build_all(store: ContentStore, check: bool = False, output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Write (or with check=True, compare) every generated file; return the paths written or stale."""
    changed = []
    for rel, text in sorted(generate(store).items()):
        path = output_dir / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            changed.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return changed
