"""examples/first_projects/vcs_hook.py end to end: real git repositories in a temporary folder
(the hook installed as post-commit and post-receive), and SVN's post-commit with a stand-in
`svnlook` answering the questions svnlook is asked (`svnlook author -r REV REPOS` ...)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from example_runs import EXAMPLES, Run, refused, require_programs
from live_server import SCRIPT_KEY, SCRIPT_NAME

REPLY_FIELDS = ["content", "user", "entity"]


@pytest.fixture(autouse=True)
def needs_git() -> None:
    require_programs("git")


@pytest.fixture(scope="module")
def world(sg) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    project = sg.create("Project", {"name": "Hook Tools"})
    jane = sg.create(
        "HumanUser", {"login": "jane", "name": "Jane Doe", "email": "Jane.Doe@example.com"}
    )
    sam = sg.create("HumanUser", {"login": "sam", "name": "Sam Svn", "email": "sam@example.com"})
    tickets = [sg.create("Ticket", {"title": f"ticket {n}", "project": project}) for n in range(4)]
    return {"project": project, "jane": jane, "sam": sam, "tickets": tickets}


@pytest.fixture
def config(live, tmp_path: Path) -> Path:
    """The hook's config file, with the credentials (hooks get little environment)."""
    path = tmp_path / "vcs_hook.ini"
    path.write_text(
        f"[callsheet]\nproject = Hook Tools\nserver = {live.base_url}\n"
        f"script = {SCRIPT_NAME}\nkey = {SCRIPT_KEY}\n"
    )
    return path


def git_environment() -> dict[str, str]:
    """No SG_* credentials (the config has them) and no user-wide git settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SG_", "GIT_"))}
    return env | {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=folder, env=git_environment(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def install_hook(hooks: Path, name: str, config: Path, hook: str) -> None:
    """hooks/<name>: a two-line shell script running vcs_hook.py, as the guide shows."""
    command = [sys.executable, str(EXAMPLES / "vcs_hook.py"), "--config", str(config), hook]
    (hooks / name).write_text(f"#!/bin/sh\nexec {shlex.join(command)}\n")
    (hooks / name).chmod(0o755)


@pytest.fixture
def repo(tmp_path: Path, config: Path) -> Path:
    """A git work tree whose post-commit hook is vcs_hook.py; commits by Jane (email differs in
    case from hers in Callsheet: emails match regardless of case)."""
    folder = tmp_path / "work"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Jane Q Doe")
    git(folder, "config", "user.email", "jane.doe@EXAMPLE.com")
    install_hook(folder / ".git" / "hooks", "post-commit", config, "git-post-commit")
    return folder


def commit(folder: Path, message: str, email: str | None = None) -> tuple[str, str]:
    """Commit a change; the commit's id and what the hook printed."""
    (folder / "file.txt").write_text(message)
    git(folder, "add", "file.txt")
    identity = ["-c", f"user.email={email}"] if email else []
    output = git(folder, *identity, "commit", "-q", "-m", message)
    return git(folder, "rev-parse", "HEAD").strip(), output


def revision(sg, code: str) -> dict | None:  # type: ignore[no-untyped-def]
    fields = ["code", "description", "sg_branch", "created_by", "project", "tickets"]
    return sg.find_one("Revision", [["code", "is", code]], fields)


