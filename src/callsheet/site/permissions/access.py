"""`ActorPermissions`: what one person or script may do, and the checks every operation makes.

`Site.permissions_for(actor)` gives one (cached per actor, see book.py). Reads ask it to check a
request (`readable`: the entity type, fields used in filters and sorts) and read through its
`scope` (scope.py: rows as SQL). Writes call `check_create` / `check_created` / `check_update` /
`check_retire` inside the write transaction: a refusal is a PermissionFault naming the rule, in
ShotGrid's words (reference/data-model.md §6), raised before the transaction commits, so nothing is
written and no event row remains.

Three rules hold for every role and cannot be changed by importing rules: permission roles and
their rules are read-only through the API (only Callsheet itself writes `PermissionRuleSet`);
secret fields are never readable; only admins set `created_by` / `created_at` on create.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from callsheet.faults import Fault, PermissionFault
from callsheet.schema.model import Field
from callsheet.site.action_menu import TRIGGERED_EVENT as AMI_TRIGGERED_EVENT
from callsheet.site.permissions.rules import (
    ACTIONS,
    ME,
    MY_ID,
    MY_ROLE,
    RoleRules,
    Rule,
    RuleCondition,
    substitute,
)
from callsheet.store.filters import Group, parse_filters
from callsheet.store.kinds import LinkRef
from callsheet.store.kinds.documents import upload_attachment_id
from callsheet.store.paths import FieldPath, parse_path
from callsheet.store.query import ReadRequest
from callsheet.store.scope import UNRESTRICTED, ReadScope
from callsheet.store.visibility import VisibilityScope, matching_ids

if TYPE_CHECKING:
    from callsheet.site.site import Site
    from callsheet.site.write_context import WriteContext

# Written, never read back: not by admins, not by Callsheet's own reads (data-model.md §5.1:
# an AMI's "Secret Token" is set once, never readable; script keys are never readable).
SECRET_FIELDS = frozenset({("ApiUser", "salted_password"), ("ActionMenuItem", "secret_token")})
# Only admins may write these on create (migrations): data-model.md §6, "API Admin ... may edit
# date-created". Everyone else gets the server's values.
ADMIN_ONLY_FIELDS = frozenset({"created_by", "created_at"})
RULES_TYPE = "PermissionRuleSet"
MAX_CACHED_FIELD_LISTS = 512
VERBS = {"create": "create", "update": "update", "retire": "retire", "revive": "revive"}


class ActorPermissions:
    """The rules of one actor's role, bound to that actor (for "$me" in conditions)."""

    def __init__(
        self,
        site: Site,
        actor_type: str,
        actor_id: int,
        role_id: int | None,
        rules: RoleRules,
        generation: int,
        *,
        system: bool = False,
    ) -> None:
        self.site = site
        self.actor_type = actor_type
        self.actor_id = actor_id
        self.role_id = role_id
        self.rules = rules
        self.generation = generation
        self.system = system
        self._groups: dict[tuple[str, str], Group | bool] = {}
        self._fields: dict[Any, list[Any]] = {}
        self._hidden_names = frozenset(
            key.partition(".")[2] for key, rule in rules.fields.items() if not rule.see
        ) | frozenset(name for _, name in SECRET_FIELDS)
        self.scope: ReadScope = UNRESTRICTED
        if not system and not (rules.admin and rules.sees_everything):
            self.scope = VisibilityScope(site.store, self)

    # -- the public questions (the web page's Permissions and menus use these) ------------------
    @property
    def role_name(self) -> str | None:
        return self.rules.name

    @property
    def is_admin(self) -> bool:
        """May manage the site: people role Admin, script role API Admin (and Callsheet itself)."""
        return self.system or self.rules.admin

    @property
    def may_sudo(self) -> bool:
        return self.system or self.rules.may_sudo

    @property
    def may_see_event_log(self) -> bool:
        return self.system or self.rules.may_see_event_log

    @property
    def sees_everything(self) -> bool:
        """No row is hidden from this actor (reads add nothing to their SQL)."""
        return self.scope is UNRESTRICTED

    def may(self, entity_type: str, action: str) -> bool:
        """Whether the role allows `action` on some entities of the type (maybe conditionally)."""
        if action not in (*ACTIONS, "revive"):
            raise ValueError(f"Unknown action {action!r}: use {[*ACTIONS, 'revive']}.")
        if entity_type == RULES_TYPE and action != "see":
            return self.system
        if self.system:
            return True
        if entity_type == "EventLogEntry" and action == "see" and not self.may_see_event_log:
            return False
        return self.rules.entity(entity_type).rule(action) is not False

    def rule(self, entity_type: str, action: str) -> Rule:
        """The role's rule for an action: True, False or a RuleCondition."""
        if not self.may(entity_type, action):
            return False
        return True if self.system else self.rules.entity(entity_type).rule(action)

    def field_visible(self, entity_type: str, field: str) -> bool:
        if (entity_type, field) in SECRET_FIELDS:
            return False
        return self.system or self.rules.field(entity_type, field).see

    def field_editable(self, entity_type: str, field: str) -> bool:
        if self.system:
            return True
        if field in ADMIN_ONLY_FIELDS and not self.rules.admin:
            return False
        rules = self.rules.field(entity_type, field)
        return rules.see and rules.edit

    # -- conditions -------------------------------------------------------------------------------
    def placeholders(self) -> dict[str, Any]:
        """What "$me", "$my_id" and "$my_role" stand for in this actor's conditions."""
        return {
            ME: {"type": self.actor_type, "id": self.actor_id},
            MY_ID: self.actor_id,
            MY_ROLE: {"type": RULES_TYPE, "id": self.role_id if self.role_id is not None else 0},
        }

    def condition(self, entity_type: str, action: str) -> Group | bool:
        """The role's condition for `action` as a parsed filter with this actor's placeholders
        filled in; True when the role has none, False when it no longer fits the schema."""
        key = (entity_type, action)
        if key not in self._groups:
            rule = self.rules.entity(entity_type).rule(action)
            group: Group | bool = True
            if isinstance(rule, RuleCondition):
                try:
                    filters = substitute(rule.filters, self.placeholders())
                    group = parse_filters(self.site.schema, entity_type, filters)
                except Fault:
                    group = False  # a condition the schema no longer supports allows nothing
            self._groups[key] = group
        return self._groups[key]

    # -- what the store's VisibilityScope reads (store/visibility.py) ---------------------------
    @property
    def visibility_key(self) -> Hashable:
        return ("role", self.role_id, self.generation, self.actor_type, self.actor_id)

    @property
    def assigned_projects_only(self) -> bool:
        return self.rules.assigned_projects_only

    @cached_property
    def hidden_fields(self) -> Mapping[str, Collection[str]]:
        hidden: dict[str, list[str]] = {}
        for key, rule in self.rules.fields.items():
            if not rule.see:
                entity_type, _, name = key.partition(".")
                hidden.setdefault(entity_type, []).append(name)
        return hidden

    # An Action Menu Item's fired event holds its payload (data-model.md §5.1): only for whoever
    # fired it.
    private_event_types: Collection[str] = (AMI_TRIGGERED_EVENT,)

    def may_see(self, entity_type: str) -> bool:
        return self.may(entity_type, "see")

    def see_condition(self, entity_type: str) -> Group | bool:
        if not isinstance(self.rules.entity(entity_type).see, RuleCondition):
            return True
        return self.condition(entity_type, "see")

    # -- reads ----------------------------------------------------------------------------------
    def refuse_type(self, entity_type: str) -> PermissionFault:
        return PermissionFault(
            f"Entity of type {entity_type} can not be accessed by this user. Rule: {self.role_name}"
        )

    def refuse_field(self, f: Field) -> PermissionFault:
        return PermissionFault(
            f"The field is not visible for this user: [{f.qualified_name}]. "
            f"Rule: {self.role_name} -- DENY read_field {f.qualified_name}"
        )

    def readable(self, request: ReadRequest) -> ReadRequest:
        """The request with the fields this actor may not see left out of its return fields; a
        PermissionFault when the type is hidden or a filter or sort uses a hidden field."""
        if not self.may(request.entity_type, "see"):
            raise self.refuse_type(request.entity_type)
        for node in walk_conditions(request.filters):
            self.check_path(node.path)
        for sort in request.sorts:
            self.check_path(sort.path)
        fields = self._readable_fields(request.entity_type, request.fields)
        if len(fields) != len(request.fields):
            return replace(request, fields=fields)
        return request

    def written(self, request: ReadRequest) -> ReadRequest:
        """What a write returns of its rows: the fields the actor may read (none of a type they
        may create but not see); never a fault, the write is done."""
        if not self.may(request.entity_type, "see"):
            return replace(request, fields=["id"])
        return replace(request, fields=self._readable_fields(request.entity_type, request.fields))

    def _readable_fields(self, entity_type: str, names: Sequence[Any]) -> list[Any]:
        """The return fields that may be read, worked out once per type and field list."""
        try:
            key: Any = (entity_type, tuple(names))
            cached = self._fields.get(key)
        except TypeError:  # unhashable junk in the list: the read ignores it anyway
            key, cached = None, None
        if cached is None:
            cached = [n for n in names if not isinstance(n, str) or self.returns(entity_type, n)]
            if key is not None and len(self._fields) < MAX_CACHED_FIELD_LISTS:
                self._fields[key] = cached
        return cached

    def check_path(self, path: FieldPath) -> None:
        """Fault when a path (filter, sort, summary, grouping) goes through a hidden field."""
        for f in (*(hop.field for hop in path.hops), path.field):
            if f.name in self._hidden_names and not self.field_visible(f.entity_type, f.name):
                raise self.refuse_field(f)

    def check_paths(self, entity_type: str, names: Sequence[Any]) -> None:
        """`check_path` for field names as a caller wrote them (unknown names are left alone)."""
        for name in names:
            if isinstance(name, str) and self._mentions_hidden(name):
                try:
                    path = parse_path(self.site.schema, entity_type, name)
                except Fault:
                    continue
                self.check_path(path)

    def check_filters(self, entity_type: str, filters: Any) -> None:
        """`check_path` for every condition of filters as a caller wrote them."""
        if not self._hidden_names or not _mentions_any(filters, self._hidden_names):
            return
        for node in walk_conditions(parse_filters(self.site.schema, entity_type, filters)):
            self.check_path(node.path)

    def returns(self, entity_type: str, name: str) -> bool:
        """Whether a return field (maybe a deep one) may be read."""
        if not self._mentions_hidden(name):
            return True
        try:
            path = parse_path(self.site.schema, entity_type, name)
        except Fault:
            return True  # unknown fields are ignored by the read anyway
        return all(
            self.field_visible(f.entity_type, f.name)
            for f in (*(hop.field for hop in path.hops), path.field)
        )

    def _mentions_hidden(self, name: str) -> bool:
        tokens = name.split(".")
        return any(tokens[i] in self._hidden_names for i in range(0, len(tokens), 2))

    # -- writes ---------------------------------------------------------------------------------
    def refuse_action(self, entity_type: str, action: str, rule: Rule) -> PermissionFault:
        if entity_type == RULES_TYPE:
            return PermissionFault(
                f"Can not {VERBS[action]} entity of type {RULES_TYPE}: permission rules are "
                f"read-only through the API. Rule: {self.role_name}"
            )
        how = "DENY" if rule is False else f"ALLOW only where {_describe(rule)}"
        return PermissionFault(
            f"Can not {VERBS[action]} entity of type {entity_type} for this user. "
            f"Rule: {self.role_name} -- {how} {action}_entity {entity_type}"
        )

    def refuse_edit(self, f: Field) -> PermissionFault:
        return PermissionFault(
            f"The field is not editable for this user: [{f.qualified_name}]. "
            f"Rule: {self.role_name} -- DENY update_field {f.qualified_name}"
        )

    def check_action(self, entity_type: str, action: str) -> None:
        """Before anything else is checked: the role allows `action` on the type at all."""
        rule = self.rule(entity_type, action)
        if rule is False:
            raise self.refuse_action(entity_type, action, rule)

    def check_create(
        self, ctx: WriteContext, entity_type: str, values: Mapping[str, tuple[Field, Any]]
    ) -> None:
        """Before an insert: the type may be created, every field set, every link made."""
        rule = self.rule(entity_type, "create")
        if rule is False:
            raise self.refuse_action(entity_type, "create", rule)
        self._check_fields(entity_type, "create", rule, values)
        self._check_links(ctx, values)

    def check_created(self, ctx: WriteContext, entity_type: str, ids: Sequence[int]) -> None:
        """After an insert, in the same transaction: the new rows meet the create condition."""
        rule = self.rule(entity_type, "create")
        if not isinstance(rule, RuleCondition) or not ids:
            return
        condition = self.condition(entity_type, "create")
        matched = matching_ids(ctx.conn, ctx.store, entity_type, ids, condition=condition)
        if len(matched) != len(set(ids)):
            raise self.refuse_action(entity_type, "create", rule)

    def check_update(
        self,
        ctx: WriteContext,
        entity_type: str,
        entity_id: int,
        values: Mapping[str, tuple[Field, Any]],
    ) -> None:
        """Before an update: the type, the row (visible, meeting the condition), each field and
        each new link are allowed."""
        rule = self.rule(entity_type, "update")
        if rule is False:
            raise self.refuse_action(entity_type, "update", rule)
        self._check_fields(entity_type, "update", rule, values)
        if not self._row_allowed(ctx, entity_type, entity_id, "update", rule):
            raise self.refuse_action(entity_type, "update", rule)
        self._check_links(ctx, values)
        if entity_type in ("HumanUser", "ApiUser") and "permission_rule_set" in values:
            self.site.rule_book.note_change(ctx)

    def check_retire(
        self, ctx: WriteContext, entity_type: str, entity_id: int, action: str
    ) -> None:
        """Before retire or revive: the type may be retired and the row is visible and allowed."""
        rule = self.rule(entity_type, action)
        if rule is False or not self._row_allowed(ctx, entity_type, entity_id, "retire", rule):
            raise self.refuse_action(entity_type, action, rule)

    def _check_fields(
        self, entity_type: str, action: str, rule: Rule, values: Mapping[str, tuple[Field, Any]]
    ) -> None:
        allowed = rule.fields if isinstance(rule, RuleCondition) and action == "update" else None
        no_field_rules = allowed is None and not self.rules.fields  # only the fixed rule applies
        if no_field_rules and (self.is_admin or ADMIN_ONLY_FIELDS.isdisjoint(values)):
            return
        for name, (f, _) in values.items():
            if not self.field_editable(entity_type, name) or (
                allowed is not None and name not in allowed
            ):
                raise self.refuse_edit(f)

    def _row_allowed(
        self, ctx: WriteContext, entity_type: str, entity_id: int, action: str, rule: Rule
    ) -> bool:
        condition = self.condition(entity_type, action) if isinstance(rule, RuleCondition) else True
        found = matching_ids(
            ctx.conn, ctx.store, entity_type, [entity_id], scope=self.scope, condition=condition
        )
        return entity_id in found

    def _check_links(self, ctx: WriteContext, values: Mapping[str, tuple[Field, Any]]) -> None:
        """Links may only point at entities this actor can see (else writing one would reveal
        it, or write into a project the actor is not on)."""
        if self.scope is UNRESTRICTED:
            return
        wanted: dict[str, set[int]] = {}
        for f, stored in values.values():
            # a file/link value naming an upload links to that Attachment: its reads sign a URL
            # that serves the file to anyone, so only an Attachment the writer sees may be named
            attachment = upload_attachment_id(stored) if f.traits.file_link else None
            if attachment is not None:
                wanted.setdefault("Attachment", set()).add(attachment)
            if not f.traits.is_link or stored is None:
                continue
            for ref in stored if isinstance(stored, list) else [stored]:
                if isinstance(ref, LinkRef):
                    wanted.setdefault(ref.type, set()).add(ref.id)
        for entity_type, ids in wanted.items():
            if entity_type not in ctx.store.schema:
                continue
            visible = matching_ids(ctx.conn, ctx.store, entity_type, ids, scope=self.scope)
            for entity_id in sorted(ids - visible):
                raise PermissionFault(
                    f"Entity of type {entity_type} with id {entity_id} can not be accessed by "
                    f"this user, so it can not be linked. Rule: {self.role_name}"
                )


def walk_conditions(node: Any) -> Iterator[Any]:
    """Every condition of a parsed filter tree."""
    if getattr(node, "kind", None) == "group":
        for child in node.children:
            yield from walk_conditions(child)
    elif getattr(node, "kind", None) == "condition":
        yield node


def _mentions_any(value: Any, names: frozenset[str]) -> bool:
    if isinstance(value, str):
        tokens = value.split(".")
        return any(tokens[i] in names for i in range(0, len(tokens), 2))
    if isinstance(value, list | tuple):
        return any(_mentions_any(item, names) for item in value)
    if isinstance(value, dict):
        return any(_mentions_any(item, names) for item in value.values())
    return False


def _describe(rule: Rule) -> str:
    if not isinstance(rule, RuleCondition):
        return str(rule)
    text = f"{rule.filters}"
    if rule.fields is not None:
        text += f" (fields {list(rule.fields)})"
    return text
