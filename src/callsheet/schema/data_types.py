"""What code outside the store may know about each data type: one table, no SQL.

The store's kinds (callsheet.store.kinds) own how a data type is stored, read, written, filtered
and summarized. The engine's rules, the schema's link storage and the web pages need a few plain
facts too (is it a link, is it computed, may the page edit it); they read them here, never by
comparing `data_type` strings. tests/store/test_kinds_contract.py checks that this table and the
kinds agree and that no module outside these two places compares `data_type`.
"""

from __future__ import annotations

from dataclasses import dataclass

from callsheet.faults import SchemaFault

# Filter operators per family (reference/data-model.md §2.3). The store's kinds accept exactly
# these (each negative one is its positive twin negated, store/kinds/base.py).
EQUALITY_OPERATORS: tuple[str, ...] = ("is", "is_not", "in", "not_in")
TEXT_OPERATORS: tuple[str, ...] = (
    "is",
    "is_not",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "in",
    "not_in",
)
NUMERIC_OPERATORS: tuple[str, ...] = (
    "is",
    "is_not",
    "less_than",
    "greater_than",
    "between",
    "not_between",
    "in",
    "not_in",
)
DATE_OPERATORS: tuple[str, ...] = (
    "is",
    "is_not",
    "greater_than",
    "less_than",
    "between",
    "not_between",
    "in",
    "not_in",
    "in_last",
    "not_in_last",
    "in_next",
    "not_in_next",
    "in_calendar_day",
    "in_calendar_week",
    "in_calendar_month",
    "in_calendar_year",
)
LINK_OPERATORS: tuple[str, ...] = (
    "is",
    "is_not",
    "type_is",
    "type_is_not",
    "name_contains",
    "name_not_contains",
    "name_is",
    "name_starts_with",
    "name_ends_with",
    "in",
    "not_in",
)
TAG_OPERATORS: tuple[str, ...] = (
    "is",
    "is_not",
    "name_contains",
    "name_not_contains",
    "name_is",
    "name_id",
)
FLAG_OPERATORS: tuple[str, ...] = ("is", "is_not")


@dataclass(frozen=True)
class DataTypeTraits:
    """The plain facts of one data type."""

    name: str
    # The filter operators it accepts; none: it cannot be filtered on.
    operators: tuple[str, ...] = ()
    # A sort on it orders rows (ShotGrid ignores sorts on lists of links and tags).
    sortable: bool = True
    # "single" (entity: two columns), "multi" (multi_entity: a list that may be stored as a
    # connection entity or read backwards from another type's entity field, schema/links.py),
    # "addressing" (the people and groups a Note or Ticket addresses: a list kept in the shared
    # link table), or "" for values that link nothing.
    link: str = ""
    # Computed by ShotGrid's web page (query, pivot and calculated fields): read-only in the API.
    computed: bool = False
    # Accepted by API writes (create / update / batch).
    api_writable: bool = True
    # Kept in a table of its own rather than the entity row (tag_list).
    side_loaded: bool = False
    # One of the field's `valid_values` (list, status_list); `statuses`: a status_list.
    choices: bool = False
    statuses: bool = False
    # A file/link value (url): web link, local file or upload.
    file_link: bool = False
    # A thumbnail (image): set by upload only, so no editor and no default.
    thumbnail: bool = False
    # A write-only secret (password): never shown, always logged as changed.
    secret: bool = False
    # Made up by the server on create when not given (uuid).
    generated: bool = False
    # A field's `default_value` is applied on create.
    create_default: bool = True
    # A custom field may be created with this data type (schema_field_create, the Admin page).
    creatable: bool = False
    # Made only by an admin in the field editor, never through the API (query and calculated
    # fields: site/schema_changes.py's create_computed_field).
    admin_creatable: bool = False
    # Shown on a record's detail page.
    on_detail_page: bool = True

    @property
    def is_link(self) -> bool:
        return bool(self.link)

    @property
    def is_single_link(self) -> bool:
        return self.link == "single"

    @property
    def is_multi_link(self) -> bool:
        """A list of links (multi_entity and addressing)."""
        return self.link in ("multi", "addressing")

    @property
    def page_editable(self) -> bool:
        """Whether a web page may offer an editor for values of this type."""
        return self.api_writable and not self.thumbnail


