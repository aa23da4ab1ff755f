"""A statement compiled once and run on the driver (store/prepared.py `PreparedWrite`) writes
exactly what SQLAlchemy's execute would: its bind processors turn datetimes and JSON into the
database's form."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from callsheet.client import Shotgun
from callsheet.store.prepared import run_prepared_write


def test_rows_written_on_the_driver_read_back_as_written_by_execute(sg: Shotgun) -> None:
    store = sg.site.store
    table = store.table("EventLogEntry")
    moment = dt.datetime(2026, 12, 8, 4, 5, 6)
    base = {"event_type": "Test_Prepared", "created_at": moment, "description": None}
    meta = {"type": "attribute_change", "new_value": ["ça", 1, None], "nested": {"k": 2.5}}
    driver_rows = [
        {**base, "id": 10_000_001, "meta": meta},
        {**base, "id": 10_000_002, "meta": None},
    ]
    executed_rows = [{**row, "id": row["id"] + 10} for row in driver_rows]
    columns = tuple(driver_rows[0])
    with store.write() as conn:
        run_prepared_write(
            conn,
            store,
            ("test", columns),
            lambda: sa.insert(table).values({name: sa.bindparam(name) for name in columns}),
            driver_rows,
        )
        conn.execute(sa.insert(table), executed_rows)
    wanted = [table.c.id, table.c.meta, table.c.created_at, table.c.description]
    with store.read() as conn:
        got = conn.execute(
            sa.select(*wanted).where(table.c.event_type == "Test_Prepared").order_by(table.c.id)
        ).all()
    by_driver, by_execute = got[:2], got[2:]
    assert [row[1:] for row in by_driver] == [row[1:] for row in by_execute]
    assert by_driver[0][1] == meta and by_driver[0][2] == moment
    with store.read() as conn:  # the stored form too, not only what SQLAlchemy reads back
        stored = conn.execute(
            sa.select(sa.cast(table.c.created_at, sa.String), sa.cast(table.c.meta, sa.String))
            .where(table.c.id.in_([10_000_001, 10_000_011]))
            .order_by(table.c.id)
        ).all()
    assert stored[0] == stored[1]
