"""A files folder belongs to one site: files are named by Attachment id, and every site numbers
its Attachments from 1, so another site's folder would hand its files out as this site's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shotgun_api3
from click.testing import CliRunner

from callsheet import client
from callsheet.cli import main
from callsheet.files import FileRoom
from callsheet.files.storage import SITE_IDENTITY_FILE, FilesOfAnotherSiteFault
from callsheet.site.site import Site


@pytest.fixture
def two_sites(tmp_path: Path, sqlite_template: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    shutil.copy(sqlite_template, first)
    shutil.copy(sqlite_template, second)
    return first, second


def test_a_folder_used_by_one_site_is_refused_to_another(
    two_sites: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    first, second = (Site.open(str(path)) for path in two_sites)
    try:
        first.use_files(FileRoom(folder))
        with pytest.raises(FilesOfAnotherSiteFault, match="belongs to another Callsheet site"):
            second.use_files(FileRoom(folder))
        assert second.files is None  # nothing of the refused folder is used
        assert first.store.site_identity() != second.store.site_identity()
    finally:
        first.close()
        second.close()


def test_the_same_database_and_its_copies_keep_their_folder(
    two_sites: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    original = Site.open(str(two_sites[0]))
    try:
        original.use_files(FileRoom(folder))
        identity = original.store.site_identity()
    finally:
        original.close()
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(two_sites[0], restored)  # a backup brought back is the same site
    for path in (two_sites[0], restored):
        site = Site.open(str(path))
        try:
            site.use_files(FileRoom(folder))
            assert site.store.site_identity() == identity
        finally:
            site.close()


def test_a_folder_from_before_the_mark_is_adopted(
    two_sites: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    (folder / "attachments").mkdir(parents=True)
    (folder / "attachments" / "1").write_bytes(b"kept")
    site = Site.open(str(two_sites[0]))
    try:
        site.use_files(FileRoom(folder))
        assert (folder / SITE_IDENTITY_FILE).read_text().strip() == site.store.site_identity()
        assert (folder / "attachments" / "1").read_bytes() == b"kept"
    finally:
        site.close()


def test_connect_refuses_another_sites_files_with_the_clients_fault(
    two_sites: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    client.connect(str(two_sites[0]), files_dir=folder).close()
    with pytest.raises(shotgun_api3.Fault, match="belongs to another Callsheet site"):
        client.connect(str(two_sites[1]), files_dir=folder)


def test_serve_refuses_a_data_folder_whose_files_are_another_sites(
    two_sites: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(two_sites[0], data / "callsheet.sqlite3")
    client.connect(str(data / "callsheet.sqlite3")).close()  # its files folder: data/files

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server must not start")

    monkeypatch.setattr("uvicorn.run", never)
    other = f"sqlite:///{two_sites[1]}"
    result = CliRunner().invoke(main, ["serve", "--data", str(data), "--database", other])
    assert result.exit_code == 1, result.output
    assert "belongs to another Callsheet site" in result.output
    assert "Traceback" not in result.output
