"""Media speed (issue 16 §5): a big upload in parts, and how soon the review player starts.

1. Upload: a file of --gib GiB (default 2) goes to `Version.sg_uploaded_movie` through the
   official client, which takes the cloud flow in 20 MB parts (server/direct_uploads.py), over
   loopback to `callsheet serve` (no transcode workers, so only the upload is measured). The
   server's resident memory is sampled every 50 ms: it must stay flat (parts stream to disk).
   Target: >= 200 MB/s.
2. Player start: a transcoded test movie, opened in headless Chromium at /review/Version/<id>;
   the time from navigation start to the video's first frame being ready (`loadeddata`), median
   of --opens opens. Target: <= 300 ms.

    python bench/bench_media.py [--gib 2] [--opens 5] [--skip-upload] [--skip-player]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import shotgun_api3

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wire import KEY, SCRIPT, start_server

UPLOAD_TARGET_MB_S = 200.0
PLAYER_TARGET_MS = 300.0
LOGIN, PASSWORD = "bench reviewer", "bench reviewer password"
BLOCK_BYTES = 16 * 1024 * 1024


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssWatch:
    """The peak resident memory of a process while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples = pid, [rss_mib(pid)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.samples.append(rss_mib(self.pid))

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def make_file(path: Path, size: int) -> None:
    block = os.urandom(BLOCK_BYTES)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(left, BLOCK_BYTES)])
            left -= BLOCK_BYTES


def bench_upload(folder: Path, gib: float) -> bool:
    size = int(gib * 1024**3)
    source = folder / "big.mov"
    make_file(source, size)
    data = folder / "upload-site"
    cli = [sys.executable, "-m", "callsheet", "serve", "--media-workers", "0"]
    server, url = start_server(data, serve=cli)
    try:
        sg = shotgun_api3.Shotgun(url, SCRIPT, KEY)
        project = sg.create("Project", {"name": "bench media"})
        version = sg.create("Version", {"code": "big", "project": project})
        with RssWatch(server.pid) as watch:
            started = time.perf_counter()
            attachment = sg.upload("Version", version["id"], str(source), "sg_uploaded_movie")
            seconds = time.perf_counter() - started
        stored = data / "files" / "attachments" / str(attachment)
        assert stored.stat().st_size == size, "the stored file has the wrong size"
        rate = size / seconds / 1e6
        print(f"upload: {size / 1024**3:.2f} GiB in {seconds:.2f} s = {rate:.0f} MB/s "
              f"(target >= {UPLOAD_TARGET_MB_S:.0f})")  # fmt: skip
        print(f"server RSS: {watch.samples[0]:.0f} MiB before, "
              f"{max(watch.samples):.0f} MiB peak, {watch.samples[-1]:.0f} MiB after")  # fmt: skip
        return rate >= UPLOAD_TARGET_MB_S
    finally:
        server.kill()
        server.wait()
        source.unlink(missing_ok=True)


def bench_player(folder: Path, opens: int) -> bool:
    from playwright.sync_api import sync_playwright

    data = folder / "player-site"
    movie = folder / "daily.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=10:size=1280x720:rate=24", "-c:v", "mpeg4", "-q:v", "3", str(movie)],
        check=True,
    )  # fmt: skip
    cli = [sys.executable, "-m", "callsheet"]
    server, url = start_server(data, serve=[*cli, "serve", "--media-workers", "1"])
    try:
        subprocess.run(
            [*cli, "user", "create", "reviewer", "--name", LOGIN, "--password", PASSWORD,
             "--permission-group", "Admin", "--data", str(data)],
            check=True, capture_output=True,
        )  # fmt: skip
        sg = shotgun_api3.Shotgun(url, SCRIPT, KEY)
        project = sg.create("Project", {"name": "bench player"})
        version = sg.create("Version", {"code": "daily", "project": project})
        sg.upload("Version", version["id"], str(movie), "sg_uploaded_movie")
        status_field = "sg_uploaded_movie_transcoding_status"
        while (
            sg.find_one("Version", [["id", "is", version["id"]]], [status_field])[status_field] != 1
        ):
            time.sleep(0.2)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_context(base_url=url).new_page()
            page.goto("/signin")
            page.fill("input[name=login]", "reviewer")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/signin" not in u)
            times = []
            for _ in range(opens):
                page.goto(f"/review/Version/{version['id']}")
                page.wait_for_function("() => document.querySelector('#video-a').readyState >= 2")
                times.append(
                    page.evaluate(
                        "() => performance.now()"
                        " - (performance.getEntriesByType('navigation')[0]?.startTime || 0)"
                    )
                )
            browser.close()
        median = statistics.median(times)
        spread = f"min {min(times):.0f}, max {max(times):.0f}"
        print(f"player start: median {median:.0f} ms of {opens} opens "
              f"({spread}; target <= {PLAYER_TARGET_MS:.0f})")  # fmt: skip
        return median <= PLAYER_TARGET_MS
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-player", action="store_true")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-media-") as folder:
        if not args.skip_upload:
            ok &= bench_upload(Path(folder), args.gib)
        if not args.skip_player:
            ok &= bench_player(Path(folder), args.opens)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
