"""A conversation held outside any platform (CLI, tests): keeps the session state between turns.

Progress that must outlive the conversation (quiz results, exam board, place in a study guide) is kept
by the dialogue's progress repository under the conversation's user.
"""
from __future__ import annotations

from . import settings
from .content import ContentStore
from .dialogue import Dialogue, Reply, Turn
from .progress import ProgressRepository, open_repository


def progress_for(user: str | None, database_url: str | None = None) -> ProgressRepository | None:
    """The repository a named user's progress lives in; None for an anonymous conversation."""
    if not user:
        return None
    return open_repository(database_url or settings.get("database_url"))


class Conversation:
    def __init__(self, dialogue: Dialogue, user: str | None = None):
        self.dialogue = dialogue
        self.user = user
        self.state: dict = {}

    @classmethod
    def open(cls, store: ContentStore, user: str | None = None, database_url: str | None = None,
             **dialogue_args) -> "Conversation":
        progress = progress_for(user, database_url)
        return cls(Dialogue(store, progress=progress, **dialogue_args), user=user)

    def start(self) -> Reply:
        """The platform's launch: "open History Revision"."""
        return self._handle(Turn(kind="launch", user=self.user, state=self.state))

    def say(self, text: str) -> Reply:
        return self._handle(Turn(kind="text", text=text, user=self.user, state=self.state))

    def _handle(self, turn: Turn) -> Reply:
        reply = self.dialogue.handle(turn)
        self.state = {} if reply.end_session else reply.state
        return reply

    def reset(self) -> None:
        self.state = {}
