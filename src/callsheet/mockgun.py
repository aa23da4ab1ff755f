"""A drop-in for `shotgun_api3.lib.mockgun.Shotgun` backed by a real Callsheet site.

Tests written against mockgun switch by importing this class instead (or by putting it in
mockgun's place, as tools/run_tkcore_suite.py does for tk-core's suite): the same constructor,
`set_schema_paths`/`get_schema_paths` with mockgun's schema pickles, an empty site at start, and
`_db[entity_type][id] = record` to wedge in fixture records with the ids a test chooses. Reads and
writes then run through Callsheet's engine, so filters, links and faults behave as on a server.

The schema is Callsheet's default site schema plus every field the pickles have that it lacks
(entity types it lacks are logged and left out: Callsheet cannot add entity types).
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from callsheet import client
from callsheet.site.actor import SYSTEM
from callsheet.site.bootstrap import engine_script_id
from callsheet.site.bulk_inserts import adopt_fields
from callsheet.site.fixtures import fixture_site, put_record, record_ids, remove_records
from callsheet.site.site import Site
from callsheet.transfer.schema_copy import field_from_answer

log = logging.getLogger("callsheet.mockgun")

# mockgun's own keys in a wedged record (`__retired`), and keys that are not field values.
RETIRED_KEY = "__retired"


class MockgunError(Exception):
    """What mockgun raises when it is used before its schema paths are set."""


def _read_pickle(path: str) -> Any:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _schema_additions(schema_path: str | None) -> Any:
    """A function adding the pickle's fields the default schema lacks (None: nothing to add);
    the pickle is read only when the site for it is first built."""
    if schema_path is None:
        return None

    def prepare(site: Site) -> None:
        schema_read: dict[str, dict[str, Any]] = _read_pickle(schema_path)
        fields, missing_types = [], []
        for entity_type, answers in schema_read.items():
            if entity_type not in site.schema:
                missing_types.append(entity_type)
                continue
            present = site.schema.entity(entity_type).fields
            for name, answer in answers.items():
                if name not in present:
                    fields.append(field_from_answer(entity_type, name, answer, {}))
        if missing_types:
            log.warning("mockgun schema: entity types left out: %s", ", ".join(missing_types))
        if fields:
            adopt_fields(site, fields)

    return prepare


class _FieldAnswers(dict[str, Any]):
    """`_schema[entity_type]`: the type's schema_read answers. Assigning an answer for a field
    the type lacks adds that field to the site, as assigning into mockgun's schema dict makes
    mockgun know the field (tk-core's folder tests register link fields so). Changing the answer
    of an existing field changes only this copy."""

    def __init__(self, site: Site, entity_type: str, answers: Mapping[str, Any]) -> None:
        super().__init__(answers)
        self._site = site
        self._entity_type = entity_type

    def __setitem__(self, name: str, answer: Any) -> None:
        if name not in self._site.schema.entity(self._entity_type).fields:
            adopt_fields(self._site, [field_from_answer(self._entity_type, name, answer, {})])
        super().__setitem__(name, answer)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        # A copy is plain data: it must not drag the site along.
        return copy.deepcopy(dict(self), memo)


class _SchemaAnswers(dict[str, _FieldAnswers]):
    """`_schema`: schema_read's answer, one `_FieldAnswers` per entity type."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {name: copy.deepcopy(fields, memo) for name, fields in self.items()}


class _Table(MutableMapping[int, dict[str, Any]]):
    """`_db[entity_type]`: the type's records by id, as mockgun's dict of dicts."""

    def __init__(self, sg: Shotgun, entity_type: str) -> None:
        self._sg = sg
        self._entity_type = entity_type

    def __setitem__(self, entity_id: int, record: dict[str, Any]) -> None:
        values = {
            k: v for k, v in record.items() if k not in (RETIRED_KEY, "type") and v is not None
        }
        values["id"] = entity_id
        put_record(
            self._sg.site,
            self._entity_type,
            client.to_engine(values),
            retired=bool(record.get(RETIRED_KEY)),
        )

    def __getitem__(self, entity_id: int) -> dict[str, Any]:
        fields = list(self._sg.site.schema.entity(self._entity_type).fields)
        for retired in (False, True):
            found = self._sg.site.find(
                SYSTEM, self._entity_type, [["id", "is", entity_id]], fields, retired_only=retired
            )
            if found:
                return client.to_caller(found[0])  # type: ignore[no-any-return]
        raise KeyError(entity_id)

    def __delitem__(self, entity_id: int) -> None:
        self._sg.site.delete(SYSTEM, self._entity_type, entity_id)

    def __iter__(self) -> Iterator[int]:
        return iter(record_ids(self._sg.site, self._entity_type))

    def __len__(self) -> int:
        return len(record_ids(self._sg.site, self._entity_type))


class _Database(MutableMapping[str, _Table]):
    """`_db`: one `_Table` per entity type."""

    def __init__(self, sg: Shotgun) -> None:
        self._sg = sg

    def __getitem__(self, entity_type: str) -> _Table:
        if entity_type not in self._sg.site.schema:
            raise KeyError(entity_type)
        return _Table(self._sg, entity_type)

    def __setitem__(self, entity_type: str, records: Mapping[int, dict[str, Any]]) -> None:
        """`_db[entity_type] = {...}`: the type's records become exactly these."""
        if entity_type not in self._sg.site.schema:
            raise KeyError(entity_type)
        kept = [dict(record) for record in records.values()]
        remove_records(self._sg.site, entity_type)
        table = self[entity_type]
        for record in kept:
            table[record["id"]] = record

    def __delitem__(self, entity_type: str) -> None:
        raise TypeError("Entity types cannot be removed from a Callsheet site.")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sg.site.schema.names())

    def __len__(self) -> int:
        return len(self._sg.site.schema.names())

    def __repr__(self) -> str:
        return repr({name: dict(self[name]) for name in self if len(self[name])})


