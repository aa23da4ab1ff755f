"""`VisibilityScope`: the rows one reader may see, as SQL conditions on any alias of a table.

What a reader may see is decided by the engine's permissions (site/permissions/), which describe
it as `VisibilityRules`; this module turns that description into SQL. The store ANDs it into every
read (store/scope.py): the main WHERE, deep-link joins, filter subqueries, linked names; writes ask
`matching_ids` whether rows are visible or meet a condition. What a row needs to be visible:

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

from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import Fault
from callsheet.store.filters import FilterCompiler, Group
from callsheet.store.links import link_relation
from callsheet.store.scope import UNRESTRICTED, ReadScope
from callsheet.store.store import RETIRED_COLUMN

if TYPE_CHECKING:
    from callsheet.schema.model import Field
    from callsheet.store.store import Store

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


class VisibilityRules(Protocol):
    """What one reader may see, as the engine's permissions decide it."""

    actor_type: str
    actor_id: int

    @property
    def is_admin(self) -> bool: ...

    @property
    def assigned_projects_only(self) -> bool:
        """Readers who may see the projects they are members of only (and what belongs to
        them)."""

    @property
    def hidden_fields(self) -> Mapping[str, Collection[str]]:
        """Field names the reader may not see, by entity type ("*" for every type): event rows
        about changes of those fields are hidden too."""

    @property
    def private_event_types(self) -> Collection[str]:
        """Event types only the person who caused them sees (an Action Menu Item's payload)."""

    @property
    def visibility_key(self) -> Hashable:
        """Equal for two readers exactly when their rules give the same SQL (plan caches)."""

    def may_see(self, entity_type: str) -> bool:
        """Whether any row of the type may be seen."""

    def see_condition(self, entity_type: str) -> Group | bool:
        """True when every row may be seen; False when none; else the filter rows must meet."""


class VisibilityScope(ReadScope):
    """The rows one reader may see, by their rules."""

    def __init__(self, store: Store, rules: VisibilityRules) -> None:
        self.rules = rules
        self.schema = store.schema
        self.store = store
        self.key = rules.visibility_key
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
        if not self.rules.may_see(entity_type) or entity_type == "EventLogEntry":
            return True
        if self.rules.assigned_projects_only and self._project_column(entity_type):
            return True
        if self.rules.see_condition(entity_type) is not True:
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
                if f.traits.is_single_link and f.name not in _BOOKKEEPING
            )
        return [entity.fields[n] for n in names if entity.fields[n].traits.is_single_link]

    def _project_column(self, entity_type: str) -> str | None:
        """Where a row names its project: `id` for Project, `project__id` for project entities."""
        if entity_type == "Project":
            return "id"
        entity = self.schema.entity(entity_type)
        if entity.is_project_entity and entity.fields["project"].traits.is_single_link:
            return "project__id"
        return None

    # -- ReadScope ------------------------------------------------------------------------------
    def rows(self, entity_type: str, table: Any, depth: int = 0) -> list[Any]:
        if not self.restricted(entity_type):
            return []
        if not self.rules.may_see(entity_type):
            return [sa.false()]
        parts: list[Any] = []
        column = self._project_column(entity_type)
        if self.rules.assigned_projects_only and column is not None:
            mine = table.c[column].in_(self.my_projects())
            # "no project, or one of mine", written so that no index serves it: a planner that
            # used the project index here would sort every visible row instead of walking the
            # table in the read's order and stopping at its limit (NULL IN (...) is NULL).
            parts.append(mine if column == "id" else mine.is_not(sa.false()))
        see = self.rules.see_condition(entity_type)
        if see is not True:
            parts.append(condition_sql(self.store, see, table))
        if depth < MAX_DEPTH:
            for f in self.owner_fields(entity_type):
                parts.extend(self._links_visible(table, f.name, f.valid_types, depth))
        if entity_type == "EventLogEntry":
            parts.extend(self._events(table, depth))
        return parts

    def my_projects(self) -> Any:
        """SELECT the ids of the projects the actor is a member of."""
        if self._my_projects is None:
            relation = link_relation(self.store, self.rules.actor_type, "projects")
            self._my_projects = sa.select(relation.c.target_id).where(
                relation.c.owner_id == self.rules.actor_id,
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
            if self.rules.may_see(target_type):
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
        if not self.restricted(entity_type) or not self.rules.may_see(entity_type):
            return self.restricted(entity_type)
        if self.rules.see_condition(entity_type) is not True:
            return True
        return self._project_column(entity_type) is None

    def _events(self, table: Any, depth: int) -> list[Any]:
        """Event rows about what the actor may see."""
        entity_field = self.schema.field("EventLogEntry", "entity")
        checked = tuple(t for t in entity_field.valid_types if self._event_needs_check(t))
        parts = self._links_visible(table, "entity", checked, depth)
        for entity_type, names in self.rules.hidden_fields.items():
            attribute = table.c.attribute_name
            unrelated = [attribute.is_(None), attribute.not_in(sorted(names))]
            if entity_type != "*":
                unrelated += [table.c.entity__type.is_(None), table.c.entity__type != entity_type]
            parts.append(sa.or_(*unrelated))
        private = sorted(self.rules.private_event_types)
        if private and not self.rules.is_admin:
            parts.append(
                sa.or_(
                    table.c.event_type.is_(None),
                    table.c.event_type.not_in(private),
                    sa.and_(
                        table.c.user__type == self.rules.actor_type,
                        table.c.user__id == self.rules.actor_id,
                    ),
                )
            )
        return parts


def condition_sql(store: Store, condition: Group | bool, table: Any) -> Any:
    """A rule's condition on rows of `table` as SQL; a condition that fails to compile (a
    field the schema no longer has) allows nothing."""
    if condition is True:
        return sa.true()
    if condition is False:
        return sa.false()
    try:
        # The plain store: a rule's own condition sees every row (no recursion into scopes).
        return FilterCompiler(store, UNRESTRICTED).compile(condition, table)
    except Fault:
        return sa.false()


def matching_ids(
    conn: Connection,
    store: Store,
    entity_type: str,
    ids: Collection[int],
    *,
    scope: ReadScope = UNRESTRICTED,
    condition: Group | bool = True,
) -> set[int]:
    """Which of `ids` are rows the scope shows and that meet `condition` (in `conn`'s view, so
    a write sees its own rows)."""
    if not ids:
        return set()
    table = store.table(entity_type)
    conditions = list(scope.rows(entity_type, table))
    if condition is not True:
        conditions.append(condition_sql(store, condition, table))
    if not conditions:
        return set(ids)
    rows = conn.execute(sa.select(table.c.id).where(table.c.id.in_(sorted(ids)), *conditions))
    return {row[0] for row in rows}


def visible_ids(store: Store, scope: ReadScope, entity_type: str, ids: Iterable[int]) -> set[int]:
    """The ids among `ids` of live `entity_type` rows a reader with `scope` may see (one query)."""
    wanted = sorted({i for i in ids if isinstance(i, int) and not isinstance(i, bool)})
    if not wanted or entity_type not in store.schema:
        return set()
    table = store.table(entity_type)
    statement = sa.select(table.c.id).where(
        table.c.id.in_(wanted), table.c[RETIRED_COLUMN].is_(None), *scope.rows(entity_type, table)
    )
    with store.read() as conn:
        return {row[0] for row in conn.execute(statement)}
