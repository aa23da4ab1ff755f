"""`callsheet serve` under pyinstrument, for bench_floor.py's `--profile`.

The server is built as `callsheet serve` builds it (Settings, Site.open, create_app, uvicorn on
uvloop with the same keep-alive), in this process's main thread, under one pyinstrument profiler.
pyinstrument samples one thread, and `/api3/json` runs each call in a worker thread
(`run_in_threadpool`); here that call runs inline on the event loop instead, so the one sampled
thread sees a request whole: HTTP parsing, decoding, the call, encoding, gzip, the write. With one
client making one request at a time (as the benchmarks do) that changes no timing but the thread
hop itself. Sampling starts at SIGUSR1 (after the caller's warm-up); on SIGTERM the server stops
and the profile is written:

  <out>.txt          pyinstrument's call tree of the whole run
  <out>.html         the same, interactive
  <out>.summary.json the time spent handling requests, and the functions with the most time of
                     their own inside it (`summarize`)

    python bench/profile_serve.py --out /tmp/profile/list --data DIR [--database URL] --port N
"""

from __future__ import annotations

import argparse
import json
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

# The frames of a request: uvicorn parsing it (`data_received`) and running the app for it
# (`run_asgi`, which also writes the answer). The rest of the sampled time is the event loop
# waiting for the client (uvloop's C code) and the server starting and stopping.
REQUEST_ROOTS = ("data_received", "run_asgi")
REQUEST_ROOT_FILE = "uvicorn/protocols/http/httptools_impl.py"


def _inline_threadpool() -> bool:
    """Run `/api3/json`'s thread-pool call inline (see the docstring); False if not found."""
    # `/api3/json` reaches the pool through `server/callers.py`'s `run_authenticating`; patching
    # the name where it is looked up is what counts (an earlier version patched server/app.py,
    # which no longer imports it, so the profiles missed the whole engine call).
    from callsheet.server import callers

    if not hasattr(callers, "run_in_threadpool"):
        return False

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    callers.run_in_threadpool = inline  # type: ignore[assignment]
    return True


def _walk(frame: Any, inside: bool, stack: set, own: dict, total: dict, roots: list) -> None:
    here = frame.file_path or ""
    starts = frame.function in REQUEST_ROOTS and here.endswith(REQUEST_ROOT_FILE)
    if starts and not inside:
        roots.append(frame.time)
    inside = inside or starts
    if frame.is_synthetic:  # pyinstrument's "[self]" leaves: counted in their parent's own time
        return
    name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    key = f"{name} ({_short(here)}:{frame.line_no})"
    if inside:
        own[key] += frame.total_self_time
        if key not in stack:  # a recursive call's time is in its outermost call already
            total[key] += frame.time
    for child in frame.children:
        _walk(child, inside, stack | {key}, own, total, roots)


def _short(path: str) -> str:
    for marker in ("site-packages/", "src/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return Path(path).name


def summarize(session: Any, top: int = 80) -> dict[str, Any]:
    """Request time and the functions with the most time inside requests (share of request time):
    `own` (time in the function itself; all of them add up to 100%) and `inclusive` (with what it
    calls)."""
    own: dict[str, float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    roots: list[float] = []
    root = session.root_frame()
    if root is not None:
        _walk(root, False, set(), own, total, roots)
    request_time = sum(roots) or 1e-9

    def ranked(table: dict[str, float]) -> list[dict[str, Any]]:
        best = sorted(table.items(), key=lambda item: -item[1])[:top]
        return [
            {"function": k, "seconds": round(v, 4), "percent": round(100 * v / request_time, 1)}
            for k, v in best
        ]

    return {
        "sampled_seconds": round(session.duration, 3),
        "request_seconds": round(request_time, 4),
        "own": ranked(own),
        "inclusive": ranked(total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="path prefix of the profile files")
    parser.add_argument("--data", required=True)
    parser.add_argument("--database")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--interval", type=float, default=0.0002, help="sampling interval (s)")
    parser.add_argument(
        "--timer",
        choices=["cpu", "wall"],
        default="cpu",
        help="cpu: the thread's CPU time (time.thread_time), so waits for the disk (SQLite's "
        "fsync at COMMIT) and for a core on a loaded machine drop out; wall: wall-clock time",
    )
    args = parser.parse_args()

    import uvicorn
    from pyinstrument import Profiler

    from callsheet.cli import KEEP_ALIVE_S
    from callsheet.server import Settings, create_app
    from callsheet.server.app import settle_heap
    from callsheet.site.site import Site

    inlined = _inline_threadpool()
    settings = Settings.from_environment(args.data, args.database, port=args.port)
    site = Site.open(settings.site_url(), pool_size=settings.threads)
    app = create_app(site, settings)
    settle_heap()  # as `callsheet serve` does
    # SIGTERM (bench_wire's `server.terminate()`) stops the server as Ctrl-C does, so the profile
    # below is written. Sampling starts at SIGUSR1 (the handler runs in the main thread), so the
    # caller can warm the server first: its first call verifies the script key with argon2
    # (~0.3 s, once per process) and builds the read plans.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.timer == "cpu":
        # The main thread's sampler takes its clock from `timer_func` when one is set (pyinstrument
        # 5 `StackSampler`); the profiler must start in this thread (the SIGUSR1 handler does).
        from pyinstrument.stack_sampler import get_stack_sampler

        get_stack_sampler().timer_func = time.thread_time
    profiler = Profiler(interval=args.interval, async_mode="disabled")
    signal.signal(signal.SIGUSR1, lambda *_: profiler.is_running or profiler.start())
    try:
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=args.port,
            timeout_keep_alive=KEEP_ALIVE_S,
            log_level="error",
        )
    except KeyboardInterrupt:
        pass
    finally:
        if not profiler.is_running:
            profiler.start()  # never signalled: an empty profile rather than none
        session = profiler.stop()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        out.with_suffix(".html").write_text(profiler.output_html())
        summary = summarize(session)
        summary["threadpool_inlined"] = inlined
        summary["timer"] = args.timer
        out.with_suffix(".summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
