"""Where rules live (`_cs_permission_rules`) and the per-site cache of what each actor may do.

Each role's rules are one JSON document keyed by its PermissionRuleSet id. A role without a stored
document (a site made before permissions existed) has its code's built-in defaults
(defaults.py); an unknown role without one may do nothing.

`RuleBook` caches rules per role and `ActorPermissions` per actor. Whatever changes who may do
what (a role's rules, a person's or script's role) bumps the `permissions` counter in
`_cs_counters` in the same transaction. This process forgets its cache right after such a commit;
other server processes look at the counter at most every `REVALIDATE_S` seconds, so a change made
elsewhere applies there within that time. Project membership needs no invalidation: reads ask
the database for it (scope.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from callsheet.faults import Fault
from callsheet.site.actor import Actor
from callsheet.site.permissions.access import ActorPermissions
from callsheet.site.permissions.defaults import DEFAULT_ROLE_CODE, default_rules, no_access
from callsheet.site.permissions.rules import RoleRules
from callsheet.store import roles as role_rows
from callsheet.store.store import now_utc

if TYPE_CHECKING:
    from callsheet.site.site import Site
    from callsheet.site.write_context import WriteContext
    from callsheet.store.types import Connection

REVALIDATE_S = 1.0
MAX_CACHED_ACTORS = 10_000
SYSTEM_RULES = RoleRules(name="Callsheet", code="callsheet", actor_type="ApiUser", admin=True)


class RuleBook:
    """One site's permission rules, cached per role and per actor (thread-safe)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._lock = threading.Lock()
        self._generation = -1
        self._checked_at = float("-inf")
        self._roles: dict[tuple[str, int | None], tuple[int | None, RoleRules]] = {}
        self._actors: dict[tuple[str, int], ActorPermissions] = {}
        self.system = ActorPermissions(site, "ApiUser", 0, None, SYSTEM_RULES, 0, system=True)

    # -- lookups ----------------------------------------------------------------------------------
    def permissions_for(self, actor: Actor) -> ActorPermissions:
        """What `actor` may do (Callsheet's own SYSTEM actor: everything)."""
        if actor.system:
            return self.system
        generation = self.generation()
        key = (actor.entity_type, actor.id)
        found = self._actors.get(key)
        if found is not None and found.generation == generation:
            return found
        role_id, rules = self._role_of(actor.entity_type, actor.id, generation)
        built = ActorPermissions(self.site, actor.entity_type, actor.id, role_id, rules, generation)
        with self._lock:
            if len(self._actors) >= MAX_CACHED_ACTORS:
                self._actors.clear()
            if generation == self._generation:
                self._actors[key] = built
        return built

    def generation(self) -> int:
        """The counter's value, read again when the last look is older than REVALIDATE_S."""
        now = time.monotonic()
        if now - self._checked_at < REVALIDATE_S:
            return self._generation
        value = role_rows.generation(self.site.store)
        with self._lock:
            if value != self._generation:
                self._actors.clear()
                self._roles.clear()
                self._generation = value
            self._checked_at = now
        return value

    def forget(self) -> None:
        """Look at the counter again on the next lookup (after this process changed rules)."""
        self._checked_at = float("-inf")

    def note_change(self, ctx: WriteContext) -> None:
        """A write is changing who may do what: bump the counter in its transaction and forget
        the cache once it commits."""
        role_rows.bump_generation(ctx.conn)
        ctx.after_commit.append(self.forget)

    def _role_of(
        self, actor_type: str, actor_id: int, generation: int
    ) -> tuple[int | None, RoleRules]:
        """The role id and rules of an actor (its type's default role when it has none)."""
        role_id = None
        if actor_type in ("HumanUser", "ApiUser"):
            role_id = role_rows.role_id_of(self.site.store, actor_type, actor_id)
        key = (actor_type, role_id)
        cached = self._roles.get(key)
        if cached is None:
            cached = self._load_role(actor_type, role_id)
            with self._lock:
                if generation == self._generation:
                    self._roles[key] = cached
        return cached

    def _load_role(self, actor_type: str, role_id: int | None) -> tuple[int | None, RoleRules]:
        store = self.site.store
        row = role_rows.live_role(store, role_id) if role_id is not None else None
        if row is None:  # no role, or a retired one: the type's default role
            row = role_rows.role_by_code(store, DEFAULT_ROLE_CODE.get(actor_type, ""))
        if row is None:
            return None, no_access("(no role)", "", actor_type)
        stored = role_rows.rules_document(store, row.id)
        return row.id, rules_of_role(row.display_name, row.code, row.entity_type, stored)


def rules_of_role(
    name: str | None, code: str | None, actor_type: str | None, stored: str | None
) -> RoleRules:
    """A role's rules from its stored document, else its code's defaults, else no access."""
    name = name or code or "(unnamed role)"
    if stored is not None:
        try:
            data = json.loads(stored)
            return RoleRules.from_data(name, {**data, "code": code or data.get("code")})
        except (ValueError, Fault):
            pass  # a damaged document allows nothing
    else:
        found = default_rules(code, name)
        if found is not None:
            return found
    return no_access(name, code or "", actor_type or "HumanUser")


# -- storage ---------------------------------------------------------------------------------


def store_rules(conn: Connection, role_id: int, rules: RoleRules) -> None:
    """Write a role's rules (replacing earlier ones); the caller bumps the generation."""
    data = rules.to_data()
    data.pop("code", None)  # the PermissionRuleSet row holds the name and code
    role_rows.write_rules_document(conn, role_id, json.dumps(data, sort_keys=True), now_utc())


def seed_default_rules(conn: Connection, roles: Mapping[str, int]) -> None:
    """Store the built-in rules of the default roles of a new site (bootstrap)."""
    from callsheet.site.permissions.defaults import DEFAULT_ROLES

    for name, role_id in roles.items():
        if name in DEFAULT_ROLES:
            store_rules(conn, role_id, RoleRules.from_data(name, DEFAULT_ROLES[name]))
    role_rows.bump_generation(conn)
