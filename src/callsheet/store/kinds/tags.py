"""tag_list: a list of tag names, kept one row per tag in the shared tag table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callsheet.faults import FilterFault, ValueFault
from callsheet.schema.data_types import TAG_OPERATORS
from callsheet.schema.model import Field
from callsheet.store.dialects import fold_case
from callsheet.store.kinds.base import FieldKind, SqlCondition, one_value, register

if TYPE_CHECKING:
    from sqlalchemy.sql.expression import FromClause

    from callsheet.store.scope import ReadScope
    from callsheet.store.store import Store


class TagListKind(FieldKind):
    data_types = ("tag_list",)
    operators = TAG_OPERATORS
    sortable = False
    side_loaded = True
    read_apart = True
    summaries = ("record_count", "count")
    groupings = ()

    def select_columns(
        self, field: Field, table: FromClause, store: Store, scope: ReadScope
    ) -> list[Any]:
        return []

    def from_columns(self, field: Field, values: Any) -> Any:
        return []

    def empty_value(self, field: Field) -> Any:
        return []

    def to_stored(self, field: Field, value: Any, store: Store) -> Any:
        if value is None:
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
            raise ValueFault(f"{field.qualified_name} expects a list of tag names, got {value!r}.")
        tags: list[str] = []
        for tag in (t.strip() for t in value):
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def to_columns(self, field: Field, stored: Any) -> dict[str, Any]:
        return {}

    def load(
        self, conn: Connection, store: Store, field: Field, owner_ids: Sequence[int]
    ) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {i: [] for i in owner_ids}
        c = store.tag_table.c
        for start in range(0, len(owner_ids), 900):
            rows = conn.execute(
                sa.select(c.owner_id, c.tag)
                .where(
                    c.owner_type == field.entity_type,
                    c.owner_field == field.name,
                    c.owner_id.in_(owner_ids[start : start + 900]),
                )
                .order_by(c.owner_id, c.position)
            )
            for owner_id, tag in rows:
                result[owner_id].append(tag)
        return result

    def write(
        self, conn: Connection, store: Store, field: Field, owner_id: int, stored: Any
    ) -> None:
        tags: list[str] = stored
        table = store.tag_table
        c = table.c
        conn.execute(
            sa.delete(table).where(
                c.owner_type == field.entity_type,
                c.owner_field == field.name,
                c.owner_id == owner_id,
            )
        )
        if tags:
            conn.execute(
                sa.insert(table),
                [
                    {
                        "owner_type": field.entity_type,
                        "owner_field": field.name,
                        "owner_id": owner_id,
                        "position": n,
                        "tag": tag,
                    }
                    for n, tag in enumerate(tags, start=1)
                ],
            )

    def summary_count(
        self, field: Field, owner: FromClause, table: FromClause, store: Store, scope: ReadScope
    ) -> Any:
        """Rows with at least one tag."""
        c = store.tag_table.c
        owners = sa.select(c.owner_id).where(
            c.owner_type == field.entity_type, c.owner_field == field.name
        )
        return sa.func.sum(sa.case((owner.c.id.in_(owners), 1), else_=0))

    def _tagged(
        self, field: Field, table: FromClause, store: Store, condition: Any
    ) -> SqlCondition:
        c = store.tag_table.c
        return table.c.id.in_(
            sa.select(c.owner_id).where(
                c.owner_type == field.entity_type, c.owner_field == field.name, condition
            )
        )

    def _text(self, field: Field, operator: str, values: list[Any]) -> str | None:
        value = one_value(field, operator, values)
        if value is not None and not isinstance(value, str):
            raise FilterFault(f"API read() {field.qualified_name} '{operator}' expects a tag name.")
        return value

    def filter_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        tag = self._text(field, "is", values)
        if tag is None:
            return sa.not_(self._tagged(field, table, store, sa.true()))
        return self._tagged(
            field, table, store, fold_case(store.tag_table.c.tag, tag) == tag.lower()
        )

    def filter_name_is(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        return self.filter_is(field, table, values, store, scope)

    filter_name_id = filter_name_is  # the reference's operator table spells it `name_id`

    def filter_name_contains(
        self, field: Field, table: FromClause, values: list[Any], store: Store, scope: ReadScope
    ) -> SqlCondition:
        tag = self._text(field, "name_contains", values) or ""
        condition = fold_case(store.tag_table.c.tag, tag).contains(tag.lower(), autoescape=True)
        return self._tagged(field, table, store, condition)


register(TagListKind())
