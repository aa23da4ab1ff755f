"""Bulk insert with chosen ids (store/bulk.py through Site.insert_with_ids), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from callsheet.faults import ValueFault
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.store import bulk


@pytest.fixture
def site(database_url: str):  # type: ignore[no-untyped-def]
    opened = Site.open(database_url)
    yield opened
    opened.close()


def test_insert_with_ids_keeps_ids_links_order_and_given_bookkeeping(site: Site) -> None:
    when = dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    site.insert_with_ids("Asset", [{"id": 40, "code": "a40"}, {"id": 41, "code": "a41"}])
    ids = site.insert_with_ids(
        "Shot",
        [
            {
                "id": 900,
                "code": "sh900",
                "assets": [{"type": "Asset", "id": 41}, {"type": "Asset", "id": 40}],
                "tags": [],
                "created_at": when,
                "created_by": {"type": "HumanUser", "id": 1},
                "sg_sequence": {"type": "Sequence", "id": 77},  # not there yet: allowed
            }
        ],
    )
    assert ids == [900]
    shot = site.find_one(
        SYSTEM, "Shot", [["id", "is", 900]], ["code", "assets", "created_at", "created_by"]
    )
    assert [a["id"] for a in shot["assets"]] == [41, 40]
    assert shot["created_at"] == when
    assert shot["created_by"]["id"] == 1
    # the connection rows exist, so the reverse side reads too
    asset = site.find_one(SYSTEM, "Asset", [["id", "is", 40]], ["shots"])
    assert [s["id"] for s in asset["shots"]] == [900]


def test_later_creates_take_ids_above_the_chosen_ones(site: Site) -> None:
    site.insert_with_ids("Sequence", [{"id": 5000, "code": "big"}])
    created = site.create(SYSTEM, "Sequence", {"code": "next"})
    assert created["id"] > 5000


def test_retired_records_go_in_retired(site: Site) -> None:
    site.insert_with_ids("Shot", [{"id": 321, "code": "gone"}], retired=True)
    assert site.find(SYSTEM, "Shot", [["id", "is", 321]]) == []
    assert site.find(SYSTEM, "Shot", [["id", "is", 321]], retired_only=True)
    assert site.revive(SYSTEM, "Shot", 321) is True


def test_a_clashing_id_is_a_fault_and_nothing_of_the_batch_is_written(site: Site) -> None:
    site.insert_with_ids("Shot", [{"id": 10, "code": "first"}])
    with pytest.raises(ValueFault, match="Shot ids already exist in this site: 10"):
        site.insert_with_ids("Shot", [{"id": 11, "code": "new"}, {"id": 10, "code": "again"}])
    assert site.find(SYSTEM, "Shot", [["id", "is", 11]]) == []


def test_a_refused_value_is_reported_and_the_rest_of_the_record_kept(site: Site) -> None:
    with site.bulk_writing() as write:
        result = write.insert("Shot", [{"id": 12, "code": "ok", "sg_cut_in": "not a number"}])
    assert [p.field for p in result.problems] == ["sg_cut_in"]
    assert site.find_one(SYSTEM, "Shot", [["id", "is", 12]], ["code"])["code"] == "ok"


def test_events_are_logged_only_when_asked(site: Site) -> None:
    before = site.store.latest_event_id()
    site.insert_with_ids("Shot", [{"id": 13, "code": "quiet"}])
    assert site.store.latest_event_id() == before
    site.insert_with_ids("Shot", [{"id": 14, "code": "loud"}], events=True)
    new = site.find(SYSTEM, "EventLogEntry", [["id", "greater_than", before or 0]], ["event_type"])
    assert "Shotgun_Shot_New" in {e["event_type"] for e in new}


def test_id_floor_puts_this_sites_creates_high_and_lifting_it_continues_after(site: Site) -> None:
    site.insert_with_ids("Shot", [{"id": 30, "code": "copied"}])
    with site.store.write() as conn:
        bulk.set_id_floor(conn, site.store, bulk.FOLLOW_ID_FLOOR)
    first = site.create(SYSTEM, "Shot", {"code": "local"})["id"]
    second = site.create(SYSTEM, "Shot", {"code": "local 2"})["id"]
    assert first >= bulk.FOLLOW_ID_FLOOR and second == first + 1
    site.insert_with_ids("Shot", [{"id": 31, "code": "copied later"}])  # the source's next id
    assert site.create(SYSTEM, "Shot", {"code": "local 3"})["id"] == second + 1
    with site.store.write() as conn:
        bulk.set_id_floor(conn, site.store, None)
    assert site.create(SYSTEM, "Shot", {"code": "after"})["id"] == second + 2


def test_a_copys_transactions_commit_without_waiting_for_the_disk_and_only_they(
    site: Site,
) -> None:
    from callsheet.site.bulk_inserts import bulk_writing

    def setting(conn: object) -> str:
        return str(conn.exec_driver_sql("SHOW synchronous_commit").scalar())  # type: ignore[attr-defined]

    if site.store.dialect.is_sqlite:
        pytest.skip("SQLite's commits (WAL, synchronous NORMAL) wait for no disk already")
    with bulk_writing(site, durable=False) as write:
        assert setting(write.ctx.conn) == "off"
        write.insert("Shot", [{"type": "Shot", "id": 9001, "code": "fast"}])
    with bulk_writing(site) as write:
        assert setting(write.ctx.conn) == "on"
    assert site.find_one(SYSTEM, "Shot", [["id", "is", 9001]], ["code"])["code"] == "fast"
