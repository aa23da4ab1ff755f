"""Where `callsheet import --from` spends its CPU: both processes profiled, one copy.

The source is a generated site (bench/generate.py) served under pyinstrument by
bench/profile_serve.py (CPU timer); the importer runs in this process, its writer (the main
thread) under one pyinstrument profiler and each reader's page reads (`ApiSource.pages`: the HTTP
round trip, JSON decoding, shotgun_api3's conversions) under per-call profilers in their own
threads, combined. pyinstrument samples one thread per profiler, hence the split. CPU time per
process (time.process_time here, /proc/<pid>/stat for the server) is printed too: on a loaded
machine it is what compares, not wall time.

  <out>/source.txt|html|summary.json   the server (profile_serve.py)
  <out>/writer.txt|html                 the importer's writer thread
  <out>/readers.txt|html                the importer's reader threads, combined
  <out>/cpu.json                        CPU seconds per process and per role

    python bench/profile_transfer.py --scale 0.05 --out /tmp/profile-transfer [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_transfer import _free_port, process_cpu_s, wait_until_serving
from generate import generate

from callsheet.files import FileRoom
from callsheet.site.accounts import create_script
from callsheet.site.site import Site
from callsheet.transfer.importer import Importer, ImportOptions
from callsheet.transfer.source import ApiSource


def serve_profiled(folder: Path, out: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    script = Path(__file__).resolve().parent / "profile_serve.py"
    process = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "--out",
            str(out / "source"),
            "--data",
            str(folder),
            "--port",
            str(port),
            "--interval",
            "0.001",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url)
    return process, url


class ReaderProfiles:
    """Per-call pyinstrument sessions of the readers' page reads (any thread), combined."""

    def __init__(self) -> None:
        self.sessions: list[Any] = []
        self.cpu_s = 0.0
        self._lock = threading.Lock()

    def wrap(self, pages: Any) -> Any:
        from pyinstrument import Profiler
        from pyinstrument.stack_sampler import get_stack_sampler

        profiles = self

        def profiled(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = pages(*args, **kwargs)
            get_stack_sampler().timer_func = time.thread_time
            while True:
                profiler = Profiler(interval=0.001, async_mode="disabled")
                started = time.thread_time()
                profiler.start()
                try:
                    page = next(inner)
                except StopIteration:
                    return
                finally:
                    session = profiler.stop()
                    with profiles._lock:
                        profiles.sessions.append(session)
                        profiles.cpu_s += time.thread_time() - started
                yield page

        return profiled

    def combined(self) -> Any:
        from pyinstrument.session import Session

        total = self.sessions[0]
        for session in self.sessions[1:]:
            total = Session.combine(total, session)
        return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--database", help="destination (default: a new SQLite file)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from pyinstrument import Profiler
    from pyinstrument.renderers import HTMLRenderer
    from pyinstrument.stack_sampler import get_stack_sampler

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cs-profile-transfer-"))
    source_dir = work / "source"
    source_dir.mkdir()
    database = str(source_dir / "callsheet.sqlite3")
    generate(database, args.scale, replace=True, log=lambda text: None)
    seed = Site.open(database)
    create_script(seed, "bench", "bench-key")
    seed.close()
    process, url = serve_profiled(source_dir, out)
    readers = ReaderProfiles()
    original_pages = ApiSource.pages
    ApiSource.pages = readers.wrap(original_pages)  # type: ignore[method-assign]
    try:
        site = Site.open(args.database or str(work / "dest.sqlite3"), pool_size=4)
        site.use_files(FileRoom(work / "files"))
        source = ApiSource(url, script="bench", key="bench-key")
        os.kill(process.pid, signal.SIGUSR1)  # the server's sampling starts now
        server_cpu_before = process_cpu_s(process.pid)
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        get_stack_sampler().timer_func = time.thread_time
        writer = Profiler(interval=0.001, async_mode="disabled")
        writer.start()
        report = Importer(site, source, ImportOptions(readers=args.readers)).run()
        writer.stop()
        cpu = {
            "importer_cpu_s": round(time.process_time() - cpu_before, 1),
            "readers_page_cpu_s": round(readers.cpu_s, 1),
            "source_cpu_s": round(process_cpu_s(process.pid) - server_cpu_before, 1),
            "wall_s": round(time.perf_counter() - wall_before, 1),
            "records": sum(t.live + t.retired for t in report.types.values()),
            "writer_waiting_s": round(report.wait_s, 1),
            "writer_writing_s": round(report.write_s, 1),
            "phases_s": report.phase_s,
            "load_average": os.getloadavg(),
        }
        source.close()
        site.close()
    finally:
        ApiSource.pages = original_pages  # type: ignore[method-assign]
        process.terminate()
        process.wait(timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    (out / "writer.txt").write_text(writer.output_text(unicode=True, show_all=False))
    (out / "writer.html").write_text(writer.output_html())
    combined = readers.combined()
    from pyinstrument.renderers import ConsoleRenderer

    (out / "readers.txt").write_text(ConsoleRenderer(unicode=True).render(combined))
    (out / "readers.html").write_text(HTMLRenderer().render(combined))
    (out / "cpu.json").write_text(json.dumps(cpu, indent=1))
    print(json.dumps(cpu, indent=1))


if __name__ == "__main__":
    main()