class Shotgun(client.Shotgun):
    """mockgun's `Shotgun`: one new, empty in-memory Callsheet site per instance."""

    _schema_path: str | None = None
    _schema_entity_path: str | None = None

    @classmethod
    def set_schema_paths(cls, schema_path: str, schema_entity_path: str) -> None:
        """The schema pickles (mockgun.generate_schema) of the site the tests stand for."""
        cls._schema_path = schema_path
        cls._schema_entity_path = schema_entity_path

    @classmethod
    def get_schema_paths(cls) -> tuple[str | None, str | None]:
        return cls._schema_path, cls._schema_entity_path

    def __init__(
        self,
        base_url: str,
        script_name: str | None = None,
        api_key: str | None = None,
        convert_datetimes_to_utc: bool = True,
        http_proxy: str | None = None,
        connect: bool = True,
        ca_certs: str | None = None,
        login: str | None = None,
        password: str | None = None,
        sudo_as_login: str | None = None,
        session_token: str | None = None,
        auth_token: str | None = None,
    ) -> None:
        schema_path, _ = self.get_schema_paths()
        if schema_path is not None and not os.path.exists(schema_path):
            raise MockgunError(f"Cannot locate Mockgun schema file {schema_path!r}!")
        key = os.path.abspath(schema_path) if schema_path else None
        site = fixture_site(key, _schema_additions(schema_path))
        super().__init__(site, site.actor_for("ApiUser", engine_script_id(site)))
        from shotgun_api3.shotgun import _Config

        self.config = _Config(self)  # type: ignore[arg-type]
        self.config.set_server_params(base_url)
        self.base_url = base_url
        self._server_info: dict[str, Any] = self.info()
        self._server_caps: Any = None
        self._db = _Database(self)
        self.finds = 0

    # mockgun keeps server_info as a plain attribute that tests may replace.
    @property
    def server_info(self) -> dict[str, Any]:
        return self._server_info

    @server_info.setter
    def server_info(self, value: dict[str, Any]) -> None:
        self._server_info = value

    @property
    def _schema(self) -> dict[str, Any]:
        """mockgun's schema dict (schema_read's answer); tests add a field by assigning into it
        (`_schema["Shot"]["sg_x"] = answer`) or by assigning a changed copy to `_schema`."""
        site = self.site
        return _SchemaAnswers(
            {
                entity_type: _FieldAnswers(site, entity_type, answers)
                for entity_type, answers in self.schema_read().items()
            }
        )

    @_schema.setter
    def _schema(self, schema: dict[str, Any]) -> None:
        site = self.site
        fields = [
            field_from_answer(entity_type, name, answer, {})
            for entity_type, answers in schema.items()
            if entity_type in site.schema
            for name, answer in answers.items()
            if name not in site.schema.entity(entity_type).fields
        ]
        if fields:
            adopt_fields(site, fields)

    @property
    def server_caps(self) -> Any:
        """The official client's ServerCapabilities, from `server_info` as the client reads it."""
        if self._server_caps is not None:
            return self._server_caps
        from shotgun_api3.shotgun import ServerCapabilities

        return ServerCapabilities(self.config.server or "", dict(self.server_info))

    @server_caps.setter
    def server_caps(self, value: Any) -> None:
        self._server_caps = value

    def find(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        self.finds += 1
        # find comes from the method table (attached with setattr), which mypy cannot see
        return super().find(*args, **kwargs)  # type: ignore[misc,no-any-return]

    def find_one(
        self,
        entity_type: str,
        filters: Any,
        fields: list[str] | None = None,
        order: list[dict[str, str]] | None = None,
        filter_operator: str | None = None,
        retired_only: bool = False,
        include_archived_projects: bool = True,
        additional_filter_presets: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        """The first record `find` answers, called as mockgun's find_one calls it: tests that
        patch `Shotgun.find` (tk-core's descriptor tests assert its arguments) and count
        `finds` see find_one's reads too. The official client's two extra arguments are passed
        on only when given."""
        extra: dict[str, Any] = {}
        if not include_archived_projects:
            extra["include_archived_projects"] = False
        if additional_filter_presets:
            extra["additional_filter_presets"] = additional_filter_presets
        found = self.find(
            entity_type,
            filters,
            fields=fields,
            order=order,
            filter_operator=filter_operator,
            retired_only=retired_only,
            **extra,
        )
        return found[0] if found else None

    # mockgun's answers for what has no meaning without a server.
    def get_session_token(self) -> str:
        return "bogus_session_token"

    def upload(self, *args: Any, **kwargs: Any) -> int:
        raise NotImplementedError("mockgun does not upload files")

    def upload_thumbnail(self, *args: Any, **kwargs: Any) -> None:
        """Accepted and dropped, as mockgun does."""