def replies(sg, ticket: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    return sg.find("Reply", [["entity", "is", ticket]], REPLY_FIELDS, order=[{"field_name": "id"}])


def test_git_post_commit_records_revision_links_tickets_and_replies(
    sg, world: dict, repo: Path
) -> None:
    fixed, referenced, untouched = world["tickets"][:3]
    message = f"Make thumbnails current\n\nFixes #{fixed['id']}, refs #{referenced['id']}"
    commit_id, output = commit(repo, message)
    made = revision(sg, commit_id)
    assert made is not None, output
    assert f"vcs_hook: {commit_id[:12]}: Revision {made['id']}" in output
    assert made["description"] == message
    assert made["sg_branch"] == "main"
    assert made["created_by"]["id"] == world["jane"]["id"]
    assert made["project"]["id"] == world["project"]["id"]
    assert {t["id"] for t in made["tickets"]} == {fixed["id"], referenced["id"]}
    (fix_reply,) = replies(sg, fixed)
    (ref_reply,) = replies(sg, referenced)
    assert fix_reply["content"].startswith(f"Fixed in revision {commit_id[:12]} on main")
    assert ref_reply["content"].startswith(f"Referenced in revision {commit_id[:12]} on main")
    assert message in fix_reply["content"]
    assert fix_reply["user"]["id"] == world["jane"]["id"]
    assert replies(sg, untouched) == []
    tickets = sg.find_one("Ticket", [["id", "is", fixed["id"]]], ["revisions"])
    assert [r["id"] for r in tickets["revisions"]] == [made["id"]]


def test_git_hook_again_for_the_same_commit_records_nothing_more(
    sg, world: dict, repo: Path, config: Path, run: Run
) -> None:
    ticket = world["tickets"][3]
    commit_id, _ = commit(repo, f"closes #{ticket['id']}")
    again = run("vcs_hook.py", "--config", str(config), "git-post-commit", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert "already recorded" in again.stdout
    assert len(sg.find("Revision", [["code", "is", commit_id]])) == 1
    assert len(replies(sg, ticket)) == 1


def test_git_unknown_ticket_refuses_the_whole_commit(sg, world: dict, repo: Path) -> None:
    real = world["tickets"][0]
    before = len(replies(sg, real))
    commit_id, output = commit(repo, f"fixes #{real['id']} and #999999")
    assert "Ticket #999999, which does not exist; nothing recorded" in output
    assert "Traceback" not in output
    assert revision(sg, commit_id) is None
    assert len(replies(sg, real)) == before  # not even the Reply on the Ticket that exists


def test_git_unknown_author_refuses_the_commit(sg, world: dict, repo: Path) -> None:
    commit_id, output = commit(repo, "no one knows me", email="stranger@example.com")
    assert "no person has the login or email of Jane Q Doe <stranger@example.com>" in output
    assert revision(sg, commit_id) is None


def test_git_replay_after_creating_the_person_records_the_commit(
    sg, world: dict, repo: Path, config: Path, run: Run
) -> None:
    commit_id, _ = commit(repo, "by a newcomer", email="newcomer@example.com")
    assert revision(sg, commit_id) is None
    newcomer = sg.create(
        "HumanUser", {"login": "newcomer", "name": "New Comer", "email": "newcomer@example.com"}
    )
    done = run("vcs_hook.py", "--config", str(config), "git-post-commit", commit_id, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert revision(sg, commit_id)["created_by"]["id"] == newcomer["id"]


def test_git_post_receive_records_each_pushed_commit_once(
    sg, world: dict, tmp_path: Path, config: Path
) -> None:
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server))
    install_hook(server / "hooks", "post-receive", config, "git-post-receive")
    work = tmp_path / "clone"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "config", "user.name", "Sam")
    git(work, "config", "user.email", "sam@example.com")
    git(work, "remote", "add", "origin", str(server))
    first, _ = commit(work, "first")
    second, _ = commit(work, f"second, refs #{world['tickets'][1]['id']}")
    output = git(work, "push", "-q", "origin", "main")
    assert [revision(sg, c)["sg_branch"] for c in (first, second)] == ["main", "main"], output

    git(work, "checkout", "-q", "-b", "feature/thumbs")
    third, _ = commit(work, "on a branch")
    output = git(work, "push", "-q", "origin", "feature/thumbs")  # a new branch: only `third`
    assert revision(sg, third)["sg_branch"] == "feature/thumbs", output
    assert first[:12] not in output
    git(work, "push", "-q", "origin", "feature/thumbs:main")  # known commits: nothing new
    git(work, "push", "-q", "origin", "--delete", "feature/thumbs")
    codes = [first, second, third]
    assert len(sg.find("Revision", [["code", "in", codes]])) == 3
    assert revision(sg, first)["created_by"]["id"] == world["sam"]["id"]


def fake_svnlook(folder: Path, repository: str, revision_number: str, answers: dict) -> Path:
    """An `svnlook` that answers `svnlook <what> -r REV REPOS` for one revision, else fails."""
    program = folder / "svnlook"
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"answers = json.loads({json.dumps(json.dumps(answers))})\n"
        "what, *asked = sys.argv[1:]\n"
        f"if asked != ['-r', {revision_number!r}, {repository!r}] or what not in answers:\n"
        "    sys.exit('svnlook: E160006: No such revision')\n"
        "sys.stdout.write(answers[what])\n"
    )
    program.chmod(0o755)
    return program


