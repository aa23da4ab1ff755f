"""Before any route: the Host header, bounded bodies; uploads authenticated before their content
is read and streamed to disk; cookieless downloads only when asked for; safe file headers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgi_calls import Answer, call
from shotgun_api3.shotgun import FormPostHandler

from callsheet.server import Settings, create_app
from callsheet.server import files as server_files
from callsheet.site.accounts import admin_actor, create_script
from callsheet.site.site import Site
from callsheet.site.uploads import upload_file

SCRIPT = {"script_name": "guards", "script_key": "guards-key"}
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    opened = Site.open()
    create_script(opened, "guards", "guards-key")
    yield opened
    opened.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


def make_app(site: Site, data_dir: Path, **settings: Any) -> Any:
    site.files = None  # each app gets its own file folder
    return create_app(site, Settings(data_dir=data_dir, threads=4, **settings))


@pytest.fixture
def app(site: Site, data_dir: Path) -> Any:
    return make_app(site, data_dir)


def rpc(app: Any, method: str, params: Any, **kwargs: Any) -> Any:
    body = json.dumps({"method_name": method, "params": [SCRIPT, params]}).encode()
    answer = call(app, "POST", "/api3/json", chunks=[body], **kwargs)
    return json.loads(answer.body)


def multipart(fields: dict[str, str], file_bytes: bytes, folder: Path) -> tuple[str, bytes]:
    """The exact body shotgun_api3 posts (its own encoder: text fields first, then the file)."""
    path = folder / "clip.mov"
    path.write_bytes(file_bytes)
    with path.open("rb") as handle:
        boundary, body = FormPostHandler().encode(list(fields.items()), [("file", handle)])
    path.unlink()
    return f"multipart/form-data; boundary={boundary}", body


def split(body: bytes, size: int = CHUNK) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def upload(app: Any, fields: dict[str, str], content: bytes, folder: Path) -> Answer:
    content_type, body = multipart(fields, content, folder)
    return call(
        app,
        "POST",
        "/upload/upload_file",
        chunks=split(body),
        headers={"Content-Type": content_type},
    )


def incoming(data_dir: Path) -> list[Path]:
    folder = data_dir / "files" / "incoming"
    return sorted(folder.iterdir()) if folder.exists() else []


# -- 2. the Host header, and cookieless downloads ---------------------------------------------


def test_a_host_header_the_server_is_not_known_by_is_refused_first(app: Any) -> None:
    body = json.dumps({"method_name": "info", "params": []}).encode()
    refused = call(app, "POST", "/api3/json", chunks=[body], headers={"Host": "rebind.example"})
    assert refused.status == 400 and "Host" in refused.text
    assert refused.chunks_read == 0  # nothing was read or run
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST"):
        allowed = call(app, "POST", "/api3/json", chunks=[body], headers={"Host": host})
        assert allowed.status == 200, host


def test_allowed_hosts_come_from_the_settings() -> None:
    assert Settings(host="0.0.0.0").host_names() is None
    assert Settings(host="0.0.0.0", public_url="https://track.example/").host_names() == {
        "track.example"
    }
    assert Settings(host="10.1.2.3").host_names() == {"10.1.2.3"}
    assert Settings(allowed_hosts=("*",)).host_names() is None
    assert Settings(allowed_hosts=("A.example",)).host_names() == {"a.example"}


def _stored_attachment(site: Site) -> int:
    actor = admin_actor(site)
    project = site.create(actor, "Project", {"name": f"guarded files {uuid.uuid4().hex}"})
    return upload_file(site, actor, "Project", project["id"], "notes.txt", b"private notes")


def test_cookieless_download_from_loopback_is_refused_by_default(
    site: Site, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_files, "_loopback_sessions", {})
    attachment_id = _stored_attachment(site)
    assert "session_id" in rpc(app, "get_session_token", None)["results"]
    path = f"/file_serve/attachment/{attachment_id}"
    answer = call(app, "GET", path, headers={"Host": "127.0.0.1:8000"})
    assert answer.status == 403


def test_cookieless_download_needs_the_option_and_a_loopback_host(
    site: Site, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_files, "_loopback_sessions", {})
    app = make_app(site, data_dir, allow_cookieless_local_downloads=True, allowed_hosts=("*",))
    attachment_id = _stored_attachment(site)
    path = f"/file_serve/attachment/{attachment_id}"
    assert (
        "session_id"
        in rpc(app, "get_session_token", None, headers={"Host": "127.0.0.1"})["results"]
    )
    answer = call(app, "GET", path, headers={"Host": "127.0.0.1:8000"})
    assert (answer.status, answer.body) == (200, b"private notes")
    # a page on another site that rebinds its name to 127.0.0.1 does not get it
    assert call(app, "GET", path, headers={"Host": "rebind.example:8000"}).status == 403
    # nor does a caller on another machine
    assert call(app, "GET", path, headers={"Host": "127.0.0.1"}, client="192.0.2.9").status == 403


# -- 6. bounded bodies; uploads authenticated first and streamed to disk -----------------------


def test_signin_body_is_bounded_even_when_chunked(app: Any) -> None:
    chunks = [b"login=a&password=" + b"x" * CHUNK] + [b"x" * CHUNK] * 99
    answer = call(
        app,
        "POST",
        "/signin",
        chunks=chunks,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status in (400, 413)
    assert answer.chunks_read <= 2  # stopped reading at the limit


def test_declared_length_over_the_limit_is_refused_unread(app: Any) -> None:
    answer = call(
        app,
        "POST",
        "/signin",
        chunks=[b"x" * CHUNK],
        headers={"Content-Length": str(10 * 1024**3)},
    )
    assert answer.status in (400, 413) and answer.chunks_read == 0


def test_api_body_over_the_limit_is_a_fault_envelope(site: Site, data_dir: Path) -> None:
    app = make_app(site, data_dir, max_body_bytes=CHUNK)
    answer = call(app, "POST", "/api3/json", chunks=[b"{" + b" " * CHUNK] * 50)
    assert answer.status == 200
    assert "limit" in json.loads(answer.body)["message"]
    assert answer.chunks_read <= 2


def test_upload_with_wrong_credentials_is_refused_before_its_content_is_read(
    app: Any, data_dir: Path
) -> None:
    fields = {"entity_type": "Project", "entity_id": "1", "script_name": "guards"}
    fields["script_key"] = "wrong key"
    answer = upload(app, fields, b"z" * (40 * CHUNK), data_dir)
    assert answer.text.startswith("0\n")
    assert answer.chunks_read <= 2  # the auth fields, then the refusal
    assert incoming(data_dir) == []


def test_upload_is_streamed_to_disk_and_stored(site: Site, app: Any, data_dir: Path) -> None:
    project = site.create(admin_actor(site), "Project", {"name": "streamed"})
    content = bytes(range(256)) * (CHUNK // 64) + b"\r\n--end\r\n"
    fields = {"entity_type": "Project", "entity_id": str(project["id"]), **SCRIPT}
    answer = upload(app, fields, content, data_dir)
    assert answer.text.startswith("1:"), answer.text
    attachment_id = int(answer.text[2:].strip())
    stored = data_dir / "files" / "attachments" / str(attachment_id)
    assert stored.read_bytes() == content
    assert incoming(data_dir) == []  # moved into place, nothing left behind
    found = site.find_one(
        admin_actor(site), "Attachment", [["id", "is", attachment_id]], ["file_size"]
    )
    assert found is not None and found["file_size"] == len(content)


def test_upload_over_the_limit_is_refused_and_leaves_nothing(site: Site, data_dir: Path) -> None:
    app = make_app(site, data_dir, max_upload_bytes=4 * CHUNK)
    project = site.create(admin_actor(site), "Project", {"name": "too big"})
    before = len(site.find(admin_actor(site), "Attachment", []))
    fields = {"entity_type": "Project", "entity_id": str(project["id"]), **SCRIPT}
    answer = upload(app, fields, b"z" * (20 * CHUNK), data_dir)
    assert answer.text.startswith("0\n") and "limit" in answer.text
    assert answer.chunks_read <= 6
    assert incoming(data_dir) == []
    assert len(site.find(admin_actor(site), "Attachment", [])) == before


# -- 9. served files are never run as pages ---------------------------------------------------


def test_downloads_are_nosniff_and_sandboxed(site: Site, app: Any) -> None:
    actor = admin_actor(site)
    project = site.create(actor, "Project", {"name": "html files"})
    attachment_id = upload_file(
        site, actor, "Project", project["id"], "page.html", b"<script>alert(1)</script>"
    )
    signed = site.files.attachment_url(attachment_id)  # type: ignore[union-attr]
    path, _, query = signed.partition("?")
    answer = call(app, "GET", "/" + path.split("/", 3)[3], query=query)
    assert answer.status == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]


def test_upload_form_text_fields_are_bounded_before_authentication(app: Any) -> None:
    fields = {f"field{n}": "x" * 60_000 for n in range(40)}  # each allowed, together too much
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    chunks = split(body)
    answer = call(
        app, "POST", "/upload/upload_file", chunks=chunks, headers={"Content-Type": content_type}
    )
    assert answer.text.startswith("0\n") and "too long" in answer.text
    assert answer.chunks_read < len(chunks)
