"""Who performs an operation: a HumanUser or an ApiUser (a Script)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The user recorded in created_by / updated_by and the event log's `user`.

    `sudo_actual` is the script or person really acting under `sudo_as_login`; ShotGrid records
    it in event meta as `sudo_actual_user`. `session_uuid` is the caller's session id for events.
    `system` marks Callsheet's own bootstrap writes, done before any user exists.
    """

    entity_type: str
    id: int
    name: str | None = None
    session_uuid: str | None = None
    sudo_actual: Actor | None = None
    generate_events: bool = True
    system: bool = False

    @property
    def link(self) -> dict[str, Any]:
        return {"type": self.entity_type, "id": self.id, "name": self.name}

    def with_session(self, session_uuid: str | None) -> Actor:
        return replace(self, session_uuid=session_uuid)


SYSTEM = Actor("ApiUser", 0, "Callsheet", system=True)
