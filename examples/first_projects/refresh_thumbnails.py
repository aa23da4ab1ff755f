#!/usr/bin/env python3
"""Keep every Shot's thumbnail current: set it from the Shot's newest Version's thumbnail.

    refresh_thumbnails.py [--project "First Film"] [--dry-run]

A Shot is refreshed when it has no thumbnail, or when its thumbnail is older than the thumbnail
of its newest Version (the Version linked to the Shot that was created last and has a thumbnail).
The new thumbnail is shared from that Version (`share_thumbnail`), not uploaded again.

How old is a thumbnail? The API returns a thumbnail as a URL, which says nothing about when it was
set, and `updated_at` changes with every field. But every thumbnail upload or share writes an
EventLogEntry on its entity with `attribute_name` "image", and event ids only ever increase. So a
thumbnail's age is the id of the newest such event: the Shot's thumbnail is older than the
Version's when its event id is lower. A thumbnail someone uploaded to the Shot after the Version's
is newer, and is kept. (A thumbnail with no event at all, e.g. older than the event log, counts as
oldest.) Running the script twice changes nothing the second time: the share is the newest event.

A Version whose thumbnail is still being made (the server's placeholder image) is skipped; run the
script again a little later.

Credentials: --server URL --script NAME --key KEY, else SG_SERVER, SG_SCRIPT_NAME and
SG_SCRIPT_KEY (a script key from `callsheet script create NAME`).
"""

from __future__ import annotations

import argparse
import os
import sys

import shotgun_api3

# The placeholder an image field holds while its thumbnail is made (ShotGrid and Callsheet).
TRANSIENT = "/images/status/transient/"
NEWEST_FIRST = [
    {"field_name": "created_at", "direction": "desc"},
    {"field_name": "id", "direction": "desc"},  # created in the same second: higher id is newer
]


class Problem(Exception):
    """An expected error: printed as one line, exit code 1 (no traceback)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", help="only the Shots of this Project (its name)")
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would change, change nothing"
    )
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


def thumbnail_ages(sg: shotgun_api3.Shotgun, entities: list[dict]) -> dict[tuple, int]:
    """(type, id) -> the id of the newest event that set the entity's thumbnail."""
    ages: dict[tuple, int] = {}
    if not entities:
        return ages
    events = sg.find(
        "EventLogEntry",
        [["attribute_name", "is", "image"], ["entity", "in", entities]],
        ["entity"],
        order=[{"field_name": "id", "direction": "desc"}],
    )
    for event in events:
        entity = event["entity"]
        ages.setdefault((entity["type"], entity["id"]), event["id"])
    return ages


def plan(sg: shotgun_api3.Shotgun, project: dict | None) -> tuple[list, list[str]]:
    """The (Shot, Version, reason) pairs to refresh, and notes about Shots left alone."""
    in_project = [["project", "is", project]] if project else []
    shots = sg.find("Shot", in_project, ["code", "image"], order=[{"field_name": "code"}])
    versions = sg.find(
        "Version",
        [*in_project, ["entity", "type_is", "Shot"], ["image", "is_not", None]],
        ["code", "entity", "image"],
        order=NEWEST_FIRST,
    )
    newest: dict[int, dict] = {}
    for version in versions:  # newest first, so the first one seen per Shot is its newest
        newest.setdefault(version["entity"]["id"], version)
    candidates = [(shot, newest[shot["id"]]) for shot in shots if shot["id"] in newest]
    ages = thumbnail_ages(sg, [entity for pair in candidates for entity in pair])

    def age(entity: dict) -> int:
        return ages.get((entity["type"], entity["id"]), 0)

    todo, notes = [], []
    for shot, version in candidates:
        if TRANSIENT in version["image"]:
            notes.append(f"{shot['code']}: Version {version['code']}'s thumbnail is not ready yet")
        elif shot["image"] is None:
            todo.append((shot, version, "had none"))
        elif age(shot) < age(version):
            todo.append((shot, version, "was older"))
    return todo, notes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        sg = connect(args)
        project = None
        if args.project:
            project = sg.find_one("Project", [["name", "is", args.project]])
            if project is None:
                raise Problem(f'no Project named "{args.project}"')
        todo, notes = plan(sg, project)
        refreshed = 0
        for shot, version, reason in todo:
            if not args.dry_run:
                try:
                    sg.share_thumbnail([shot], source_entity=version)
                except shotgun_api3.ShotgunThumbnailNotReady:  # it was replaced meanwhile
                    notes.append(
                        f"{shot['code']}: Version {version['code']}'s thumbnail is not ready"
                    )
                    continue
            refreshed += 1
            would = "would be set" if args.dry_run else "set"
            print(f"{shot['code']}: thumbnail {would} from Version {version['code']} (it {reason})")
    except Problem as problem:
        print(f"refresh_thumbnails: {problem}", file=sys.stderr)
        return 1
    except shotgun_api3.AuthenticationFault:
        print("refresh_thumbnails: the server refused the script name or key", file=sys.stderr)
        return 1
    except shotgun_api3.Fault as fault:  # the server said no (permissions, a bad value ...)
        print(f"refresh_thumbnails: the server refused: {fault}", file=sys.stderr)
        return 1
    except (OSError, shotgun_api3.lib.httplib2.HttpLib2Error) as error:
        print(f"refresh_thumbnails: cannot reach {args.server}: {error}", file=sys.stderr)
        return 1
    for note in notes:
        print(note)
    print(f"{refreshed} Shot thumbnail(s) {'to refresh' if args.dry_run else 'refreshed'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
