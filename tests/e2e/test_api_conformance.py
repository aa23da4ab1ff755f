"""`connect()` against the official client, method by method (issue 10 §2).

Every public method of the installed `shotgun_api3.Shotgun` exists on `connect()` with the same
signature; and for each method of the table (site/api.py) the in-process answer equals the
official client's answer over HTTP, for the same call on the same site (the live server's own
Site, read and written in process as the same script).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
import shotgun_api3
from live_server import HUMAN_LOGIN, HUMAN_PASSWORD, SCRIPT_NAME, LiveServer
from PIL import Image

import callsheet
from callsheet.client import Shotgun
from callsheet.site.actor import SYSTEM
from callsheet.site.api import BY_NAME

ATTRIBUTES = ("server_info", "server_caps", "config")
# The official client leaves the files it uploads open.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def public_methods() -> list[str]:
    return sorted(
        name
        for name in dir(shotgun_api3.Shotgun)
        if not name.startswith("_") and inspect.isfunction(getattr(shotgun_api3.Shotgun, name))
    )


@pytest.fixture(scope="module")
def local() -> Any:
    connection = callsheet.connect()
    yield connection
    connection.close()


@pytest.mark.parametrize("name", public_methods())
def test_every_public_method_exists_with_the_official_signature(local: Shotgun, name: str) -> None:
    ours = inspect.signature(getattr(local, name))
    theirs = inspect.signature(getattr(shotgun_api3.Shotgun, name))
    theirs = theirs.replace(parameters=list(theirs.parameters.values())[1:])  # bound: no self
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]


def test_mockgun_attributes_are_there(local: Shotgun) -> None:
    for name in ATTRIBUTES:
        assert hasattr(local, name)
    assert local.server_caps.version >= (8, 50, 0)
    assert local.server_info["api_max_entities_per_page"] == 500
    assert local.config.records_per_page == 500
    local.set_session_uuid("abc")
    assert local.config.session_uuid == "abc"
    local.add_user_agent("tests")
    local.reset_user_agent()
    local.connect()


def test_the_table_covers_every_method_the_server_takes_part_in() -> None:
    local_only = {
        "add_user_agent",
        "close",
        "connect",
        "entity_types",
        "get_auth_cookie_handler",
        "reset_user_agent",
        "schema",
        "set_session_uuid",
    }
    assert set(BY_NAME) == set(public_methods()) - local_only
    assert set(CASES) == set(BY_NAME)


# -- the same call in process and over HTTP ------------------------------------------------------
@pytest.fixture(scope="module")
def pair(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The official client and an in-process connection acting as the same script, plus data."""
    http = live.script()
    script = live.site.find_one(SYSTEM, "ApiUser", [["firstname", "is", SCRIPT_NAME]])
    local = Shotgun(live.site, live.site.actor_for("ApiUser", script["id"]), owns_site=False)
    project = http.create("Project", {"name": "conformance"})
    person = http.find_one("HumanUser", [["login", "is", HUMAN_LOGIN]])
    shots = [
        http.create("Shot", {"code": f"c{n}", "project": project, "sg_cut_in": n}) for n in range(3)
    ]
    note = http.create("Note", {"content": "hello", "project": project, "note_links": [shots[0]]})
    http.create("Reply", {"entity": note, "content": "a reply"})
    folder = tmp_path_factory.mktemp("conformance")
    image = folder / "thumb.png"
    Image.new("RGB", (64, 32), (10, 200, 30)).save(image, format="PNG")
    text = folder / "notes.txt"
    text.write_bytes(b"some bytes\n")
    uploaded = http.upload("Shot", shots[1]["id"], str(text))
    return {
        "http": http,
        "local": local,
        "project": project,
        "person": person,
        "shots": shots,
        "note": note,
        "image": str(image),
        "text": str(text),
        "attachment": uploaded,
    }


Case = Callable[[Any, dict[str, Any]], Any]
_URL = re.compile(r"https?://[^/\s'\"]+(/[^?\s'\"]*)(\?[^\s'\"]*)?")


