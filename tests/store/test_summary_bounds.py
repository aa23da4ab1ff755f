"""What one summarize may cost (issue 10 §1.7): a fixed number of statements whatever the number
of groups, a cap on the groups of a level, and a time limit that stops the statements themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from callsheet.client import Shotgun
from callsheet.faults import LimitFault

COUNT = [{"field": "id", "type": "record_count"}, {"field": "sg_cut_duration", "type": "maximum"}]


@contextmanager
def counted_statements(sg: Shotgun) -> Iterator[list[str]]:
    """Every statement the site's engines run inside the block."""
    store = sg.site.store
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The rule book's look at whether another process changed the roles (store/roles.py)
        # reads `_cs_counters` now and then; it is not the summarize's work.
        if not statement.startswith("SELECT _cs_"):
            seen.append(statement)

    engines = {id(e): e for e in (store.engine, store.dialect.read_engine)}
    targets = [e.engine if hasattr(e, "engine") else e for e in engines.values()]
    for engine in {id(t): t for t in targets}.values():
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in {id(t): t for t in targets}.values():
            event.remove(engine, "before_cursor_execute", count)


def _make_shots(sg: Shotgun, project: dict, sequences: int, shots: int) -> None:
    made = [
        sg.create("Sequence", {"code": f"SQ{n:03d}", "project": project}) for n in range(sequences)
    ]
    sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {
                    "code": f"sh{n:04d}",
                    "project": project,
                    "sg_sequence": made[n % sequences],
                    "sg_status_list": ["ip", "fin", "wtg"][n % 3],
                    "sg_cut_duration": n,
                },
            }
            for n in range(shots)
        ]
    )


def _statements(sg: Shotgun, grouping: list[dict[str, str]]) -> tuple[int, Any]:
    with counted_statements(sg) as seen:
        result = sg.summarize("Shot", [], COUNT, grouping=grouping)
    return len(seen), result


GROUPINGS = {
    "id_then_code": [{"field": "id", "type": "exact"}, {"field": "code", "type": "exact"}],
    "sequence_then_status": [
        {"field": "sg_sequence", "type": "exact"},
        {"field": "sg_status_list", "type": "exact"},
    ],
    "tens_then_status": [
        {"field": "sg_cut_duration", "type": "tens"},
        {"field": "sg_status_list", "type": "exact"},
    ],
}


@pytest.mark.parametrize("grouping", sorted(GROUPINGS))
def test_summarize_statement_count_does_not_grow_with_groups(
    sg: Shotgun, project: dict, grouping: str
) -> None:
    _make_shots(sg, project, sequences=3, shots=12)
    few, small = _statements(sg, GROUPINGS[grouping])
    _make_shots(sg, project, sequences=120, shots=360)
    many, large = _statements(sg, GROUPINGS[grouping])
    assert len(large["groups"]) > 5 * len(small["groups"])
    assert many == few, (few, many)


def test_summarize_past_the_group_limit_is_a_fault_naming_the_grouping(
    sg: Shotgun, project: dict
) -> None:
    _make_shots(sg, project, sequences=2, shots=30)
    sg.site.store.summary_group_limit = 30
    grouping = [{"field": "code", "type": "exact"}]
    assert len(sg.summarize("Shot", [], COUNT, grouping=grouping)["groups"]) == 30
    sg.site.store.summary_group_limit = 29
    with pytest.raises(LimitFault, match=r"\['code'\] makes more than 29 groups"):
        sg.summarize("Shot", [], COUNT, grouping=grouping)
    nested = [{"field": "sg_sequence", "type": "exact"}, {"field": "code", "type": "exact"}]
    with pytest.raises(LimitFault, match=r"\['sg_sequence', 'code'\]"):
        sg.summarize("Shot", [], COUNT, grouping=nested)


def test_summarize_past_the_time_limit_is_a_fault_and_the_site_still_answers(
    sg: Shotgun, project: dict
) -> None:
    _make_shots(sg, project, sequences=2, shots=200)
    store = sg.site.store
    if not store.dialect.is_sqlite:
        pytest.skip("a zero limit is 1 ms on PostgreSQL: see the pg_sleep test below")
    store.read_time_limit_s = 0.0  # past its deadline from the first instruction
    with pytest.raises(LimitFault, match=r"summarize\(\) stopped after 0 s"):
        sg.summarize("Shot", [], COUNT, grouping=GROUPINGS["id_then_code"])
    store.read_time_limit_s = 60.0
    assert sg.summarize("Shot", [], COUNT)["summaries"]["id"] == 200
    assert len(sg.find("Shot", [], ["code"])) == 200  # the handler is gone from the connection


def _slow_statement(store: Any) -> Any:
    """A statement that runs for minutes unless stopped."""
    if store.dialect.is_sqlite:
        # A recursive count to 10**9 runs for minutes; the handler stops it at once.
        return sa.text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
            "SELECT count(*) FROM n"
        )
    return sa.select(sa.func.pg_sleep(30))


def test_time_limit_cancels_a_running_statement(sg: Shotgun) -> None:
    store = sg.site.store
    slow = _slow_statement(store)
    with store.read() as conn:
        with (
            pytest.raises(LimitFault, match=r"test stopped after 0\.05 s"),
            store.dialect.time_limit(conn, 0.05, "test"),
        ):
            conn.execute(slow)
        assert conn.execute(sa.select(sa.literal(1))).scalar() == 1
        if not store.dialect.is_sqlite:
            setting = conn.execute(sa.text("SHOW statement_timeout")).scalar()
            assert setting == "0"  # the pooled connection keeps no limit of ours


def test_time_limit_holds_on_a_requests_shared_read_connection(sg: Shotgun) -> None:
    """A request's reads share one connection (Store.holding_reads) that has already run
    statements when the limited one comes: the limit applies to it all the same."""
    store = sg.site.store
    slow = _slow_statement(store)
    with store.holding_reads():
        assert sg.find("Shot", []) == []  # the held connection has run a statement
        with (
            store.read() as conn,
            pytest.raises(LimitFault, match=r"test stopped after 0\.05 s"),
            store.dialect.time_limit(conn, 0.05, "test"),
        ):
            conn.execute(slow)
        with store.read() as conn:
            assert conn.execute(sa.select(sa.literal(1))).scalar() == 1
            if not store.dialect.is_sqlite:
                assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
