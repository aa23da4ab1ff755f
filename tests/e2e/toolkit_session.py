"""One Toolkit session against a live Callsheet server, run in its own process by test_toolkit.py.

Usage: python toolkit_session.py '<json arguments>'; prints one JSON line of results last.
Toolkit (tk-core) is imported from the checkout in CALLSHEET_TKCORE; bundles come only from the
offline bundle cache in CALLSHEET_TK_BUNDLE_CACHE (SHOTGUN_BUNDLE_CACHE_FALLBACK_PATHS, App Store
access disabled), as docs/toolkit.md describes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any


class _Captured(logging.Handler):
    """Every Toolkit log message, to read what the apps did while the engine started."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(args: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, os.path.join(os.environ["CALLSHEET_TKCORE"], "python"))
    import sgtk
    from sgtk.authentication import ShotgunAuthenticator

    authenticator = ShotgunAuthenticator()
    if args["auth"] == "script":
        user = authenticator.create_script_user(
            api_script=args["script_name"], api_key=args["script_key"], host=args["base_url"]
        )
    else:
        user = authenticator.create_session_user(
            login=args["login"], password=args["password"], host=args["base_url"]
        )
    sgtk.set_authenticated_user(user)
    captured = _Captured()
    sgtk.LogManager().global_debug = True
    logging.getLogger("sgtk").addHandler(captured)
    project = {"type": "Project", "id": args["project_id"]}
    shot = {"type": "Shot", "id": args["shot_id"]}
    task = {"type": "Task", "id": args["task_id"]}
    results: dict[str, Any] = {}

    manager = sgtk.bootstrap.ToolkitManager(user)
    manager.plugin_id = "basic.shell"
    manager.base_configuration = args["config_descriptor"]
    manager.do_shotgun_config_lookup = False
    entity = shot if args["context"] == "Shot" else project
    engine = manager.bootstrap_engine("tk-shell", entity=entity)
    results["engine"] = engine.name
    results["context_entity"] = engine.context.entity or engine.context.project
    results["apps"] = sorted(engine.apps)
    tk = engine.sgtk

    if args.get("folders"):
        tk.create_filesystem_structure("Task", task["id"])
        locations = tk.shotgun.find(
            "FilesystemLocation", [["project", "is", project]], ["entity", "path"]
        )
        results["locations"] = sorted({loc["entity"]["type"] for loc in locations})
        work_template = tk.templates["shot_root"]
        task_context = tk.context_from_entity("Task", task["id"])
        fields = task_context.as_template_fields(work_template)
        work_area = work_template.apply_fields(fields)
        results["work_area_exists"] = os.path.isdir(work_area)
        found = tk.paths_from_template(work_template, {"Shot": fields["Shot"]})
        results["paths_from_template"] = [os.path.relpath(p, args["projects_root"]) for p in found]
        from_path = tk.context_from_path(work_area)
        results["context_from_path"] = {
            "entity": from_path.entity,
            "step": from_path.step,
            "task": from_path.task,
        }
        publish_path = os.path.join(work_area, "publish", "maya", "scene.v001.ma")
        os.makedirs(os.path.dirname(publish_path), exist_ok=True)
        with open(publish_path, "w") as fh:
            fh.write("// published by the Callsheet end-to-end test\n")
        made = sgtk.util.register_publish(
            tk, task_context, publish_path, "scene", 1, published_file_type="Maya Scene"
        )
        results["published"] = made["id"]
        found_publish = sgtk.util.find_publish(tk, [publish_path], fields=["path_cache_storage"])
        results["find_publish"] = {
            os.path.relpath(p, args["projects_root"]): v["id"] for p, v in found_publish.items()
        }

    if args.get("fresh_cache_path"):
        # A second machine: nothing in its path cache until it synchronises from the server.
        tk.synchronize_filesystem_structure()
        from_path = tk.context_from_path(args["fresh_cache_path"])
        results["synchronised_context"] = {"entity": from_path.entity, "step": from_path.step}

    # tk-multi-launchapp reads the Software records while the engine starts and logs them.
    results["software_log"] = [m for m in captured.messages if "software data" in m.lower()]
    results["app_log"] = [
        m[:400] for m in captured.messages if "launchapp" in m.lower() or "qt" in m.lower()
    ][-12:]
    engine.destroy()
    with open(os.path.join(os.environ["SHOTGUN_HOME"], "toolkit_session.log"), "w") as fh:
        fh.write("\n".join(captured.messages))  # what Toolkit said, for a failing test's reader
    return results


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1])), default=str))