def plain(value: Any) -> Any:
    """Answers compared: URLs by path (hosts differ, signatures expire), datetimes to the second."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return _URL.sub(lambda m: m.group(1), value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(microsecond=0)
    return value


def without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def fresh_shot(sg: Any, d: dict[str, Any], code: str = "fresh") -> dict[str, Any]:
    return d["http"].create("Shot", {"code": code, "project": d["project"]})


def _ready_thumbnail(d: dict[str, Any]) -> dict[str, Any]:
    """A Shot whose thumbnail is resized (share_thumbnail needs that)."""
    shot = fresh_shot(d["http"], d, "thumb source")
    d["http"].upload_thumbnail("Shot", shot["id"], d["image"])
    return shot


# Each case: the call, made on either client; and how its two answers are compared.
CASES: dict[str, tuple[Case, Callable[[Any], Any]]] = {
    "info": (lambda sg, d: sg.info(), plain),
    "find": (
        lambda sg, d: sg.find(
            "Shot",
            [["project", "is", d["project"]]],
            ["code", "sg_cut_in", "created_at", "project"],
            [{"field_name": "sg_cut_in", "direction": "desc"}],
        ),
        plain,
    ),
    "find_one": (
        lambda sg, d: sg.find_one("Shot", [["code", "is", "c1"]], ["code", "project.Project.name"]),
        plain,
    ),
    "summarize": (
        lambda sg, d: sg.summarize(
            "Shot",
            [["project", "is", d["project"]]],
            [{"field": "sg_cut_in", "type": "sum"}, {"field": "id", "type": "count"}],
            grouping=[{"field": "code", "type": "exact", "direction": "asc"}],
        ),
        plain,
    ),
    "text_search": (lambda sg, d: sg.text_search("conform", {"Project": [], "Shot": []}), plain),
    "create": (
        lambda sg, d: sg.create(
            "Shot", {"code": "made", "project": d["project"]}, ["sg_status_list"]
        ),
        without_ids,
    ),
    "update": (
        lambda sg, d: sg.update("Shot", d["shots"][2]["id"], {"sg_cut_in": 42, "code": "c2"}),
        plain,
    ),
    "delete": (lambda sg, d: sg.delete("Shot", fresh_shot(sg, d)["id"]), plain),
    "revive": (
        lambda sg, d: sg.revive("Shot", _deleted(d)["id"]),
        plain,
    ),
    "batch": (
        lambda sg, d: sg.batch(
            [
                {"request_type": "create", "entity_type": "Shot", "data": {"code": "b"}},
                {
                    "request_type": "update",
                    "entity_type": "Shot",
                    "entity_id": d["shots"][0]["id"],
                    "data": {"description": "batched"},
                },
            ]
        ),
        without_ids,
    ),
    "schema_read": (lambda sg, d: sg.schema_read(), plain),
    "schema_entity_read": (lambda sg, d: sg.schema_entity_read(d["project"]), plain),
    "schema_field_read": (lambda sg, d: sg.schema_field_read("Shot", "code"), plain),
    "schema_field_create": (
        lambda sg, d: sg.schema_field_create("Shot", "number", f"Conf {id(sg)}"),
        lambda name: name.startswith("sg_conf_"),
    ),
    "schema_field_update": (
        lambda sg, d: sg.schema_field_update("Shot", "sg_cut_in", {"description": "in"}),
        plain,
    ),
    "schema_field_delete": (
        lambda sg, d: sg.schema_field_delete(
            "Shot", d["http"].schema_field_create("Shot", "text", f"Gone {id(sg)}")
        ),
        plain,
    ),
    "get_session_token": (
        lambda sg, d: sg.get_session_token(),
        lambda token: bool(re.fullmatch(r"[0-9a-f]{64}", token)),
    ),
    "follow": (lambda sg, d: sg.follow(d["person"], d["shots"][0]), plain),
    "unfollow": (lambda sg, d: sg.unfollow(d["person"], d["shots"][1]), plain),
    "followers": (lambda sg, d: sg.followers(d["shots"][0]), plain),
    "following": (lambda sg, d: sg.following(d["person"], d["project"], "Shot"), plain),
    "activity_stream_read": (
        lambda sg, d: sg.activity_stream_read("Shot", d["shots"][0]["id"], limit=5),
        plain,
    ),
    "note_thread_read": (lambda sg, d: sg.note_thread_read(d["note"]["id"]), plain),
    "preferences_read": (lambda sg, d: sg.preferences_read(), plain),
    "work_schedule_read": (
        lambda sg, d: sg.work_schedule_read("2024-03-01", "2024-03-10", d["project"]),
        plain,
    ),
    "work_schedule_update": (
        lambda sg, d: sg.work_schedule_update("2024-03-04", False, "holiday", d["project"]),
        plain,
    ),
    "update_project_last_accessed": (
        lambda sg, d: sg.update_project_last_accessed(d["project"], d["person"]),
        plain,
    ),
    "user_subscriptions_read": (lambda sg, d: sg.user_subscriptions_read(), plain),
    "user_subscriptions_create": (
        lambda sg, d: sg.user_subscriptions_create(
            [{"humanUserId": d["person"]["id"], "subscription": "AUTODESK"}]
        ),
        plain,
    ),
    "export_page": (lambda sg, d: sg.export_page(1, "csv"), plain),
    "nav_expand": (lambda sg, d: sg.nav_expand("/Project"), plain),
    "nav_search_string": (lambda sg, d: sg.nav_search_string("/Project", "c1"), plain),
    "nav_search_entity": (lambda sg, d: sg.nav_search_entity("/Project", d["shots"][0]), plain),
    "upload": (
        lambda sg, d: _attachment_of(
            d, sg.upload("Shot", d["shots"][0]["id"], d["text"], display_name="notes")
        ),
        plain,
    ),
    "upload_thumbnail": (
        lambda sg, d: type(sg.upload_thumbnail("Shot", fresh_shot(sg, d)["id"], d["image"])),
        plain,
    ),
    "upload_filmstrip_thumbnail": (
        lambda sg, d: type(
            sg.upload_filmstrip_thumbnail("Shot", fresh_shot(sg, d)["id"], d["image"])
        ),
        plain,
    ),
    "share_thumbnail": (
        lambda sg, d: type(
            sg.share_thumbnail([fresh_shot(sg, d), fresh_shot(sg, d)], thumbnail_path=d["image"])
        ),
        plain,
    ),
    "download_attachment": (
        lambda sg, d: sg.download_attachment(
            d["http"].find_one("Attachment", [["id", "is", d["attachment"]]], ["this_file"])[
                "this_file"
            ]
        ),
        plain,
    ),
    "get_attachment_download_url": (
        lambda sg, d: sg.get_attachment_download_url(d["attachment"]),
        plain,
    ),
    "authenticate_human_user": (
        lambda sg, d: sg.authenticate_human_user(HUMAN_LOGIN, HUMAN_PASSWORD),
        plain,
    ),
}


def _deleted(d: dict[str, Any]) -> dict[str, Any]:
    shot = fresh_shot(d["http"], d, "to revive")
    d["http"].delete("Shot", shot["id"])
    return shot


def _attachment_of(d: dict[str, Any], attachment_id: int) -> dict[str, Any]:
    found = d["http"].find_one(
        "Attachment",
        [["id", "is", attachment_id]],
        ["display_name", "filename", "file_size", "attachment_links", "project"],
    )
    return without_ids({**found, "attachment_links": len(found["attachment_links"])})


def _answer(call: Case, sg: Any, d: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "answer", call(sg, d)
    except shotgun_api3.ShotgunError as error:  # Faults, and the client's own errors
        kind = "fault" if isinstance(error, shotgun_api3.Fault) else "error"
        return kind, re.sub(r"[0-9]+", "N", str(error)).strip()


@pytest.mark.parametrize("name", sorted(CASES))
def test_in_process_answer_equals_the_answer_over_http(pair: dict[str, Any], name: str) -> None:
    call, compare = CASES[name]
    over_http = _answer(call, pair["http"], pair)
    in_process = _answer(call, pair["local"], pair)
    assert over_http[0] == in_process[0], (over_http, in_process)
    if over_http[0] != "answer":  # the same fault; the client may add words around it
        assert in_process[1] in over_http[1]
        return
    assert compare(over_http[1]) == compare(in_process[1])


def test_uploads_in_process_land_in_the_sites_file_store(pair: dict[str, Any]) -> None:
    local = pair["local"]
    attachment_id = local.upload("Shot", pair["shots"][2]["id"], pair["text"])
    this_file = pair["http"].find_one("Attachment", [["id", "is", attachment_id]], ["this_file"])
    assert pair["http"].download_attachment(this_file["this_file"]) == b"some bytes\n"
    assert local.download_attachment(attachment_id=attachment_id) == b"some bytes\n"
