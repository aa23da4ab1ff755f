"""The endpoints tk-core calls beside /api3/json: sgtk_install_script and track_metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from asgi_calls import post

from callsheet.server import Settings, create_app
from callsheet.site.accounts import admin_actor
from callsheet.site.actor import SYSTEM
from callsheet.site.auth import issue_session_token
from callsheet.site.site import Site

FORM = {"content-type": "application/x-www-form-urlencoded", "host": "127.0.0.1"}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    opened = Site.open()
    yield opened
    opened.close()


@pytest.fixture
def app(site: Site, tmp_path: Path) -> Any:
    site.files = None
    return create_app(site, Settings(data_dir=tmp_path, threads=2))


def test_sgtk_install_script_with_a_session_names_no_app_store_script(site: Site, app: Any) -> None:
    token = issue_session_token(site, admin_actor(site))
    status, _, body = post(
        app, "/api3/sgtk_install_script", urlencode({"session_token": token}).encode(), FORM
    )
    answer = json.loads(body)
    # tk-core's app_store descriptor reads exactly these two keys; null means "no App Store".
    assert status == 200
    assert answer["script_name"] is None and answer["script_key"] is None
    assert "SHOTGUN_BUNDLE_CACHE_FALLBACK_PATHS" in answer["message"]


@pytest.mark.parametrize("fields", [{"session_token": "not-a-session"}, {}])
def test_sgtk_install_script_without_a_valid_session_is_refused(
    app: Any, fields: dict[str, str]
) -> None:
    status, _, body = post(app, "/api3/sgtk_install_script", urlencode(fields).encode(), FORM)
    assert status == 403
    assert "script_key" not in json.loads(body)


def test_track_metrics_accepts_and_drops(site: Site, app: Any) -> None:
    payload = {"auth_args": {"session_token": "x"}, "metrics": [{"event_name": "Launched"}]}
    headers = {"content-type": "application/json", "host": "127.0.0.1"}
    before = len(site.find(SYSTEM, "EventLogEntry", [], ["id"]))
    status, _, body = post(app, "/api3/track_metrics/", json.dumps(payload).encode(), headers)
    assert status == 200 and json.loads(body) == {}
    assert len(site.find(SYSTEM, "EventLogEntry", [], ["id"])) == before  # nothing kept
