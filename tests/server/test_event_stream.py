"""`GET /api3/events`: the event stream, on a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from live_server import DIALECTS, SCRIPT_KEY, SCRIPT_NAME, LiveServer, live_server

import callsheet

WAIT_S = 30  # generous bound on a long-poll that a write should end much sooner
SCRIPT = {"X-Callsheet-Script-Name": SCRIPT_NAME, "X-Callsheet-Script-Key": SCRIPT_KEY}
SHOTGUN_EVENTS_KEYS = {
    "type",
    "id",
    "event_type",
    "attribute_name",
    "meta",
    "entity",
    "user",
    "project",
    "session_uuid",
    "created_at",
}


@pytest.fixture(scope="module", params=DIALECTS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The module's server (SQLite and PostgreSQL)."""
    with live_server(request, request.param, tmp_path_factory.mktemp("events")) as server:
        yield server


@dataclass
class Answer:
    """One HTTP answer: its status and its JSON body."""

    status_code: int
    body: Any

    def json(self) -> Any:
        return self.body


@dataclass
class Http:
    """A small stdlib HTTP client for one server (httpx is not a dependency)."""

    base_url: str

    def request(
        self, path: str, *, params: Any = None, headers: Any = None, body: Any = None
    ) -> Answer:
        url = f"{self.base_url}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=WAIT_S + 30) as answer:
                return Answer(answer.status, json.loads(answer.read()))
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, json.loads(error.read()))


@pytest.fixture(scope="module")
def http(live: LiveServer) -> Http:
    return Http(live.base_url)


def events(http: Http, headers: dict[str, str] = SCRIPT, **params: Any) -> Answer:
    return http.request("/api3/events", params=params, headers=headers)


def newest_id(http: Http) -> int:
    """The id of the newest event (answers at once: bootstrap wrote events)."""
    body = events(http, after=0, limit=1000, timeout=0).json()
    while body["events"]:
        last = body["last_id"]
        body = events(http, after=last, limit=1000, timeout=0).json()
    return int(body["last_id"])


def make_project(sg: Any, name: str) -> dict[str, Any]:
    return sg.create("Project", {"name": name})


def write_soon(action: Any) -> threading.Thread:
    """Run `action` in a thread once the test is (very likely) waiting; the test joins it."""
    started = threading.Event()

    def run() -> None:
        started.wait(0.3)  # not a timing assertion: the test is correct whichever comes first
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_events_existing_rows_answer_at_once_with_find_values(live: LiveServer, http: Http) -> None:
    sg = live.script()
    before = newest_id(http)
    project = make_project(sg, "Stream now")
    response = events(http, after=before, timeout=60)
    assert response.status_code == 200
    body = response.json()
    assert body["events"], body
    assert body["last_id"] == body["events"][-1]["id"]
    assert [e["id"] for e in body["events"]] == list(range(before + 1, body["last_id"] + 1))
    for event in body["events"]:
        assert set(event) == SHOTGUN_EVENTS_KEYS
    assert any(
        e["event_type"] == "Shotgun_Project_New" and e["entity"]["id"] == project["id"]
        for e in body["events"]
    )
    found = sg.find(
        "EventLogEntry",
        [["id", "greater_than", before]],
        sorted(SHOTGUN_EVENTS_KEYS - {"type"}),
        order=[{"field_name": "id", "direction": "asc"}],
    )
    # the raw wire body of find, datetime strings included, equals the stream's
    raw = http.request(
        "/api3/json",
        body={
            "method_name": "read",
            "params": [
                {"script_name": SCRIPT_NAME, "script_key": SCRIPT_KEY},
                {
                    "type": "EventLogEntry",
                    "filters": {
                        "logical_operator": "and",
                        "conditions": [
                            {"path": "id", "relation": "greater_than", "values": [before]}
                        ],
                    },
                    "return_fields": sorted(SHOTGUN_EVENTS_KEYS - {"type"}),
                    "sorts": [{"field_name": "id", "direction": "asc"}],
                    "paging": {"entities_per_page": 500, "current_page": 1},
                },
            ],
        },
    ).json()["results"]["entities"]
    assert [e["id"] for e in found] == [e["id"] for e in body["events"]]
    assert raw == body["events"]
    assert body["events"][0]["created_at"].endswith("Z")


def test_events_limit_caps_the_answer(live: LiveServer, http: Http) -> None:
    body = events(http, after=0, limit=2, timeout=0).json()
    assert [e["id"] for e in body["events"]] == [1, 2]
    assert body["last_id"] == 2


def test_events_limit_and_timeout_above_maximum_lowered(http: Http) -> None:
    body = events(http, after=0, limit=5000, timeout=3600).json()
    assert 0 < len(body["events"]) <= 1000


def test_events_long_poll_woken_by_a_write(live: LiveServer, http: Http) -> None:
    sg = live.script()
    before = newest_id(http)
    writer = write_soon(lambda: make_project(sg, "Stream wake"))
    try:
        body = events(http, after=before, timeout=WAIT_S).json()
    finally:
        writer.join()
    assert body["events"] and body["events"][0]["id"] == before + 1


