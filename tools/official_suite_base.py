"""The tests/base.py that shotgun_api3's sdist tests import but do not ship: Callsheet's own.

Copied next to the sdist's tests by tools/run_official_live_suite.sh (its BASE_PY argument).
It gives the names those tests use: `TestBase`, `LiveTestBase`, `HumanUserAuthLiveTestBase`,
`SessionTokenAuthLiveTestBase`, `MockTestBase`, `_find_or_create_entity`, and the thumbnail
retry constants. Settings come from the `config` file beside this module (written by the
script); an environment variable `SG_<KEY>` (e.g. `SG_SERVER_URL`) overrides a key.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import time
import unittest
import unittest.mock
import uuid
from collections.abc import Iterator
from typing import Any

import shotgun_api3

__all__ = [
    "THUMBNAIL_MAX_ATTEMPTS",
    "THUMBNAIL_RETRY_INTERVAL",
    "HumanUserAuthLiveTestBase",
    "LiveTestBase",
    "MockTestBase",
    "SessionTokenAuthLiveTestBase",
    "TestBase",
    "unittest",
]

# A freshly uploaded thumbnail reads as ShotGrid's transient placeholder until it is resized.
THUMBNAIL_MAX_ATTEMPTS = 30
THUMBNAIL_RETRY_INTERVAL = 1
TRANSIENT_IMAGE_PATH = "images/status/transient"

CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config")


class SuiteConfig:
    """The [SERVER_INFO] and [TEST_DATA] keys of the config file, as attributes."""

    KEYS = (
        "server_url",
        "script_name",
        "api_key",
        "http_proxy",
        "session_uuid",
        "project_name",
        "human_name",
        "human_login",
        "human_password",
        "asset_code",
        "version_code",
        "shot_code",
        "task_content",
        "playlist_code",
    )

    def __init__(self, path: str = CONFIG_PATH) -> None:
        parser = configparser.ConfigParser()
        parser.read(path, encoding="utf-8")
        values: dict[str, str] = {}
        for section in parser.sections():
            values.update(parser.items(section))
        for key in self.KEYS:
            value = os.environ.get(f"SG_{key.upper()}", values.get(key, "")).strip()
            setattr(self, key, value or None)
        # The upstream CI ("Jenkins") runs as a person and skips a few tests; we run as a script.
        self.jenkins = os.environ.get("SG_JENKINS", values.get("jenkins", "")).lower() in (
            "1",
            "true",
            "yes",
        )

    def __getattr__(self, name: str) -> None:
        # An unknown key reads as unset, as an empty line in the config file does.
        if name.startswith("__"):
            raise AttributeError(name)
        return None


def _find_or_create_entity(
    sg: shotgun_api3.Shotgun,
    entity_type: str,
    data: dict[str, Any],
    identifiers: list[str] | None = None,
) -> dict[str, Any]:
    """The entity whose `identifiers` fields equal `data`'s, created from `data` if none is."""
    identifiers = identifiers or ["name"]
    fields = list(data)
    filters = [[key, "is", data[key]] for key in identifiers]
    entity = sg.find_one(entity_type, filters, fields=fields)
    if entity is None:
        entity = sg.create(entity_type, data, return_fields=fields)
    assert entity, f"could not find or create the {entity_type} {data!r}"
    return entity


