"""`RoleScope`: the rows one actor may see, as SQL conditions on any alias of a table.

The store ANDs these into every read (store/scope.py): the main WHERE, deep-link joins, filter
subqueries, linked names. What a row needs to be visible:

- its type is visible to the role (else nothing is);
- "see assigned projects only": a Project the actor is a member of (`HumanUser.projects` /
  `ApiUser.projects`, the same rows as `Project.users`), or an entity of such a project (entities
  without a project stay visible: they belong to no project);
- the role's `see` condition, when it has one (Vendor: Tasks assigned to them, ...);
- rows that belong to other entities (a Reply to its Note, a connection row to both sides, a
  PlaylistShare to its Playlist, a PageSetting to its Page) are visible with those entities;
- EventLogEntry rows: about entities the actor may see, not changes of hidden fields, and the
  event of a fired Action Menu Item (which holds a `light_payload`, data-model.md §5.1) only to
  the person who fired it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from callsheet.site.action_menu import TRIGGERED_EVENT as AMI_TRIGGERED_EVENT
from callsheet.site.permissions.rules import Condition
from callsheet.store.links import link_relation
from callsheet.store.scope import ReadScope

if TYPE_CHECKING:
    from callsheet.schema.model import Field
    from callsheet.site.permissions.access import ActorPermissions

# Entity fields that are bookkeeping, not what a row belongs to.
_BOOKKEEPING = frozenset({"created_by", "updated_by", "image_source_entity", "revoked_by"})
# Non-project types whose rows belong to the entity one field links to.
_OWNER_FIELDS = {
    "Reply": ("entity",),
    "PlaylistShare": ("playlist",),
    "PageHit": ("page",),
    "PageSetting": ("page",),
}
MAX_DEPTH = 4


class RoleScope(ReadScope):
    """The rows one actor may see, by their role's rules."""

    def __init__(self, permissions: ActorPermissions) -> None:
        self.permissions = permissions
        self.rules = permissions.rules
        self.schema = permissions.site.schema
        self.store = permissions.site.store
        self.key = (
            "role",
            permissions.role_id,
            permissions.generation,
            permissions.actor_type,
            permissions.actor_id,
        )
        self._restricted: dict[str, bool] = {}
        self._my_projects: Any = None

    # -- which types need conditions ----------------------------------------------------------
    def restricted(self, entity_type: str, depth: int = 0) -> bool:
        """Whether some live rows of the type may be hidden from this actor."""
        found = self._restricted.get(entity_type)
        if found is None:
            found = self._is_restricted(entity_type, depth)
            self._restricted[entity_type] = found
        return found

    def _is_restricted(self, entity_type: str, depth: int) -> bool:
        if entity_type not in self.schema:
            return False
        if not self.permissions.may(entity_type, "see") or entity_type == "EventLogEntry":
            return True
        if self.rules.assigned_projects_only and self._project_column(entity_type):
            return True
        if isinstance(self.rules.entity(entity_type).see, Condition):
            return True
        if depth >= MAX_DEPTH:
            return False
        return any(
            self.restricted(target, depth + 1)
            for f in self.owner_fields(entity_type)
            for target in f.valid_types
        )

    def owner_fields(self, entity_type: str) -> list[Field]:
        """The entity fields naming what a row of a non-project type belongs to."""
        entity = self.schema.entity(entity_type)
        if entity.is_project_entity:
            return []
        names = _OWNER_FIELDS.get(entity_type)
        if names is None:
            if not entity_type.endswith(("Connection", "Dependency")):
                return []
            names = tuple(
                f.name
                for f in entity.fields.values()
                if f.data_type == "entity" and f.name not in _BOOKKEEPING
            )
        return [entity.fields[n] for n in names if entity.fields[n].data_type == "entity"]

    def _project_column(self, entity_type: str) -> str | None:
        """Where a row names its project: `id` for Project, `project__id` for project entities."""
        if entity_type == "Project":
            return "id"
        entity = self.schema.entity(entity_type)
        if entity.is_project_entity and entity.fields["project"].data_type == "entity":
            return "project__id"
        return None

    # -- ReadScope ------------------------------------------------------------------------------
    def rows(self, entity_type: str, table: Any, depth: int = 0) -> list[Any]:
        if not self.restricted(entity_type):
            return []
        if not self.permissions.may(entity_type, "see"):
            return [sa.false()]
        parts: list[Any] = []
        column = self._project_column(entity_type)
        if self.rules.assigned_projects_only and column is not None:
            mine = table.c[column].in_(self.my_projects())
            # "no project, or one of mine", written so that no index serves it: a planner that
            # used the project index here would sort every visible row instead of walking the
            # table in the read's order and stopping at its limit (NULL IN (...) is NULL).
            parts.append(mine if column == "id" else mine.is_not(sa.false()))
        if isinstance(self.rules.entity(entity_type).see, Condition):
            parts.append(self.permissions.condition_sql(entity_type, "see", table))
        if depth < MAX_DEPTH:
            for f in self.owner_fields(entity_type):
                parts.extend(self._links_visible(table, f.name, f.valid_types, depth))
        if entity_type == "EventLogEntry":
            parts.extend(self._events(table, depth))
        return parts

    def my_projects(self) -> Any:
        """SELECT the ids of the projects the actor is a member of."""
        if self._my_projects is None:
            relation = link_relation(self.store, self.permissions.actor_type, "projects")
            self._my_projects = sa.select(relation.c.target_id).where(
                relation.c.owner_id == self.permissions.actor_id,
                relation.c.target_type == "Project",
            )
        return self._my_projects

    def _visible_ids(self, entity_type: str, depth: int) -> Any:
        target = self.store.table(entity_type).alias()
        return sa.select(target.c.id).where(*self.rows(entity_type, target, depth + 1))

    def _links_visible(
        self, table: Any, field_name: str, valid_types: tuple[str, ...], depth: int
    ) -> list[Any]:
        """The link in `field_name` is empty or points at a row the actor may see."""
        restricted = [t for t in valid_types if t in self.schema and self.restricted(t)]
        if not restricted:
            return []
        type_column, id_column = table.c[f"{field_name}__type"], table.c[f"{field_name}__id"]
        allowed = [id_column.is_(None), type_column.not_in(restricted)]
        for target_type in restricted:
            if self.permissions.may(target_type, "see"):
                allowed.append(
                    sa.and_(
                        type_column == target_type,
                        id_column.in_(self._visible_ids(target_type, depth)),
                    )
                )
        return [sa.or_(*allowed)]

    def _event_needs_check(self, entity_type: str) -> bool:
        """Whether events about this type need their entity checked: an event row carries its
        project already, so only hidden types, conditions and rows that belong to others do."""
        if entity_type not in self.schema or entity_type == "EventLogEntry":
            return False
        if not self.restricted(entity_type) or not self.permissions.may(entity_type, "see"):
            return self.restricted(entity_type)
        if isinstance(self.rules.entity(entity_type).see, Condition):
            return True
        return self._project_column(entity_type) is None

    def _events(self, table: Any, depth: int) -> list[Any]:
        """Event rows about what the actor may see."""
        entity_field = self.schema.field("EventLogEntry", "entity")
        checked = tuple(t for t in entity_field.valid_types if self._event_needs_check(t))
        parts = self._links_visible(table, "entity", checked, depth)
        hidden: dict[str, list[str]] = {}
        for key, rule in self.rules.fields.items():
            if not rule.see:
                entity_type, _, name = key.partition(".")
                hidden.setdefault(entity_type, []).append(name)
        for entity_type, names in hidden.items():
            attribute = table.c.attribute_name
            unrelated = [attribute.is_(None), attribute.not_in(names)]
            if entity_type != "*":
                unrelated += [table.c.entity__type.is_(None), table.c.entity__type != entity_type]
            parts.append(sa.or_(*unrelated))
        if not self.permissions.is_admin:
            parts.append(
                sa.or_(
                    table.c.event_type.is_(None),
                    table.c.event_type != AMI_TRIGGERED_EVENT,
                    sa.and_(
                        table.c.user__type == self.permissions.actor_type,
                        table.c.user__id == self.permissions.actor_id,
                    ),
                )
            )
        return parts