def _traits(*items: DataTypeTraits) -> dict[str, DataTypeTraits]:
    return {item.name: item for item in items}


T = DataTypeTraits
# Creatable types first, in the order the Admin page offers them (reference/data-model.md §2.1).
DATA_TYPES: dict[str, DataTypeTraits] = _traits(
    T("checkbox", FLAG_OPERATORS, creatable=True),
    T("currency", NUMERIC_OPERATORS, creatable=True),
    T("date", DATE_OPERATORS, creatable=True),
    T("date_time", DATE_OPERATORS, creatable=True),
    T("duration", NUMERIC_OPERATORS, creatable=True),
    T("entity", LINK_OPERATORS, link="single", creatable=True),
    T("float", NUMERIC_OPERATORS, creatable=True),
    T("footage", EQUALITY_OPERATORS, creatable=True),
    T("list", EQUALITY_OPERATORS, choices=True, creatable=True),
    T("multi_entity", LINK_OPERATORS, sortable=False, link="multi", creatable=True),
    T("number", NUMERIC_OPERATORS, creatable=True),
    T("percent", NUMERIC_OPERATORS, creatable=True),
    T("status_list", EQUALITY_OPERATORS, choices=True, statuses=True, creatable=True),
    T("tag_list", TAG_OPERATORS, sortable=False, side_loaded=True, creatable=True),
    T("text", TEXT_OPERATORS, creatable=True),
    T("timecode", NUMERIC_OPERATORS, creatable=True),
    T("url", sortable=False, file_link=True, create_default=False, creatable=True),
    T("serializable", sortable=False, create_default=False, creatable=True),
    T("color", EQUALITY_OPERATORS, creatable=True),
    T("uuid", EQUALITY_OPERATORS, generated=True, creatable=True),
    T("integer", NUMERIC_OPERATORS),
    T("entity_type", EQUALITY_OPERATORS),
    T("jsonb", sortable=False),
    T("addressing", LINK_OPERATORS, sortable=False, link="addressing"),
    T("image", FLAG_OPERATORS, sortable=False, thumbnail=True, create_default=False),
    T("password", sortable=False, secret=True, on_detail_page=False),
    # Query fields filter and sort by the type of their value (store/kinds/summary.py).
    T("summary", computed=True, api_writable=False, admin_creatable=True),
    # Sorts on the computed value (sg-groundtruth field_types/calculated.md); no filter widget
    # offers it ("not filterable from filter widgets", Autodesk help), though API filters work.
    T("calculated", computed=True, api_writable=False, admin_creatable=True),
    T("pivot_column", sortable=False, computed=True, api_writable=False, on_detail_page=False),
    T("system_task_type", sortable=False, api_writable=False),
)
del T

# A data type no table row describes: nothing may be done with it but show that it exists.
UNKNOWN = DataTypeTraits(
    "", sortable=False, api_writable=False, create_default=False, on_detail_page=False
)

CREATABLE_DATA_TYPES: tuple[str, ...] = tuple(n for n, t in DATA_TYPES.items() if t.creatable)
ADMIN_CREATABLE_DATA_TYPES: tuple[str, ...] = tuple(
    n for n, t in DATA_TYPES.items() if t.admin_creatable
)
CHOICE_DATA_TYPES: tuple[str, ...] = tuple(n for n, t in DATA_TYPES.items() if t.choices)
# The link types a custom field may be made with (the Admin page's "links to" part).
CREATABLE_LINK_TYPES: tuple[str, ...] = tuple(
    n for n, t in DATA_TYPES.items() if t.creatable and t.is_link
)


def traits_of(data_type: str) -> DataTypeTraits:
    """The facts of a data type (`UNKNOWN`'s for one no table row describes)."""
    return DATA_TYPES.get(data_type, UNKNOWN)


def is_known_data_type(data_type: object) -> bool:
    """Whether `data_type` names a data type of the table (any value, from any source)."""
    return isinstance(data_type, str) and data_type in DATA_TYPES


def require_data_type(data_type: object) -> DataTypeTraits:
    """The facts of a known data type, or a SchemaFault naming it."""
    traits = DATA_TYPES.get(data_type) if isinstance(data_type, str) else None
    if traits is None:
        raise SchemaFault(f"Unknown data type {data_type!r}: valid data types: {list(DATA_TYPES)}.")
    return traits
