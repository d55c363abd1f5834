"""Messages the sync side posts to the app. Posted from background threads (post_message is thread-safe),
handled on the app's own loop, where touching widgets is allowed."""

from __future__ import annotations

from datetime import datetime

from textual.message import Message


class ReplicaChanged(Message):
    """The replica committed one or more revisions; at most one of these is pending at a time."""

    def __init__(self, revision: int) -> None:
        super().__init__()
        self.revision = revision


class CompletenessChanged(Message):
    """The replica became complete, or stopped being complete (updating, or behind after a failure)."""

    def __init__(self, complete: bool) -> None:
        super().__init__()
        self.complete = complete


class ConnectionChanged(Message):
    """The sync client went online or offline (`at`: when it noticed)."""

    def __init__(self, online: bool, at: datetime) -> None:
        super().__init__()
        self.online = online
        self.at = at
