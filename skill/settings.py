"""Settings: one table (name, default, help), each readable from the environment as SKILL_<NAME>.

Read by the CLI, the web app and the docs (README lists them; a test checks it does).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"SKILL_{self.name.upper()}"


SETTINGS = (
    Setting("content_dir", str(PROJECT_ROOT / "content"), "Folder of content units (each a folder of YAML topic files)."),
    Setting("database_url", "sqlite:///" + str(Path(platformdirs.user_data_dir("history-revision")) / "progress.sqlite3"),
            "Where student progress is kept: sqlite:///path (default, embedded) or postgresql://user:pass@host/db."),
    Setting("alexa_skill_id", "", "The Alexa application id to accept (amzn1.ask.skill...). Empty accepts any id: development only."),
    Setting("alexa_verify", "1", "Verify Alexa request signatures and timestamps. 0 turns it off for local testing (logged loudly)."),
    Setting("alexa_extra_roots", "", "A PEM file of extra trusted root certificates for Alexa request verification (tests)."),
    Setting("dialogflow_user", "", "HTTP basic-auth user name Dialogflow must send to the webhooks."),
    Setting("dialogflow_password", "", "HTTP basic-auth password Dialogflow must send to the webhooks."),
    Setting("dialogflow_header", "", "A required custom header for the Dialogflow webhooks, as 'Name: value'."),
    Setting("allow_open_dialogflow", "0", "1 lets the Dialogflow webhooks run in production with no credentials configured."),
    Setting("production", "0", "1 when serving real users: refuses unsafe settings at start-up."),
    Setting("max_body_bytes", "65536", "Largest request body accepted, in bytes (larger gets 413)."),
    Setting("log_level", "INFO", "Logging level (DEBUG, INFO, WARNING, ERROR)."),
)
BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, overrides: dict | None = None) -> str:
    """A setting's value: an explicit override, else the environment, else the default."""
    setting = BY_NAME[name]
    if overrides and name in overrides:
        return str(overrides[name])
    return os.environ.get(setting.env, setting.default)


def get_bool(name: str, overrides: dict | None = None) -> bool:
    return get(name, overrides).strip().lower() not in ("", "0", "false", "no", "off")


def snapshot(overrides: dict | None = None) -> dict[str, str]:
    return {s.name: get(s.name, overrides) for s in SETTINGS}