def test_events_timeout_answers_empty_list(live: LiveServer, http: Http) -> None:
    before = newest_id(http)
    body = events(http, after=before, timeout=0.3).json()
    assert body == {"events": [], "last_id": before}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Callsheet-Script-Name": SCRIPT_NAME, "X-Callsheet-Script-Key": "wrong"},
        {"X-Callsheet-Script-Name": "nobody", "X-Callsheet-Script-Key": SCRIPT_KEY},
        {"X-Callsheet-Script-Name": SCRIPT_NAME},
        {"X-Callsheet-Session-Token": "not-a-token"},
    ],
    ids=["none", "wrong-key", "unknown-script", "no-key", "bad-token"],
)
def test_events_bad_credentials_refused_401(
    live: LiveServer, http: Http, headers: dict[str, str]
) -> None:
    response = events(http, headers=headers, after=0, timeout=0)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_events_session_token_accepted(live: LiveServer, http: Http) -> None:
    token = live.script().get_session_token()
    response = events(http, headers={"X-Callsheet-Session-Token": token}, after=0, timeout=0)
    assert response.status_code == 200
    assert response.json()["events"]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "x"},
        {"after": "-1"},
        {"limit": "0"},
        {"limit": "many"},
        {"limit": "-5"},
        {"timeout": "-1"},
        {"timeout": "nan"},
        {"timeout": "inf"},
        {"timeout": "soon"},
    ],
)
def test_events_bad_parameters_refused_400(
    live: LiveServer, http: Http, params: dict[str, str]
) -> None:
    response = events(http, **params)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_events_concurrent_writers_every_id_once(live: LiveServer, http: Http) -> None:
    before = newest_id(http)
    writers, per_writer = 4, 6
    clients = [live.script() for _ in range(writers)]

    def write(index: int) -> None:
        for n in range(per_writer):
            make_project(clients[index], f"Concurrent {index}-{n}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    cursor = before
    expected_projects = writers * per_writer
    new_projects = 0
    try:
        while new_projects < expected_projects:
            body = events(http, after=cursor, limit=3, timeout=WAIT_S).json()
            assert body["events"], "a writer's event never arrived"
            seen.extend(e["id"] for e in body["events"])
            new_projects += sum(e["event_type"] == "Shotgun_Project_New" for e in body["events"])
            cursor = body["last_id"]
    finally:
        for thread in threads:
            thread.join()
    assert seen == list(range(before + 1, cursor + 1))


def wait_for_listen(url: str) -> None:
    """Wait (with a deadline: this is startup) until the server's LISTEN session exists."""
    import psycopg

    from callsheet.store.event_signals import EVENTS_CHANNEL

    libpq_url = url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        while True:
            found = conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = %s",
                (f"LISTEN {EVENTS_CHANNEL}",),
            ).fetchone()
            if found:
                return
            assert time.monotonic() < deadline, "the server never started listening"
            time.sleep(0.05)


@pytest.mark.postgresql
def test_events_woken_by_another_process_through_notify(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with live_server(request, "postgresql", tmp_path_factory.mktemp("notify")) as server:
        url = server.site.store.engine.url.render_as_string(hide_password=False)
        wait_for_listen(url)  # from then on waiters do not poll: only a NOTIFY can wake them
        other = callsheet.connect(url)  # its own Site: only NOTIFY reaches the server's waiters
        try:
            http = Http(server.base_url)
            before = newest_id(http)
            writer = write_soon(lambda: other.create("Project", {"name": "Elsewhere"}))
            started = time.monotonic()
            try:
                body = events(http, after=before, timeout=WAIT_S).json()
            finally:
                writer.join()
            # not a latency check: without NOTIFY the answer would only come at the timeout
            woken_before_timeout = time.monotonic() - started < WAIT_S - 5
        finally:
            other.close()
    assert body["events"][0]["id"] == before + 1
    assert woken_before_timeout


def test_idle_waiters_share_one_watcher_and_another_process_wakes_them_all(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from callsheet.server import event_stream

    reads: list[int] = []
    real_read = event_stream.read_events

    def counted(site: Any, actor: Any, after: int, limit: int) -> list[dict[str, Any]]:
        reads.append(after)
        return real_read(site, actor, after, limit)

    monkeypatch.setattr(event_stream, "read_events", counted)
    with live_server(request, "sqlite", tmp_path_factory.mktemp("watcher")) as server:
        http = Http(server.base_url)
        before = newest_id(http)
        waiters = 12
        answers: list[Any] = []

        def wait(timeout: float) -> None:
            answers.append(events(http, after=before, timeout=timeout).json())

        # idle: each waiter reads once, then only wakes at its timeout (no read per poll)
        reads.clear()
        idle = [threading.Thread(target=wait, args=(1.5,)) for _ in range(waiters)]
        for thread in idle:
            thread.start()
        for thread in idle:
            thread.join()
        assert all(answer["events"] == [] for answer in answers)
        assert len(reads) == waiters
        # another process (its own Site on the file: no in-process signal reaches the server)
        other = callsheet.connect(server.site.store.engine.url.database)
        try:
            answers.clear()
            woken = [threading.Thread(target=wait, args=(WAIT_S,)) for _ in range(waiters)]
            for thread in woken:
                thread.start()
            writer = write_soon(lambda: other.create("Project", {"name": "From elsewhere"}))
            writer.join()
            for thread in woken:
                thread.join()
        finally:
            other.close()
        assert [answer["events"][0]["id"] for answer in answers] == [before + 1] * waiters
