"""`callsheet import --from URL`: a populated server copied into a new site, read by read."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import LiveServer
from transfer_helpers import assert_same_reads, copied_types

from callsheet.faults import TransferFault
from callsheet.site.actor import SYSTEM
from callsheet.site.site import Site
from callsheet.transfer.importer import Importer, ImportOptions
from callsheet.transfer.source import ApiSource
from callsheet.transfer.verify import verify

# shotgun_api3 leaves the files it uploads open (as tests/e2e/test_files.py notes)
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def source(unchanged_source: LiveServer) -> Iterator[LiveServer]:
    """No test here writes to the source, so they share one (populating it is the slow part)."""
    yield unchanged_source
    # the clients shotgun_api3 leaves open die here, under this module's warning filter
    gc.collect()


def _source(live: LiveServer) -> ApiSource:
    return ApiSource(live.base_url, script="e2e tests", key="e2e-script-key")


def test_import_copies_every_read_with_ids_files_and_accounts(
    source: LiveServer, destination: Site, tmp_path: Path
) -> None:
    reader = _source(source)
    keys = tmp_path / "keys.txt"
    report = Importer(destination, reader, ImportOptions(keys_file=keys)).run()
    sg = source.script()
    compared = assert_same_reads(sg, destination, copied_types(destination))
    assert compared > 80
    # multi-entity order, custom fields, retired rows and tags came over as they were
    shot = destination.find_one(
        SYSTEM, "Shot", [["code", "is", "SQ010_0000"]], ["assets", "sg_labels", "sg_grade"]
    )
    assert [a["name"] for a in shot["assets"]] == ["asset0"]  # asset2 is retired
    second = destination.find_one(SYSTEM, "Shot", [["code", "is", "SQ010_0001"]], ["assets"])
    assert [a["name"] for a in second["assets"]] == ["asset3", "asset1"]
    assert shot["sg_labels"] == ["hero", "night"]
    props = destination.find_one(SYSTEM, "Asset", [["code", "is", "asset0"]], ["sg_props"])
    assert [a["name"] for a in props["sg_props"]] == ["asset3", "asset1"]  # asset2 is retired
    assert destination.find(SYSTEM, "Shot", [["code", "is", "SQ010_0005"]], retired_only=True)
    # the calculated field's definition came over and computes the same here
    label = destination.find_one(SYSTEM, "Shot", [["code", "is", "SQ010_0001"]], ["sg_label"])
    assert label["sg_label"] == "SQ010_0001 / SQ010"
    # the custom slot the source uses is enabled here with its name; its records and links came
    assert destination.schema_entity_read(SYSTEM)["CustomEntity07"]["name"]["value"] == "Season"
    assert "CustomEntity07" in report.schema.enabled_types
    plan = destination.find_one(SYSTEM, "Task", [["content", "is", "plan"]], ["entity"])
    assert plan["entity"]["type"] == "CustomEntity07" and plan["entity"]["name"] == "S01"
    assert destination.find(SYSTEM, "CustomEntity07", [], retired_only=True)
    field = destination.schema_field_read(SYSTEM, "Shot", "sg_frames")["sg_frames"]
    assert field["description"]["value"] == "frame count"
    # the uploaded file's bytes and the thumbnail are the destination's own
    version = destination.find_one(SYSTEM, "Version", [], ["sg_uploaded_movie"])
    attachment_id = version["sg_uploaded_movie"]["id"]
    copied = destination.files.storage.attachment_path(attachment_id).read_bytes()
    movie = sg.find_one("Version", [], ["sg_uploaded_movie"])["sg_uploaded_movie"]
    assert copied == sg.download_attachment(movie)
    image = destination.find_one(SYSTEM, "Shot", [["code", "is", "SQ010_0001"]], ["image"])
    assert image["image"].startswith("http") and "/thumbnail/" in image["image"]
    # scripts get new keys in a private file; they log in with them
    assert keys.stat().st_mode & 0o777 == 0o600
    lines = [line.split("\t") for line in keys.read_text().splitlines() if not line.startswith("#")]
    assert "pipeline tool" in {name for _, name, _ in lines}
    assert report.people_without_password >= 2
    checked = verify(destination, reader, ["Shot", "Asset", "Version"])
    assert checked.differences == []
    # later creates take ids above the copied ones
    highest = max(
        s["id"]
        for s in sg.find("Shot", [], retired_only=False) + sg.find("Shot", [], retired_only=True)
    )
    assert destination.create(SYSTEM, "Shot", {"code": "new"})["id"] > highest
    reader.close()


def test_import_into_a_site_that_is_not_new_is_refused_with_nothing_written(
    source: LiveServer, destination: Site
) -> None:
    destination.create(SYSTEM, "Shot", {"code": "local work"})
    before = destination.find(SYSTEM, "Shot", [], ["code"])
    with pytest.raises(TransferFault, match="not new"):
        Importer(destination, _source(source)).run()
    assert destination.find(SYSTEM, "Shot", [], ["code"]) == before


def test_import_with_wrong_credentials_or_url_names_the_problem(source: LiveServer) -> None:
    with pytest.raises(TransferFault, match="refused the credentials"):
        ApiSource(source.base_url, script="e2e tests", key="wrong")
    with pytest.raises(TransferFault, match="Cannot reach"):
        ApiSource("http://127.0.0.1:9", script="x", key="y")
    with pytest.raises(TransferFault, match="http"):
        ApiSource("ftp://example.com", script="x", key="y")


def test_schema_only_copies_fields_and_no_records(source: LiveServer, destination: Site) -> None:
    Importer(destination, _source(source), ImportOptions(schema_only=True)).run()
    assert "sg_grade" in destination.schema.entity("Shot").fields
    grade = destination.schema.field("Shot", "sg_grade")
    assert list(grade.valid_values) == ["a", "b", "c"]
    assert destination.find(SYSTEM, "Shot", []) == []


def test_thumbnails_served_elsewhere_become_the_destinations_own(
    source: LiveServer, destination: Site, tmp_path: Path
) -> None:
    import functools
    import http.server
    import threading

    from PIL import Image

    cdn = tmp_path / "cdn"
    cdn.mkdir()
    Image.new("RGB", (32, 24), "orange").save(cdn / "pic.png")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(cdn))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/pic.png?signature=abc"
    try:
        # as a copy from ShotGrid leaves it: the value is the cloud storage's URL
        destination.insert_with_ids("Shot", [{"id": 77, "code": "cdn", "image": url}])
        reader = _source(source)
        importer = Importer(destination, reader)
        importer._fetch_external_thumbnails()
        reader.close()
    finally:
        server.shutdown()
        server.server_close()
    image = destination.find_one(SYSTEM, "Shot", [["id", "is", 77]], ["image"])["image"]
    assert (
        "127.0.0.1:8000" in image or "/images/status/transient/" in image or "/thumbnail/" in image
    )
    assert str(server.server_address[1]) not in image
    attachment = destination.find_one(
        SYSTEM, "Attachment", [], ["filename"], order=[{"field_name": "id", "direction": "desc"}]
    )
    assert attachment["filename"] == "pic.png"
    stored = destination.files.storage.attachment_path(attachment["id"]).read_bytes()
    assert stored == (cdn / "pic.png").read_bytes()
    assert importer.report.types["Shot"].files == 1