class TestBase(unittest.TestCase):
    """A connection `self.sg` to the configured server as the script, a person or a session."""

    config: SuiteConfig
    connect = True  # MockTestBase connects lazily, after its mock is in place

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.config = SuiteConfig()

    def setUp(self, auth_mode: str = "ApiUser") -> None:
        config = self.config
        self.server_url = config.server_url
        self.script_name = config.script_name
        self.api_key = config.api_key
        self.human_login = config.human_login
        self.human_password = config.human_password
        self.http_proxy = config.http_proxy
        self.session_uuid = config.session_uuid
        self.auth_args = self._auth_args(auth_mode)
        self.sg = shotgun_api3.Shotgun(
            config.server_url, http_proxy=config.http_proxy, connect=self.connect, **self.auth_args
        )
        if config.session_uuid:
            self.sg.set_session_uuid(config.session_uuid)

    def _auth_args(self, auth_mode: str) -> dict[str, str]:
        """The keyword arguments of `shotgun_api3.Shotgun` that authenticate as `auth_mode`."""
        config = self.config
        if auth_mode == "ApiUser":
            return {"script_name": config.script_name, "api_key": config.api_key}
        if auth_mode == "HumanUser":
            return {"login": config.human_login, "password": config.human_password}
        if auth_mode == "SessionToken":
            # A session token is got by logging in once as the person.
            person = shotgun_api3.Shotgun(
                config.server_url,
                login=config.human_login,
                password=config.human_password,
                http_proxy=config.http_proxy,
            )
            self.session_token = person.get_session_token()
            return {"session_token": self.session_token}
        raise ValueError(f"unknown auth_mode {auth_mode!r}")


