"""How fast the web page answers on a generated site, against the engine's own reads.

A real server (uvicorn in a thread) serves a site from bench/generate.py; a signed-in HTTP client
(the browser's requests, without the browser) asks for:

  shell    GET /project/<id>/Shot: the Shots page (finds or creates its Page record, renders)
  rows     POST /web/grid/rows: the first 50 Shots with the default columns + the total count
  deep     the same, page 1,000 (OFFSET 49,950 at scale 1)
  filter   the same, status "ip" and sorted by code descending
  detail   GET /detail/Shot/<id>: a Shot's detail page
  home     GET /: the projects home

Each line prints the median over `--repeat` runs, the same question asked of the engine directly
(`Site.find_page` + the count, in process: the baseline), their ratio, and PASS when the page's
median is under the budget (issue 5: "well under a second"; the budget is 300 ms).

    python bench/bench_web.py --scale 0.1
    python bench/bench_web.py --database /tmp/callsheet-bench-1.sqlite3 --skip-generate
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from generate import generate
from live_server import serving

from callsheet.server import Settings
from callsheet.server.web.grid.columns import default_columns
from callsheet.server.web.grid.rows import read_rows
from callsheet.site.accounts import admin_actor, create_user
from callsheet.site.site import Site

BUDGET_S = 0.300
LOGIN, PASSWORD = "bench-coordinator", "bench password"


def median_time(run: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `run` after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def signed_in(base_url: str) -> httpx.Client:
    """An HTTP client holding a session cookie, as a browser would after signing in."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    token = client.get("/signin").cookies["callsheet_signin"]
    answer = client.post(
        "/signin", data={"login": LOGIN, "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: HTTP {answer.status_code}")
    return client


def csrf_of(client: httpx.Client, path: str) -> str:
    """The page's CSRF token, from its <meta name="csrf-token">."""
    html = client.get(path, follow_redirects=True).text
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def bench(database: str, repeat: int) -> int:
    site = Site.open(database, pool_size=8)
    actor = admin_actor(site)
    if site.find_one(actor, "HumanUser", [["login", "is", LOGIN]]) is None:
        create_user(site, LOGIN, "Bench Coordinator", PASSWORD, "Admin")
    project = site.find_one(actor, "Project", [["name", "is", "Feature 01"]], ["name"])
    if project is None:
        raise SystemExit("no 'Feature 01' project: generate the site first (bench/generate.py)")
    shot_count = site.summarize(
        actor, "Shot", [["project", "is", project]], [{"field": "id", "type": "count"}]
    )["summaries"]["id"]
    shot = site.find_one(actor, "Shot", [["project", "is", project]], ["code"])
    columns = default_columns(site.schema, "Shot")
    deep_page = max(1, min(1000, shot_count // 50))
    asks = {
        "rows": {"page": 1},
        "deep": {"page": deep_page},
        "filter": {
            "page": 1,
            "filters": {
                "logical_operator": "and",
                "conditions": [{"path": "sg_status_list", "relation": "is", "values": ["ip"]}],
            },
            "sorts": [{"field": "code", "direction": "desc"}],
        },
    }
    results: list[tuple[str, float, float | None]] = []
    with serving(site, Settings(threads=8)) as base_url:
        client = signed_in(base_url)
        shell_path = f"/project/{project['id']}/Shot"
        page_path = client.get(shell_path).headers.get("location", shell_path)
        csrf = csrf_of(client, page_path)
        results.append(
            ("shell", median_time(lambda: client.get(page_path).raise_for_status(), repeat), None)
        )
        for name, ask in asks.items():
            payload = {
                "entity_type": "Shot",
                "project_id": project["id"],
                "columns": columns,
                "per_page": 50,
                **ask,
            }

            def through_web(payload: dict[str, Any] = payload) -> None:
                answer = client.post(
                    "/web/grid/rows", json=payload, headers={"X-CSRF-Token": csrf}
                ).json()
                if answer.get("exception") or not answer["results"]["rows"]:
                    raise SystemExit(f"grid read failed: {answer}")

            def in_engine(payload: dict[str, Any] = payload) -> None:
                read_rows(site, actor, payload)

            results.append((name, median_time(through_web, repeat), median_time(in_engine, repeat)))
        detail = f"/detail/Shot/{shot['id']}"
        results.append(
            ("detail", median_time(lambda: client.get(detail).raise_for_status(), repeat), None)
        )
        results.append(
            ("home", median_time(lambda: client.get("/").raise_for_status(), repeat), None)
        )
        client.close()
    site.close()
    print(f"\n{database}: project 'Feature 01' has {shot_count:,} Shots; medians of {repeat}")
    header = f"{'page':<8} {'web':>10} {'engine':>10} {'ratio':>7}  budget"
    print(header)
    print("-" * (len(header) + 10))
    failed = 0
    for name, web_s, engine_s in results:
        verdict = "PASS" if web_s < BUDGET_S else "FAIL"
        failed += verdict == "FAIL"
        engine = f"{engine_s * 1000:.1f} ms" if engine_s else "-"
        ratio = f"{web_s / engine_s:.2f}x" if engine_s else "-"
        print(
            f"{name:<8} {web_s * 1000:>7.1f} ms {engine:>10} {ratio:>7}  "
            f"< {BUDGET_S * 1000:.0f} ms {verdict}"
        )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1 = 100,000 Shots")
    parser.add_argument("--database", default=None, help="SQLite file or PostgreSQL URL")
    parser.add_argument("--skip-generate", action="store_true", help="reuse --database")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    database = args.database or os.path.join(
        tempfile.gettempdir(), f"callsheet-bench-web-{args.scale:g}.sqlite3"
    )
    if not args.skip_generate:
        made = generate(database, args.scale, replace=True, log=lambda m: None)
        print(f"generated scale {args.scale:g} in {made.seconds:.1f} s")
    return bench(database, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
