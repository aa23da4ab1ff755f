"""`paging_info`'s entity_count costs one COUNT query, never a second find (issue 10 §2)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event

from callsheet.server import Settings
from callsheet.server.methods import dispatch
from callsheet.server.wire import decode_call
from callsheet.site.accounts import create_script
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site

AUTH = {"script_name": "pager", "script_key": "pager-key"}


def statements_of(site: Site, body: bytes) -> tuple[Any, list[str]]:
    settings = Settings()
    dispatch(site, settings, decode_call(body))  # warm: schema, plans, authentication
    seen: list[str] = []
    contexts: list[Any] = []  # held, so no id is reused while we count

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        context = rest[1] if len(rest) > 1 else None
        if context is None or not any(context is known for known in contexts):  # fired twice?
            contexts.append(context)
            seen.append(" ".join(statement.split()))

    engines = [site.store.engine, getattr(site.store.dialect, "read_engine", None)]
    for engine in filter(None, engines):
        event.listen(engine, "before_cursor_execute", note)
    try:
        return dispatch(site, settings, decode_call(body)), seen
    finally:
        for engine in filter(None, engines):
            event.remove(engine, "before_cursor_execute", note)


def test_paging_info_counts_with_one_count_query() -> None:
    site = Site.open()
    try:
        create_script(site, "pager", "pager-key")
        project = site.create(SYSTEM, "Project", {"name": "paged"})
        for n in range(7):
            site.create(SYSTEM, "Shot", {"code": f"p{n}", "project": project})
        read = {
            "type": "Shot",
            "filters": {"logical_operator": "and", "conditions": []},
            "return_fields": ["code"],
            "paging": {"entities_per_page": 3, "current_page": 2},
            "return_only": "active",
            "return_paging_info": True,
        }
        body = orjson.dumps({"method_name": "read", "params": [AUTH, read]})
        answer, statements = statements_of(site, body)
        assert answer["paging_info"] == {"has_next_page": True, "entity_count": 7}
        assert [s["code"] for s in answer["entities"]] == ["p3", "p4", "p5"]
        rows = [s for s in statements if s.startswith('SELECT "Shot".id')]
        counts = [s for s in statements if "count(" in s.lower() and '"Shot"' in s]
        assert (len(rows), len(counts)) == (1, 1), statements
        # without counts (what shotgun_api3 asks of servers >= 7.4): no COUNT at all
        read["return_paging_info_without_counts"] = True
        body = orjson.dumps({"method_name": "read", "params": [AUTH, read]})
        answer, statements = statements_of(site, body)
        assert answer["paging_info"] == {"has_next_page": True}
        assert not [s for s in statements if "count(" in s.lower()]
    finally:
        site.close()
