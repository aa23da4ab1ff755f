"""Production scheduling (issue 13): template apply and the downstream push, on SQLite.

(a) 1,000 Shots created with a 6-Task template (a chain of 5 finish-to-start dependencies) in
    batches of 100, against creating the same 6,000 Tasks directly (batches of 100 creates on
    1,000 existing Shots, no dependencies); target: (a) <= 3x the direct creates
(b) moving the upstream Task of a 50-Task downstream chain (push: all 50 move, with their
    event rows); target: median <= 100 ms
(c) the Schedule page's data for 2,000 Tasks (the find and the chart layout, not the HTML)

  python bench/bench_scheduling.py            # SQLite file in a temporary folder
  python bench/bench_scheduling.py --shots 200 --moves 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import callsheet

BATCH = 100
TEMPLATE_TASKS = 6
CHAIN = 50


def _site(folder: Path, name: str) -> Any:
    return callsheet.connect(str(folder / f"{name}.sqlite3"))


def _template(sg: Any) -> dict[str, Any]:
    template = sg.create("TaskTemplate", {"code": "Shot 6", "entity_type": "Shot"})
    link = {"type": "TaskTemplate", "id": template["id"]}
    previous = None
    for number in range(TEMPLATE_TASKS):
        made = sg.create(
            "Task", {"content": f"step{number}", "task_template": link, "duration": 960}
        )
        if previous is not None:
            sg.create("TaskDependency", {"task": made, "dependent_task": previous})
        previous = made
    return link


def bench_template(folder: Path, shots: int) -> tuple[float, float]:
    """Seconds for `shots` Shots with the template, and for the same Tasks created directly."""
    sg = _site(folder, "template")
    project = sg.create("Project", {"name": "Bench"})
    link = _template(sg)
    started = time.perf_counter()
    for first in range(0, shots, BATCH):
        sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {"project": project, "code": f"sh{n:05d}", "task_template": link},
                }
                for n in range(first, min(first + BATCH, shots))
            ]
        )
    with_template = time.perf_counter() - started
    assert len(sg.find("Task", [["entity", "type_is", "Shot"]])) == shots * TEMPLATE_TASKS
    sg.close()

    sg = _site(folder, "direct")
    project = sg.create("Project", {"name": "Bench"})
    made: list[dict[str, Any]] = []
    for first in range(0, shots, BATCH):
        made += sg.batch(
            [
                {
                    "request_type": "create",
                    "entity_type": "Shot",
                    "data": {"project": project, "code": f"sh{n:05d}"},
                }
                for n in range(first, min(first + BATCH, shots))
            ]
        )
    requests = [
        {
            "request_type": "create",
            "entity_type": "Task",
            "data": {"project": project, "entity": shot, "content": f"step{n}", "duration": 960},
        }
        for shot in made
        for n in range(TEMPLATE_TASKS)
    ]
    started = time.perf_counter()
    for first in range(0, len(requests), BATCH):
        sg.batch(requests[first : first + BATCH])
    direct = time.perf_counter() - started
    sg.close()
    return with_template, direct


def bench_push(folder: Path, moves: int) -> list[float]:
    """Milliseconds per move of the upstream Task of a 50-Task chain."""
    sg = _site(folder, "push")
    project = sg.create("Project", {"name": "Bench"})
    start = dt.date(2026, 3, 2)
    upstream = sg.create(
        "Task",
        {"project": project, "content": "up", "start_date": start.isoformat(), "duration": 960},
    )
    previous = upstream
    for number in range(CHAIN):
        previous = sg.create(
            "Task",
            {
                "project": project,
                "content": f"d{number}",
                "duration": 960,
                "upstream_tasks": [{"type": "Task", "id": previous["id"]}],
            },
        )
    last = previous
    timings = []
    for number in range(moves):
        due = start + dt.timedelta(days=7 * ((number + 1) % 2) + 1)
        before = sg.find_one("Task", [["id", "is", last["id"]]], ["start_date"])["start_date"]
        began = time.perf_counter()
        sg.update("Task", upstream["id"], {"due_date": due.isoformat()})
        timings.append((time.perf_counter() - began) * 1000)
        after = sg.find_one("Task", [["id", "is", last["id"]]], ["start_date"])["start_date"]
        assert after != before, "the chain's last Task did not move"
    sg.close()
    return timings


def bench_schedule_page(folder: Path) -> tuple[float, float]:
    """Milliseconds to read a 2,000-Task project's Tasks and lay out its chart."""
    from callsheet.server.web.schedule import TASK_FIELDS, _chart
    from callsheet.site.actor import SYSTEM
    from callsheet.site.work_schedule import work_schedule_read

    sg = _site(folder, "page")
    project = sg.create("Project", {"name": "Bench"})
    shots = sg.batch(
        [
            {
                "request_type": "create",
                "entity_type": "Shot",
                "data": {"project": project, "code": f"s{n}"},
            }
            for n in range(400)
        ]
    )
    requests = []
    for number, shot in enumerate(shots):
        for step in range(5):
            start = dt.date(2026, 3, 2) + dt.timedelta(days=number % 60 + 3 * step)
            data = {"project": project, "entity": shot, "content": f"t{step}"}
            data.update(start_date=start.isoformat(), duration=960)
            requests.append({"request_type": "create", "entity_type": "Task", "data": data})
    for first in range(0, len(requests), 500):
        sg.batch(requests[first : first + 500])
    site = sg.site
    began = time.perf_counter()
    tasks = site.find(SYSTEM, "Task", [["project", "is", project]], TASK_FIELDS)
    found = time.perf_counter()
    schedule = work_schedule_read(site, SYSTEM, "2026-02-20", "2026-06-30", project)
    _chart(tasks, schedule)
    laid_out = time.perf_counter()
    sg.close()
    return (found - began) * 1000, (laid_out - found) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with_template, direct = bench_template(folder, args.shots)
        ratio = with_template / direct
        print(
            f"(a) {args.shots} Shots with a {TEMPLATE_TASKS}-Task template: {with_template:.2f} s; "
            f"{args.shots * TEMPLATE_TASKS} Tasks directly: {direct:.2f} s; "
            f"ratio {ratio:.2f} (target <= 3)"
        )
        timings = bench_push(folder, args.moves)
        median = statistics.median(timings)
        print(
            f"(b) move the upstream of a {CHAIN}-Task chain: median {median:.1f} ms, "
            f"max {max(timings):.1f} ms over {len(timings)} moves (target <= 100 ms)"
        )
        find_ms, chart_ms = bench_schedule_page(folder)
        print(
            f"(c) Schedule page data for 2,000 Tasks: find {find_ms:.0f} ms, "
            f"chart {chart_ms:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
