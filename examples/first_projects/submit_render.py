#!/usr/bin/env python3
"""Submit a render for review: a Version on the Shot, with its media and thumbnail.

    submit_render.py renders/SH010_comp_v001.mov --shot SH010 --project "First Film"
    submit_render.py "renders/SH010_comp_v002.####.png" --shot SH010 --project "First Film" \\
        --task comp --description "smoke is softer"

PATH is a movie, or an image sequence written with #### or %04d for the frame number (a single
image also works). The script creates a Version linked to the Shot (and to its Task with --task),
uploads the movie or the sequence's first frame to the Version's `sg_uploaded_movie`, sets the
Version's thumbnail, and prints the Version's page URL on its last line.

Nothing half-written: everything that can be checked first is (the file, the thumbnail image,
the Project, the Shot, the Task) before anything is created. The uploads need the Version to
exist, so they come after it; if one fails, the Version and what was already uploaded to it are
deleted again, so no Version is left without its media.

The thumbnail is the first frame when that is a JPEG, PNG, TIFF, GIF or BMP; for a movie (or an
EXR or DPX frame) FFmpeg takes the first frame (`ffmpeg` on the PATH), or give --thumbnail IMAGE.

Credentials: --server URL --script NAME --key KEY, else SG_SERVER, SG_SCRIPT_NAME and
SG_SCRIPT_KEY (a script key from `callsheet script create NAME`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import shotgun_api3

MOVIE_SUFFIXES = {".mov", ".mp4", ".m4v", ".avi", ".mkv", ".webm", ".mxf"}
THUMBNAIL_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp"}
# "shot.####.exr" or "shot.%04d.exr": where the frame number goes in a sequence's file names.
FRAME_PLACEHOLDER = re.compile(r"#+|%0?\d*d")


class Problem(Exception):
    """An expected error: printed as one line, exit code 1 (no traceback)."""


@dataclass
class Render:
    """What is on disk: the file to upload (the movie or first frame) and the Version's fields."""

    upload: Path
    fields: dict


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", help="a movie, or an image sequence (shot.####.exr)")
    parser.add_argument("--shot", required=True, help="the Shot's code")
    parser.add_argument("--project", required=True, help="the Project's name")
    parser.add_argument("--task", help="the name of the Shot's Task (its content), e.g. comp")
    parser.add_argument("--code", help="the Version's name (default: from the file name)")
    parser.add_argument("--description", help="what to look at in this render")
    parser.add_argument("--thumbnail", help="an image to use as the thumbnail")
    parser.add_argument("--server", default=os.environ.get("SG_SERVER"), help="$SG_SERVER")
    parser.add_argument(
        "--script", default=os.environ.get("SG_SCRIPT_NAME"), help="$SG_SCRIPT_NAME"
    )
    parser.add_argument("--key", default=os.environ.get("SG_SCRIPT_KEY"), help="$SG_SCRIPT_KEY")
    return parser.parse_args(argv)


def connect(args: argparse.Namespace) -> shotgun_api3.Shotgun:
    """The official client, logged in as the script (the constructor already calls the server)."""
    missing = [f"--{name}" for name in ("server", "script", "key") if not getattr(args, name)]
    if missing:
        raise Problem(f"missing {', '.join(missing)} (or SG_SERVER, SG_SCRIPT_NAME, SG_SCRIPT_KEY)")
    try:
        return shotgun_api3.Shotgun(args.server, args.script, args.key)
    except ValueError as error:  # not an http(s) URL
        raise Problem(str(error)) from None


def find_render(path_text: str, code: str | None) -> Render:
    """Look at the movie or sequence on disk; refuse what cannot be submitted."""
    path = Path(path_text).expanduser().absolute()
    if FRAME_PLACEHOLDER.search(path.name):
        # the frames on disk: "shot.####.exr" matches shot.1001.exr, shot.1002.exr ...
        before, after = FRAME_PLACEHOLDER.split(path.name, maxsplit=1)
        frame_name = re.compile(re.escape(before) + r"(\d+)" + re.escape(after))
        parent = path.parent if path.parent.is_dir() else None
        found = [(frame_name.fullmatch(p.name), p) for p in (parent.iterdir() if parent else [])]
        frames = {int(match[1]): p for match, p in found if match}
        if not frames:
            raise Problem(f"no frames match {path}")
        first, last = min(frames), max(frames)
        name = before.rstrip("._-") or path.stem
        fields = {
            "sg_path_to_frames": str(path),
            "sg_first_frame": first,
            "sg_last_frame": last,
            "frame_count": len(frames),
            "frame_range": f"{first}-{last}",
        }
        upload = frames[first]
    elif path.is_file():
        upload, name = path, path.stem
        is_movie = path.suffix.lower() in MOVIE_SUFFIXES
        fields = {"sg_path_to_movie" if is_movie else "sg_path_to_frames": str(path)}
    else:
        raise Problem(f"{path} does not exist")
    return Render(upload, {"code": code or name, **fields})


def make_thumbnail(render: Render, given: str | None, folder: Path) -> Path:
    """An image the server can read: --thumbnail, the first frame, or a frame from FFmpeg."""
    if given:
        if not Path(given).is_file():
            raise Problem(f"the thumbnail {given} does not exist")
        return Path(given)
    source = render.upload
    if source.suffix.lower() in THUMBNAIL_SUFFIXES:
        return source
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise Problem(
            f"cannot make a thumbnail of {source.name}: install FFmpeg or give --thumbnail"
        )
    thumbnail = folder / "thumbnail.jpg"
    command = [ffmpeg, "-loglevel", "error", "-y", "-i", str(source), "-frames:v", "1"]
    result = subprocess.run([*command, str(thumbnail)], capture_output=True, text=True)
    if result.returncode != 0 or not thumbnail.is_file():
        raise Problem(f"FFmpeg could not read a frame of {source}: {result.stderr.strip()}")
    return thumbnail


def find_links(sg: shotgun_api3.Shotgun, args: argparse.Namespace) -> dict:
    """The Project, Shot and Task the Version links to; a Problem names what is missing."""
    project = sg.find_one("Project", [["name", "is", args.project]])
    if project is None:
        raise Problem(f'no Project named "{args.project}"')
    shot = sg.find_one("Shot", [["project", "is", project], ["code", "is", args.shot]], ["code"])
    if shot is None:
        known = [row["code"] for row in sg.find("Shot", [["project", "is", project]], ["code"])]
        raise Problem(
            f'no Shot "{args.shot}" in "{args.project}" (its Shots: {", ".join(known) or "none"})'
        )
    links = {"project": project, "entity": shot}
    if args.task:
        tasks = sg.find("Task", [["entity", "is", shot], ["content", "is", args.task]])
        if len(tasks) != 1:
            names = [
                row["content"] for row in sg.find("Task", [["entity", "is", shot]], ["content"])
            ]
            found = "no" if not tasks else f"{len(tasks)}"
            raise Problem(
                f'{found} Task "{args.task}" on Shot {args.shot} (its Tasks: '
                f"{', '.join(names) or 'none'})"
            )
        links["sg_task"] = tasks[0]
    return links


def submit(sg: shotgun_api3.Shotgun, fields: dict, upload: Path, thumbnail: Path) -> dict:
    """Create the Version and upload its media; on failure delete what was made, then re-raise."""
    version = sg.create("Version", fields)
    attachments = []
    try:
        attachments.append(
            sg.upload("Version", version["id"], str(upload), field_name="sg_uploaded_movie")
        )
        attachments.append(sg.upload_thumbnail("Version", version["id"], str(thumbnail)))
    except BaseException:  # also Ctrl-C: never leave a Version without its media
        try:
            for attachment_id in attachments:
                sg.delete("Attachment", attachment_id)
            sg.delete("Version", version["id"])
        except Exception:
            print(f"submit_render: delete Version {version['id']} by hand", file=sys.stderr)
        raise
    return version


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        render = find_render(args.path, args.code)
        with tempfile.TemporaryDirectory() as folder:
            thumbnail = make_thumbnail(render, args.thumbnail, Path(folder))
            sg = connect(args)
            links = find_links(sg, args)
            fields = {**render.fields, **links, "sg_status_list": "rev"}  # rev: pending review
            if args.description:
                fields["description"] = args.description
            try:
                version = submit(sg, fields, render.upload, thumbnail)
            except shotgun_api3.ShotgunError as error:
                reason = (str(error).strip().splitlines() or ["?"])[-1]  # the server's words
                raise Problem(
                    f"the upload failed (the Version was deleted again): {reason}"
                ) from None
    except Problem as problem:
        print(f"submit_render: {problem}", file=sys.stderr)
        return 1
    except shotgun_api3.AuthenticationFault:
        print("submit_render: the server refused the script name or key", file=sys.stderr)
        return 1
    except shotgun_api3.Fault as fault:  # the server said no (permissions, a bad value ...)
        print(f"submit_render: the server refused: {fault}", file=sys.stderr)
        return 1
    except (OSError, shotgun_api3.lib.httplib2.HttpLib2Error) as error:
        print(f"submit_render: cannot reach {args.server}: {error}", file=sys.stderr)
        return 1
    shot, task = links["entity"], links.get("sg_task")
    on_task = f", Task {args.task}" if task else ""
    print(f"Created Version {fields['code']} for Shot {shot['code']}{on_task}:")
    print(f"{args.server.rstrip('/')}/detail/Version/{version['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
