"""Event ids are dense and increase in commit order, even with concurrent writers.

A reader that polls "ids greater than the last I saw" (as shotgunEvents and the daemon do) must
never miss an event: it could only miss one if an id became visible after a higher one.
"""

from __future__ import annotations

import threading

import callsheet

WRITERS = 4
CREATES_PER_WRITER = 15


def _poll_all(url: str, cursor: int, stop: threading.Event, seen: list[int]) -> None:
    reader = callsheet.connect(url)
    try:
        while True:
            finished = stop.is_set()
            batch = reader.find(
                "EventLogEntry",
                [["id", "greater_than", cursor]],
                ["id"],
                order=[{"field_name": "id", "direction": "asc"}],
            )
            for event in batch:
                seen.append(event["id"])
                cursor = event["id"]
            if finished and not batch:
                return
    finally:
        reader.close()


def test_event_ids_concurrent_writers_reader_never_misses_an_id(database_url: str) -> None:
    setup = callsheet.connect(database_url)
    project = setup.create("Project", {"name": "Concurrency"})
    first_new_id = (
        setup.find_one(
            "EventLogEntry", [], ["id"], order=[{"field_name": "id", "direction": "desc"}]
        )["id"]
        + 1
    )
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(number: int) -> None:
        sg = callsheet.connect(database_url)
        try:
            for n in range(CREATES_PER_WRITER):
                sg.create(
                    "Shot", {"code": f"w{number}_{n}", "project": project, "description": "x"}
                )
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            sg.close()

    reader = threading.Thread(target=_poll_all, args=(database_url, first_new_id - 1, stop, seen))
    reader.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()

    assert errors == []
    all_ids = [
        e["id"]
        for e in setup.find("EventLogEntry", [["id", "greater_than", first_new_id - 1]], ["id"])
    ]
    setup.close()
    # Each create writes _New plus _Change rows for code, description and the default status.
    assert len(all_ids) == WRITERS * CREATES_PER_WRITER * 4
    assert all_ids == list(range(first_new_id, first_new_id + len(all_ids)))  # dense
    assert seen == all_ids  # the polling reader saw every id, in order, none twice
