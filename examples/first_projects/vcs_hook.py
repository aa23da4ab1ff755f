#!/usr/bin/env python3
"""Record commits as Revisions, linked to the Tickets their messages name.

One script for three hooks:

    vcs_hook.py --config FILE git-post-commit [COMMIT ...]   # .git/hooks/post-commit (HEAD)
    vcs_hook.py --config FILE git-post-receive               # hooks/post-receive of a server
    vcs_hook.py --config FILE svn-post-commit REPOS REV      # SVN's hooks/post-commit

For each commit it creates a Revision: `code` the commit id (git's hash, SVN's revision number),
`description` the message, `sg_branch` the branch, `created_by` the author (the person whose email
or login matches the commit's author), `project` from the config file, and `tickets` the Tickets
the message names: "fixes #123", "refs #45", "closes #7, #8". Each of those Tickets gets a Reply
saying which commit fixed or referenced it.

Nothing half-written: the author and every Ticket are looked up first; when one is missing the
commit is refused with a message and nothing is created. The Revision and its Replies are then
created in one `batch`, which the server runs in one transaction: all or nothing. A commit that
already has a Revision in the Project is skipped, so running the hook again is safe (e.g. after
creating the missing person: `vcs_hook.py --config FILE git-post-commit COMMIT`).

The config file (INI) names the Project, and may hold the credentials too, since hooks run with
little or no environment (SVN gives them none):

    [callsheet]
    project = Pipeline Tools
    server = http://127.0.0.1:8000
    script = vcs-hook
    key = <the key from `callsheet script create vcs-hook`>

Credentials: --server URL --script NAME --key KEY, else SG_SERVER, SG_SCRIPT_NAME and
SG_SCRIPT_KEY, else the config file.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import shotgun_api3

# "fixes #12", "Closes #3, #4 and #5", "refs: #45": a verb, then one or more Ticket ids.
TICKET_REFERENCE = re.compile(
    r"\b(?P<verb>fix(?:e[sd])?|close[sd]?|resolve[sd]?|refs?|references?|see)\b:?\s*"
    r"(?P<ids>#\d+(?:(?:\s*,\s*|\s+and\s+|\s+)#\d+)*)",
    re.IGNORECASE,
)
FIXING_VERBS = ("fix", "close", "resolve")
NO_COMMIT = "0" * 40  # git's id for "no commit" on post-receive's stdin (a new or deleted branch)


class Problem(Exception):
    """An expected error: printed as one line, exit code 1 (no traceback)."""


@dataclass
class Commit:
    """One commit, whatever the version control system."""

    id: str
    author: str  # git: the author's name; SVN: the committer's user name
    email: str  # git: the author's email; SVN: ""
    message: str
    branch: str | None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_config = os.environ.get("CALLSHEET_VCS_CONFIG", str(Path(__file__).with_suffix(".ini")))
    parser.add_argument("--config", default=default_config, help="the INI file (see above)")
    parser.add_argument("--server", default=os.environ.get("SG_SERVER"), help="$SG_SERVER")
    parser.add_argument(
        "--script", default=os.environ.get("SG_SCRIPT_NAME"), help="$SG_SCRIPT_NAME"
    )
    parser.add_argument("--key", default=os.environ.get("SG_SCRIPT_KEY"), help="$SG_SCRIPT_KEY")
    hooks = parser.add_subparsers(dest="hook", required=True)
    commit = hooks.add_parser("git-post-commit", help="the commits given (default HEAD)")
    commit.add_argument("commits", nargs="*", default=["HEAD"], help="commit ids or names")
    hooks.add_parser("git-post-receive", help='reads "<old> <new> <ref>" lines on stdin')
    svn = hooks.add_parser("svn-post-commit", help="SVN passes REPOS REV [TXN-NAME]")
    svn.add_argument("repository")
    svn.add_argument("revision")
    svn.add_argument("transaction", nargs="?", help="ignored (SVN 1.8+ passes it)")
    svn.add_argument("--svnlook", default="svnlook", help="the svnlook command")
    return parser.parse_args(argv)


def read_config(args: argparse.Namespace) -> dict[str, str]:
    """The [callsheet] section; the flags and the environment win over it."""
    parser = configparser.ConfigParser()
    if not parser.read(args.config):
        raise Problem(f"no config file {args.config} (it names the Project; see --help)")
    if not parser.has_section("callsheet"):
        raise Problem(f"{args.config} has no [callsheet] section")
    config = dict(parser["callsheet"])
    for name in ("server", "script", "key"):
        config[name] = getattr(args, name) or config.get(name, "")
    if not config.get("project"):
        raise Problem(f"{args.config} names no project (project = NAME under [callsheet])")
    return config


def connect(config: dict[str, str]) -> shotgun_api3.Shotgun:
    """The official client, logged in as the script (the constructor already calls the server)."""
    missing = [name for name in ("server", "script", "key") if not config[name]]
    if missing:
        raise Problem(f"no {', '.join(missing)}: give --{missing[0]}, SG_* variables or the config")
    try:
        return shotgun_api3.Shotgun(config["server"], config["script"], config["key"])
    except ValueError as error:  # not an http(s) URL
        raise Problem(str(error)) from None


def run(*command: str, stdin: str | None = None) -> str:
    """The output of a git or svnlook command; its error message if it fails."""
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    except FileNotFoundError:
        raise Problem(f"{command[0]} is not installed (or not on the hook's PATH)") from None
    if done.returncode != 0:
        raise Problem(f"{' '.join(command)} failed: {done.stderr.strip()}")
    return done.stdout


# -- reading commits ---------------------------------------------------------------------------


def git_commit(name: str, branch: str | None) -> Commit:
    # fields separated by NUL bytes, which cannot appear in a commit's text
    text = run("git", "show", "--no-patch", "--format=%H%x00%an%x00%ae%x00%B", name)
    commit_id, author, email, message = text.split("\0", 3)
    return Commit(commit_id, author, email, message.strip(), branch)


def git_post_commit(names: list[str]) -> list[Commit]:
    # the branch checked out; none when HEAD is detached (e.g. during a rebase)
    try:
        branch = run("git", "symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except Problem:
        branch = None
    return [git_commit(name, branch) for name in names]


def git_post_receive(lines: str) -> list[Commit]:
    """The commits each pushed branch gained, oldest first (git passes old, new and ref)."""
    commits = []
    for line in lines.splitlines():
        if len(line.split()) != 3:
            raise Problem(f'post-receive expects "<old> <new> <ref>" lines on stdin, got {line!r}')
        old, new, ref = line.split()
        if new == NO_COMMIT or not ref.startswith("refs/heads/"):
            continue  # a deleted branch, or a tag: no new commits to record
        if old == NO_COMMIT:  # a new branch: what no other branch already has
            others = run("git", "for-each-ref", "--format=%(refname)", "refs/heads/").split()
            span = [new, "--not", *[other for other in others if other != ref]]
        else:
            span = [f"{old}..{new}"]
        for commit_id in run("git", "rev-list", "--reverse", *span).split():
            commits.append(git_commit(commit_id, ref.removeprefix("refs/heads/")))
    return commits


def svn_post_commit(svnlook: str, repository: str, revision: str) -> list[Commit]:
    def look(what: str) -> str:
        return run(svnlook, what, "-r", revision, repository)

    # the usual layout: trunk/..., branches/NAME/..., tags/NAME/...
    branches = set()
    for folder in look("dirs-changed").splitlines():
        parts = folder.strip("/").split("/")
        if parts[0] == "trunk":
            branches.add("trunk")
        elif parts[0] in ("branches", "tags") and len(parts) > 1:
            branches.add(parts[1])
    branch = ", ".join(sorted(branches)) or None
    return [Commit(revision, look("author").strip(), "", look("log").strip(), branch)]


# -- recording them ----------------------------------------------------------------------------


def ticket_references(message: str) -> dict[int, str]:
    """Ticket id -> "fixed" or "referenced", in the order the message names them."""
    found: dict[int, str] = {}
    for match in TICKET_REFERENCE.finditer(message):
        fixing = match["verb"].lower().startswith(FIXING_VERBS)
        for number in re.findall(r"\d+", match["ids"]):
            if fixing or int(number) not in found:
                found[int(number)] = "fixed" if fixing else "referenced"
    return found


def find_author(sg: shotgun_api3.Shotgun, commit: Commit) -> dict:
    """The one person whose email or login matches the commit's author."""
    names = [commit.email, commit.author] if commit.email else [commit.author]
    conditions = [[field, "is", name] for name in names for field in ("email", "login")]
    people = sg.find(
        "HumanUser", [{"filter_operator": "any", "filters": conditions}], ["login", "email"]
    )
    by_email = [
        p for p in people if commit.email and (p["email"] or "").lower() == commit.email.lower()
    ]
    if len(people) == 1 or len(by_email) == 1:
        return (by_email or people)[0]
    who = f"{commit.author} <{commit.email}>" if commit.email else commit.author
    if not people:
        raise Problem(f"commit {commit.id[:12]}: no person has the login or email of {who}")
    logins = ", ".join(p["login"] for p in people)
    raise Problem(f"commit {commit.id[:12]}: {who} matches several people ({logins})")


