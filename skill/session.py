"""A conversation held outside any platform (CLI, tests): keeps the session state between turns."""
from __future__ import annotations

from .dialogue import Dialogue, Reply, Turn


class Conversation:
    def __init__(self, dialogue: Dialogue, user: str | None = None, database_url: str | None = None):
        self.dialogue = dialogue
        self.user = user
        self.database_url = database_url
        self.state: dict = {}

    def say(self, text: str) -> Reply:
        reply = self.dialogue.handle(Turn(kind="text", text=text, user=self.user, state=self.state))
        self.state = {} if reply.end_session else reply.state
        return reply

    def reset(self) -> None:
        self.state = {}