def test_svn_post_commit_records_the_revision_with_no_environment(
    sg, world: dict, tmp_path: Path, config: Path, run: Run
) -> None:
    ticket = world["tickets"][2]
    answers = {
        "author": "sam\n",
        "log": f"Resolves #{ticket['id']}: faster grids\n",
        "dirs-changed": "branches/fast-grid/src/\nbranches/fast-grid/docs/\n",
    }
    svnlook = fake_svnlook(tmp_path, "/srv/svn/tools", "42", answers)
    # SVN runs hooks with an empty environment: REPOS REV TXN-NAME and nothing else
    arguments = ["--config", str(config), "svn-post-commit", "/srv/svn/tools", "42", "42-1a"]
    done = run("vcs_hook.py", *arguments, "--svnlook", str(svnlook), env={})
    assert done.returncode == 0, done.stderr
    made = revision(sg, "42")
    assert (made["sg_branch"], made["description"]) == ("fast-grid", answers["log"].strip())
    assert made["created_by"]["id"] == world["sam"]["id"]  # svnlook's author is a login
    assert [t["id"] for t in made["tickets"]] == [ticket["id"]]
    assert replies(sg, ticket)[-1]["content"].startswith("Fixed in revision 42 on fast-grid")


def test_svn_trunk_and_unknown_login(
    sg, world: dict, tmp_path: Path, config: Path, run: Run
) -> None:
    answers = {"author": "nobody\n", "log": "tidy\n", "dirs-changed": "trunk/\n"}
    svnlook = fake_svnlook(tmp_path, "/srv/svn/tools", "43", answers)
    arguments = ["--config", str(config), "svn-post-commit", "/srv/svn/tools", "43"]
    refused(
        run("vcs_hook.py", *arguments, "--svnlook", str(svnlook), env={}),
        "no person has the login or email of nobody",
    )
    assert revision(sg, "43") is None
    answers["author"] = "jane\n"
    svnlook = fake_svnlook(tmp_path, "/srv/svn/tools", "43", answers)
    done = run("vcs_hook.py", *arguments, "--svnlook", str(svnlook), env={})
    assert done.returncode == 0, done.stderr
    assert revision(sg, "43")["sg_branch"] == "trunk"
    wrong = run("vcs_hook.py", *arguments[:-1], "44", "--svnlook", str(svnlook), env={})
    refused(wrong, "No such revision")


def test_config_problems_are_refused(world: dict, tmp_path: Path, config: Path, run: Run) -> None:
    refused(
        run("vcs_hook.py", "--config", str(tmp_path / "none.ini"), "git-post-commit"), "no config"
    )
    bare = tmp_path / "bare.ini"
    bare.write_text("[callsheet]\n")
    refused(run("vcs_hook.py", "--config", str(bare), "git-post-commit"), "names no project")
    other = tmp_path / "other.ini"
    other.write_text(config.read_text().replace("Hook Tools", "No Such Tools"))
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "-c", "user.email=jane@example.com", "-c", "user.name=J", "commit", "-q",
        "--allow-empty", "-m", "x")  # fmt: skip
    refused(
        run(
            "vcs_hook.py",
            "--config",
            str(other),
            "git-post-commit",
            cwd=repo,
            env=git_environment(),
        ),
        'no Project named "No Such Tools"',
    )
    keyless = tmp_path / "keyless.ini"
    keyless.write_text("[callsheet]\nproject = Hook Tools\n")
    refused(
        run(
            "vcs_hook.py",
            "--config",
            str(keyless),
            "git-post-commit",
            cwd=repo,
            env=git_environment(),
        ),
        "no server, script, key",
    )
    outside = run("vcs_hook.py", "--config", str(config), "git-post-commit", cwd=tmp_path)
    refused(outside, "git show")
    garbled = run("vcs_hook.py", "--config", str(config), "git-post-receive", stdin="main\n")
    refused(garbled, '"<old> <new> <ref>" lines')


def test_ticket_references_in_messages() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import vcs_hook
    finally:
        sys.path.remove(str(EXAMPLES))
    parse = vcs_hook.ticket_references
    assert parse("Fixes #1, #2 and #3; refs #4 #5") == {
        1: "fixed", 2: "fixed", 3: "fixed", 4: "referenced", 5: "referenced",
    }  # fmt: skip
    assert parse("refs #7, then closed #7") == {7: "fixed"}  # fixing wins
    assert parse("see: #8. resolved #9") == {8: "referenced", 9: "fixed"}
    assert parse("prefix #3, issue #4, #5 alone, fixes#6") == {6: "fixed"}