class LiveTestBase(TestBase):
    """TestBase plus a project and its entities, found or made once per test class."""

    project: dict[str, Any]
    human_user: dict[str, Any]
    asset: dict[str, Any]
    version: dict[str, Any]
    shot: dict[str, Any]
    note: dict[str, Any]
    playlist: dict[str, Any]
    step: dict[str, Any]
    task: dict[str, Any]
    ticket: dict[str, Any]
    local_storage: dict[str, Any]
    sg_version: tuple[int, ...]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        config = cls.config
        sg = shotgun_api3.Shotgun(
            config.server_url, config.script_name, config.api_key, http_proxy=config.http_proxy
        )
        cls.sg_version = tuple(sg.info()["version"][:3])
        cls._set_up_entities(sg)

    @classmethod
    def _set_up_entities(cls, sg: shotgun_api3.Shotgun) -> None:
        config = cls.config
        cls.project = _find_or_create_entity(sg, "Project", {"name": config.project_name})
        # The person exists already (the script made it with a password); reuse it by login.
        cls.human_user = _find_or_create_entity(
            sg,
            "HumanUser",
            {"login": config.human_login, "name": config.human_name},
            ["login"],
        )
        cls.asset = _find_or_create_entity(
            sg, "Asset", {"code": config.asset_code, "project": cls.project}, ["code", "project"]
        )
        cls.version = _find_or_create_entity(
            sg,
            "Version",
            {
                "code": config.version_code,
                "project": cls.project,
                "entity": cls.asset,
                "user": cls.human_user,
                "frame_count": 33,
                "sg_frames_aspect_ratio": 13.3,
            },
            ["code", "project"],
        )
        cls.shot = _find_or_create_entity(
            sg, "Shot", {"code": config.shot_code, "project": cls.project}, ["code", "project"]
        )
        cls.note = _find_or_create_entity(
            sg,
            "Note",
            {"project": cls.project, "user": cls.human_user, "content": "suite note"},
            ["project", "user"],
        )
        cls.playlist = _find_or_create_entity(
            sg,
            "Playlist",
            {"code": config.playlist_code, "project": cls.project},
            ["code", "project"],
        )
        cls.step = _find_or_create_entity(
            sg, "Step", {"code": "suite step", "entity_type": "Shot"}, ["code", "entity_type"]
        )
        cls.task = _find_or_create_entity(
            sg,
            "Task",
            {
                "content": config.task_content,
                "project": cls.project,
                "entity": cls.asset,
                "color": "Black",
                "due_date": "1968-10-13",
                "task_assignees": [cls.human_user],
                "sg_status_list": "ip",
            },
            ["content", "project", "entity"],
        )
        cls.ticket = _find_or_create_entity(
            sg,
            "Ticket",
            {"title": "suite ticket", "project": cls.project},
            ["title", "project"],
        )
        cls.local_storage = _find_or_create_entity(
            sg,
            "LocalStorage",
            {
                "code": "suite local storage",
                "linux_path": "/nowhere",
                "mac_path": "/nowhere",
                "windows_path": "C:\\nowhere",
            },
            ["code"],
        )

    def setUp(self, auth_mode: str | None = None) -> None:
        if auth_mode is None:
            auth_mode = "HumanUser" if self.config.jenkins else "ApiUser"
        super().setUp(auth_mode)

    @contextlib.contextmanager
    def gen_entity(self, entity_type: str, **data: Any) -> Iterator[dict[str, Any]]:
        """A new `entity_type` with `data` and a unique name, deleted when the block ends."""
        unique = f"suite {entity_type} {uuid.uuid4().hex[:12]}"
        data = dict(data)
        if entity_type == "HumanUser":
            data.setdefault("login", unique.replace(" ", "_"))
            data.setdefault("firstname", "suite")
            data.setdefault("lastname", unique)
        else:
            data.setdefault(_DISPLAY_FIELDS.get(entity_type, "code"), unique)
        entity = self.sg.create(entity_type, data, return_fields=list(data))
        try:
            yield entity
        finally:
            self.sg.delete(entity_type, entity["id"])

    def find_one_await_thumbnail(
        self,
        entity_type: str,
        filters: list,
        fields: list[str] | None = None,
        thumbnail_field_name: str = "image",
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """find_one, repeated while `thumbnail_field_name` reads as the transient placeholder."""
        fields = fields or ["image"]
        for _ in range(THUMBNAIL_MAX_ATTEMPTS):
            entity = self.sg.find_one(entity_type, filters, fields=fields, **kwargs)
            value = (entity or {}).get(thumbnail_field_name)
            if not (isinstance(value, str) and TRANSIENT_IMAGE_PATH in value):
                return entity
            time.sleep(THUMBNAIL_RETRY_INTERVAL)
        return entity


# The field that names an entity where it is not `code` (gen_entity fills it in).
_DISPLAY_FIELDS = {
    "Project": "name",
    "Task": "content",
    "Note": "subject",
    "Ticket": "title",
    "Reply": "content",
}


class HumanUserAuthLiveTestBase(LiveTestBase):
    """LiveTestBase connected as the configured person (login and password)."""

    def setUp(self, auth_mode: str | None = None) -> None:
        super().setUp("HumanUser")


class SessionTokenAuthLiveTestBase(LiveTestBase):
    """LiveTestBase connected with a session token got by the configured person."""

    def setUp(self, auth_mode: str | None = None) -> None:
        super().setUp("SessionToken")


class MockTestBase(TestBase):
    """TestBase for tests that mock HTTP: `_setup_mock`, then `_mock_http` sets the answer."""

    connect = False

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # The mock tests need no server; any well-formed URL and script do.
        cls.config.server_url = cls.config.server_url or "http://unittest.localhost"
        cls.config.script_name = cls.config.script_name or "unittest script"
        cls.config.api_key = cls.config.api_key or "unittest key"

    def _setup_mock(self, server_info: dict[str, Any] | None = None) -> None:
        """Replace the connection's HTTP with a mock that answers `info` with `server_info`."""
        self.sg._http_request = unittest.mock.Mock(spec=shotgun_api3.Shotgun._http_request)
        self._mock_http(server_info or {"version": [9, 9, 9]})

    def _mock_http(
        self,
        data: Any,
        headers: dict[str, str] | None = None,
        status: tuple[int, str] | None = None,
    ) -> None:
        """Make every request answer `data` (JSON-encoded unless a string) with `status`."""
        if not isinstance(self.sg._http_request, unittest.mock.Mock):
            return
        body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        self.sg._http_request.return_value = (
            status or (200, "OK"),
            headers or {"content-type": "application/json"},
            body.encode("utf-8"),
        )

    def _assert_http_method(self, method: str, params: Any, check_auth: bool = True) -> None:
        """The last request called `method` with `params` (and the script's credentials)."""
        args, _ = self.sg._http_request.call_args
        body = json.loads(args[2])
        self.assertEqual(method, body["method_name"])
        sent = body["params"]
        if check_auth:
            self.assertEqual(self.config.script_name, sent[0]["script_name"])
            self.assertEqual(self.config.api_key, sent[0]["script_key"])
        if params is not None:
            self.assertEqual(params, sent[1])