def record(sg: shotgun_api3.Shotgun, project: dict, commit: Commit) -> str:
    """Create the commit's Revision and Replies (one batch); what happened, in a few words."""
    existing = sg.find_one("Revision", [["project", "is", project], ["code", "is", commit.id]])
    if existing:
        return f"already recorded as Revision {existing['id']}"
    author = find_author(sg, commit)
    references = ticket_references(commit.message)
    tickets = sg.find("Ticket", [["id", "in", list(references)]], ["title"]) if references else []
    missing = sorted(set(references) - {ticket["id"] for ticket in tickets})
    if missing:
        numbers = ", ".join(f"#{number}" for number in missing)
        raise Problem(f"commit {commit.id[:12]} names Ticket {numbers}, which does not exist")
    revision = {
        "project": project,
        "code": commit.id,
        "description": commit.message,
        "sg_branch": commit.branch,
        "created_by": author,
        "tickets": tickets,
    }
    requests = [{"request_type": "create", "entity_type": "Revision", "data": revision}]
    on_branch = f" on {commit.branch}" if commit.branch else ""
    for ticket in tickets:
        content = (
            f"{references[ticket['id']].capitalize()} in revision {commit.id[:12]}{on_branch}"
            f" by {commit.author}:\n\n{commit.message}"
        )
        reply = {"entity": ticket, "content": content, "user": author}
        requests.append({"request_type": "create", "entity_type": "Reply", "data": reply})
    created = sg.batch(requests)  # one transaction: the Revision and every Reply, or nothing
    linked = ", ".join(f"#{ticket['id']}" for ticket in tickets)
    return f"Revision {created[0]['id']}" + (f", Tickets {linked}" if tickets else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config: dict[str, str] = {}
    failed = False
    try:
        config = read_config(args)
        if args.hook == "git-post-commit":
            commits = git_post_commit(args.commits)
        elif args.hook == "git-post-receive":
            commits = git_post_receive(sys.stdin.read())
        else:
            commits = svn_post_commit(args.svnlook, args.repository, args.revision)
        sg = connect(config)
        project = sg.find_one("Project", [["name", "is", config["project"]]])
        if project is None:
            raise Problem(f'no Project named "{config["project"]}" (from {args.config})')
        for commit in commits:  # each commit whole or not at all; one failing stops no other
            try:
                print(f"vcs_hook: {commit.id[:12]}: {record(sg, project, commit)}")
            except Problem as problem:
                print(f"vcs_hook: {problem}; nothing recorded for it", file=sys.stderr)
                failed = True
    except Problem as problem:
        print(f"vcs_hook: {problem}", file=sys.stderr)
        return 1
    except shotgun_api3.AuthenticationFault:
        print("vcs_hook: the server refused the script name or key", file=sys.stderr)
        return 1
    except shotgun_api3.Fault as fault:  # the server said no (permissions, a bad value ...)
        print(f"vcs_hook: the server refused: {fault}", file=sys.stderr)
        return 1
    except (OSError, shotgun_api3.lib.httplib2.HttpLib2Error) as error:
        print(f"vcs_hook: cannot reach {config.get('server')}: {error}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
