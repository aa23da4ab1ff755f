"""Action Menu Items in the engine: which items a person gets, the payload, its signature, the
secret token (never readable), the light payload event and the polling query (data-model.md §5).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from ami_receiver import reference_signature  # the published receiver's check, written once

from callsheet.client import Shotgun
from callsheet.faults import Fault, ValueFault
from callsheet.site import action_menu as am
from callsheet.site.accounts import admin_actor, create_user, role_link
from callsheet.site.action_menu import PageState
from callsheet.site.actor import Actor

PAYLOAD_KEYS = {
    "user_id",
    "user_login",
    "entity_type",
    "selected_ids",
    "ids",
    "title",
    "page_id",
    "server_hostname",
    "referrer_path",
    "session_uuid",
    "cols",
    "column_display_names",
    "view",
    "sort_column",
    "sort_direction",
}


class Studio:
    """Two projects with Shots, an Artist on the first only, a Manager, and some AMIs."""

    def __init__(self, sg: Shotgun) -> None:
        self.sg = sg
        self.site = sg.site
        self.p1 = sg.create("Project", {"name": "Alpha"})
        self.p2 = sg.create("Project", {"name": "Beta"})
        artist = create_user(self.site, "ami.artist", "Ann Artist", "pw-artist", "Artist")
        manager = create_user(self.site, "ami.manager", "Max Manager", "pw-manager", "Manager")
        sg.update("Project", self.p1["id"], {"users": [{"type": "HumanUser", "id": artist["id"]}]})
        self.window = str(uuid.uuid4())
        self.artist = self.site.actor_for("HumanUser", artist["id"], self.window)
        self.manager = self.site.actor_for("HumanUser", manager["id"], str(uuid.uuid4()))
        self.admin = admin_actor(self.site)
        self.shots1 = [
            sg.create("Shot", {"code": f"A{n:03d}", "project": self.p1})["id"] for n in range(30)
        ]
        self.shots2 = [
            sg.create("Shot", {"code": f"B{n:03d}", "project": self.p2})["id"] for n in range(3)
        ]

    def ami(self, title: str, **fields: Any) -> int:
        data = {"title": title, "url": "https://farm.example/submit", **fields}
        return int(self.sg.create("ActionMenuItem", data)["id"])

    def state(self, **changes: Any) -> PageState:
        base: dict[str, Any] = {
            "entity_type": "Shot",
            "selected_ids": (self.shots1[3], self.shots1[1]),
            "filters": None,
            "project_id": self.p1["id"],
            "title": "Shots",
            "page_id": 42,
            "columns": (("code", "Shot Code"), ("sg_status_list", "Status")),
            "sorts": (("code", "desc"),),
            "referrer_path": "/page/42",
            "server_hostname": "callsheet.example:8000",
        }
        return PageState(**{**base, **changes})


@pytest.fixture
def studio(sg: Shotgun) -> Studio:
    return Studio(sg)


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [item["title"] for item in items]


# -- which items ------------------------------------------------------------------------------


def test_items_for_a_type_in_list_order(studio: Studio) -> None:
    studio.ami("Everywhere", list_order=3)
    studio.ami("Shot first", entity_type="Shot", list_order=1)
    studio.ami("Asset only", entity_type="Asset", list_order=0)
    studio.ami("Unordered", entity_type="Shot")
    studio.ami("Shot second", entity_type="Shot", list_order=2)
    items = am.menu_items(studio.site, studio.artist, "Shot", studio.p1["id"])
    assert titles(items) == ["Shot first", "Shot second", "Everywhere", "Unordered"]
    everything = am.menu_items(studio.site, studio.admin, None, studio.p1["id"])
    expected = ["Asset only", "Shot first", "Shot second", "Everywhere", "Unordered"]
    assert titles(everything) == expected
    assert items[0]["kind"] == "http"


def test_folders_group_items_one_level_where_their_first_item_is(studio: Studio) -> None:
    studio.ami("Submit", entity_type="Shot", list_order=1, folder="Farm")
    studio.ami("Open in RV", url="rvlink://baked", entity_type="Shot", list_order=2)
    studio.ami("Kill jobs", entity_type="Shot", list_order=3, folder="Farm")
    studio.ami("Report", entity_type="Shot", list_order=4, folder="  ")
    tree = am.menu_tree(am.menu_items(studio.site, studio.artist, "Shot", studio.p1["id"]))
    assert [(e["type"], e["title"]) for e in tree] == [
        ("folder", "Farm"),
        ("item", "Open in RV"),
        ("item", "Report"),
    ]
    assert titles(tree[0]["items"]) == ["Submit", "Kill jobs"]
    assert tree[1]["kind"] == "protocol"


def test_projects_limit_items_even_to_projects_the_person_cannot_see(studio: Studio) -> None:
    studio.ami("Alpha only", entity_type="Shot", projects=[studio.p1])
    studio.ami("Beta only", entity_type="Shot", projects=[studio.p2])
    studio.ami("Anywhere", entity_type="Shot")
    site = studio.site
    # the Artist is not on Beta, so the link to it reads as absent: the limit must still hold
    assert titles(am.menu_items(site, studio.artist, "Shot", studio.p1["id"])) == [
        "Alpha only",
        "Anywhere",
    ]
    assert titles(am.menu_items(site, studio.artist, "Shot", None)) == ["Anywhere"]
    assert titles(am.menu_items(site, studio.manager, "Shot", studio.p2["id"])) == [
        "Anywhere",
        "Beta only",
    ]


def test_permission_groups_limit_items_for_admins_too(studio: Studio) -> None:
    site = studio.site
    studio.ami(
        "Artists", entity_type="Shot", permissions_groups=[role_link(site, "Artist", "HumanUser")]
    )
    studio.ami(
        "Managers", entity_type="Shot", permissions_groups=[role_link(site, "Manager", "HumanUser")]
    )
    studio.ami("Everyone", entity_type="Shot")
    project = studio.p1["id"]
    assert titles(am.menu_items(site, studio.artist, "Shot", project)) == ["Artists", "Everyone"]
    assert titles(am.menu_items(site, studio.manager, "Shot", project)) == ["Everyone", "Managers"]
    # the API Admin script is in neither group
    assert titles(am.menu_items(site, studio.admin, "Shot", project)) == ["Everyone"]


# -- the secret token -------------------------------------------------------------------------


def test_secret_token_is_stored_apart_and_never_read(studio: Studio) -> None:
    sg, site = studio.sg, studio.site
    ami = sg.create("ActionMenuItem", {"title": "Signed", "url": "https://x", "secret_token": "s3"})
    assert ami.get("secret_token") is None
    found = sg.find_one("ActionMenuItem", [["id", "is", ami["id"]]], ["secret_token", "title"])
    assert found["title"] == "Signed" and found.get("secret_token") is None
    with contextlib.suppress(Fault):  # filtering finds nothing (or is refused): no probing
        assert sg.find("ActionMenuItem", [["secret_token", "is", "s3"]]) == []
    assert am.has_secret_token(site, ami["id"])
    assert am.secret_token_of(site, ami["id"]) == "s3"
    am.set_secret_token(site, studio.admin, ami["id"], "rotated")
    assert am.secret_token_of(site, ami["id"]) == "rotated"
    am.set_secret_token(site, studio.admin, ami["id"], None)
    assert not am.has_secret_token(site, ami["id"])
    events = sg.find(
        "EventLogEntry",
        [["attribute_name", "is", "secret_token"]],
        ["meta", "event_type", "user"],
        order=[{"field_name": "id", "direction": "asc"}],
    )
    shown = [(e["meta"]["old_value"], e["meta"]["new_value"]) for e in events]
    assert shown == [(None, "*******"), ("*******", "*******"), ("*******", None)]
    assert "s3" not in repr(events) and "rotated" not in repr(events)


def test_secret_tokens_in_a_batch_and_bad_ones_refused_without_trace(studio: Studio) -> None:
    sg, site = studio.sg, studio.site
    made = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "ActionMenuItem",
                "data": {"title": f"B{n}", "url": "https://x", "secret_token": f"t{n}"},
            }
            for n in range(2)
        ]
    )
    assert [am.secret_token_of(site, m["id"]) for m in made] == ["t0", "t1"]
    before = sg.find("ActionMenuItem", [], ["title"])
    for bad in (5, "   ", "x" * 2000, ["t"]):
        with pytest.raises(ValueFault, match="secret_token"):
            sg.create("ActionMenuItem", {"title": "Bad", "url": "https://x", "secret_token": bad})
        with pytest.raises(ValueFault, match="secret_token"):
            sg.update("ActionMenuItem", made[0]["id"], {"secret_token": bad, "title": "Renamed"})
    assert sg.find("ActionMenuItem", [], ["title"]) == before
    assert am.secret_token_of(site, made[0]["id"]) == "t0"
    sg.update("ActionMenuItem", made[1]["id"], {"secret_token": ""})
    assert not am.has_secret_token(site, made[1]["id"])


def test_only_people_who_may_edit_the_item_set_its_token(studio: Studio) -> None:
    ami = studio.ami("Signed")
    with pytest.raises(Fault):
        am.set_secret_token(studio.site, studio.artist, ami, "mine now")
    assert not am.has_secret_token(studio.site, ami)


# -- the payload ------------------------------------------------------------------------------


def test_payload_has_every_key_as_strings(studio: Studio) -> None:
    ami = studio.ami("Submit", entity_type="Shot")
    item, payload = am.build_payload(studio.site, studio.artist, ami, studio.state())
    assert item["id"] == ami
    assert set(payload) == PAYLOAD_KEYS | {"project_name", "project_id"}
    assert all(isinstance(value, str) for value in payload.values())
    expected_ids = sorted(studio.shots1, key=lambda i: -i)  # codes sort like ids: desc
    assert payload == {
        "user_id": str(studio.artist.id),
        "user_login": "ami.artist",
        "entity_type": "Shot",
        "selected_ids": f"{studio.shots1[3]},{studio.shots1[1]}",
        "ids": ",".join(map(str, expected_ids)),
        "title": "Shots",
        "page_id": "42",
        "server_hostname": "callsheet.example:8000",
        "referrer_path": "/page/42",
        "session_uuid": studio.window,
        "cols": "code,sg_status_list",
        "column_display_names": "Shot Code,Status",
        "view": "Default",
        "sort_column": "code",
        "sort_direction": "desc",
        "project_name": "Alpha",
        "project_id": str(studio.p1["id"]),
    }


def test_ids_are_every_row_the_query_matches_as_the_person_sees_them(studio: Studio) -> None:
    ami = studio.ami("Submit", entity_type="Shot")
    site = studio.site
    filters = {
        "logical_operator": "and",
        "conditions": [{"path": "code", "relation": "ends_with", "values": ["1"]}],
    }
    state = studio.state(filters=filters, sorts=(("code", "asc"), ("id", "desc")))
    _, payload = am.build_payload(site, studio.artist, ami, state)
    wanted = [i for n, i in enumerate(studio.shots1) if n % 10 == 1]
    assert payload["ids"] == ",".join(map(str, wanted))
    assert payload["sort_columns"] == "code,id"
    assert payload["sort_directions"] == "asc,desc"
    # a site-wide page: the Artist sees only Alpha's Shots, so all share one project
    site_page = studio.state(project_id=None, selected_ids=(), sorts=())
    _, payload = am.build_payload(site, studio.artist, ami, site_page)
    assert payload["ids"] == ",".join(map(str, studio.shots1))  # by code, the grid's default
    assert (payload["sort_column"], payload["sort_direction"]) == ("code", "asc")
    assert payload["project_name"] == "Alpha"
    # a Manager sees both projects: no project keys
    _, payload = am.build_payload(site, studio.manager, ami, site_page)
    assert payload["ids"] == ",".join(map(str, studio.shots1 + studio.shots2))
    assert "project_id" not in payload and "project_name" not in payload


def test_selected_ids_the_person_cannot_see_are_dropped(studio: Studio) -> None:
    ami = studio.ami("Submit", entity_type="Shot")
    state = studio.state(project_id=None, selected_ids=(studio.shots2[0], studio.shots1[0]))
    _, payload = am.build_payload(studio.site, studio.artist, ami, state)
    assert payload["selected_ids"] == str(studio.shots1[0])


def test_selection_required(studio: Studio) -> None:
    ami = studio.ami("Selected only", entity_type="Shot", selection_required=True)
    with pytest.raises(am.ActionMenuFault, match="needs a selection"):
        am.build_payload(studio.site, studio.artist, ami, studio.state(selected_ids=()))
    _, payload = am.build_payload(studio.site, studio.artist, ami, studio.state())
    assert payload["ids"] == payload["selected_ids"] == f"{studio.shots1[3]},{studio.shots1[1]}"


def test_detail_page_payload(studio: Studio) -> None:
    ami = studio.ami("Any", entity_type="Shot")
    shot = studio.shots2[1]
    state = PageState(
        "Shot",
        selected_ids=(shot,),
        title="B001",
        referrer_path=f"/detail/Shot/{shot}",
        single_entity=True,
    )
    _, payload = am.build_payload(studio.site, studio.manager, ami, state)
    assert (payload["ids"], payload["selected_ids"]) == (str(shot), str(shot))
    assert (payload["project_name"], payload["page_id"]) == ("Beta", "")


def test_items_not_offered_are_refused(studio: Studio) -> None:
    site = studio.site
    managers = studio.ami(
        "Managers", entity_type="Shot", permissions_groups=[role_link(site, "Manager", "HumanUser")]
    )
    beta = studio.ami("Beta", entity_type="Shot", projects=[studio.p2])
    asset = studio.ami("Asset", entity_type="Asset")
    for ami in (managers, beta, asset, 999):
        with pytest.raises(am.ActionMenuFault, match="not offered"):
            am.build_payload(site, studio.artist, ami, studio.state())


def test_signature_verifies_with_the_reference_receiver(studio: Studio) -> None:
    ami = studio.ami("Signed", entity_type="Shot", secret_token="test_key")
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    _, payload = am.build_payload(studio.site, studio.artist, ami, studio.state(), now=moment)
    assert payload["timestamp"] == "2026-03-04T05:06:07Z"
    assert payload["signature"] == reference_signature(payload, "test_key")
    assert payload["signature"] != reference_signature(payload, "other key")
    tampered = {**payload, "selected_ids": str(studio.shots1[0])}
    assert payload["signature"] != reference_signature(tampered, "test_key")
    _, fresh = am.build_payload(studio.site, studio.artist, ami, studio.state())
    sent = dt.datetime.strptime(fresh["timestamp"], am.TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - sent).total_seconds()) < 10  # the receiver's window


def test_light_payload_is_kept_in_an_event_log_entry(studio: Studio) -> None:
    ami = studio.ami("RV", url="rvlink://play", entity_type="Shot", light_payload=True)
    item, payload = am.build_payload(studio.site, studio.artist, ami, studio.state())
    entry_id = am.store_light_payload(studio.site, studio.artist, item, payload)
    entry = studio.sg.find_one(
        "EventLogEntry",
        [["id", "is", entry_id]],
        ["event_type", "meta", "user", "session_uuid", "project"],
    )
    assert entry["event_type"] == "Shotgun_ActionMenuItem_Triggered"
    assert entry["meta"]["ami_payload"] == payload
    assert entry["meta"]["ami_id"] == ami
    assert entry["user"]["id"] == studio.artist.id
    assert entry["session_uuid"] == studio.window
    assert entry["project"]["id"] == studio.p1["id"]


def test_changed_entities_of_this_window(studio: Studio) -> None:
    site = studio.site
    after = am.latest_event_id(site)
    script = Actor(studio.admin.entity_type, studio.admin.id, "farm", session_uuid=studio.window)
    site.update(script, "Shot", studio.shots1[0], {"description": "rendered"})
    site.update(script, "Shot", studio.shots2[0], {"description": "not the Artist's"})
    site.update(script, "Project", studio.p1["id"], {"sg_description": "other type"})
    site.update(studio.admin, "Shot", studio.shots1[1], {"description": "another window"})
    cursor, ids = am.changed_entities(site, studio.artist, studio.window, after, "Shot")
    assert ids == [studio.shots1[0]]
    assert after < cursor < am.latest_event_id(site)
    assert am.changed_entities(site, studio.artist, studio.window, cursor, "Shot") == (cursor, [])
    assert am.changed_entities(site, studio.artist, "not a uuid", after, "Shot") == (after, [])


@pytest.mark.parametrize(
    "url", ["", "farm.example/submit", "/relative", "javascript:alert(1)", "data:text/html,x"]
)
def test_items_without_a_usable_url_are_refused(studio: Studio, url: str) -> None:
    ami = studio.ami("Broken", entity_type="Shot", url=url)
    with pytest.raises(am.ActionMenuFault, match="URL"):
        am.build_payload(studio.site, studio.manager, ami, studio.state())


def test_grouping_keys_only_when_grouped(studio: Studio) -> None:
    ami = studio.ami("Any", entity_type="Shot")
    _, plain = am.build_payload(studio.site, studio.artist, ami, studio.state())
    assert not [key for key in plain if key.startswith("grouping")]
    one = studio.state(groupings=(("sg_sequence", "entitytype", "asc"),))
    _, payload = am.build_payload(studio.site, studio.artist, ami, one)
    grouping = {key: value for key, value in payload.items() if key.startswith("grouping")}
    assert grouping == {
        "grouping_column": "sg_sequence",
        "grouping_method": "entitytype",
        "grouping_direction": "asc",
    }
    two = studio.state(
        groupings=(("sg_sequence", "entitytype", "asc"), ("created_at", "month", "desc"))
    )
    _, payload = am.build_payload(studio.site, studio.artist, ami, two)
    assert payload["grouping_columns"] == "sg_sequence,created_at"
    assert payload["grouping_methods"] == "entitytype,month"
    assert payload["grouping_directions"] == "asc,desc"
