"""FFmpeg: what a movie is (ffprobe) and what browsers and reviewers need from it.

ShotGrid turns an uploaded movie into an H.264 MP4 and a WebM for its player, a poster frame
(`sg_uploaded_movie_image`), the Version's thumbnail and a filmstrip, and fills the frame rate and
duration (probe 006 of a real site: status 0 while transcoding, 1 after, 2 when refused). The
filmstrip has ShotGrid's format (`upload_filmstrip_thumbnail`'s docs): a horizontal strip of
frames each exactly 240 pixels wide, height by the aspect ratio.

Every FFmpeg run has a time limit and dies with the thread that started it, so a killed server
leaves no encoder behind; outputs are written under a work folder and renamed into place whole.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from callsheet.faults import Fault

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
FILMSTRIP_FRAME_PX = 240  # ShotGrid's filmstrip frame width (shotgun_api3 docs)
FILMSTRIP_MAX_FRAMES = 60
MAX_WIDTH_PX = 1920  # the browser renditions: at most HD wide, even sizes (yuv420p)
PROBE_TIMEOUT_S = 60.0
# An encode may take this many times the movie's duration (plus a minute) before it is stopped.
ENCODE_TIME_FACTOR = 20.0
STDERR_TAIL_CHARS = 600
_PR_SET_PDEATHSIG = 1


class MediaFault(Fault):
    """FFmpeg cannot read the movie, or could not make a rendition of it."""


@dataclass(frozen=True)
class MovieFacts:
    """What ffprobe says about the first video stream."""

    width: int
    height: int
    frame_rate: float
    frame_count: int
    duration_s: float

    @property
    def aspect_ratio(self) -> float:
        return round(self.width / self.height, 4) if self.height else 0.0


@dataclass(frozen=True)
class Renditions:
    """The files made from one movie (in the work folder) and its facts."""

    facts: MovieFacts
    mp4: Path
    webm: Path
    poster: Path
    filmstrip: Path


def available() -> bool:
    """Whether FFmpeg and ffprobe are installed."""
    return shutil.which(FFMPEG) is not None and shutil.which(FFPROBE) is not None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def _run(command: list[str], timeout_s: float, what: str) -> str:
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            preexec_fn=_die_with_parent if os.name == "posix" else None,
            check=False,
        )
    except FileNotFoundError:
        raise MediaFault(f"{command[0]} is not installed; cannot {what}.") from None
    except subprocess.TimeoutExpired:
        raise MediaFault(f"FFmpeg took longer than {timeout_s:.0f} s to {what}.") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-STDERR_TAIL_CHARS:]
        raise MediaFault(f"FFmpeg could not {what}: {tail or f'exit status {done.returncode}'}")
    return done.stdout.decode("utf-8", "replace")


def _rate(text: object) -> float:
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value) if value > 0 else 0.0


def probe(source: Path) -> MovieFacts:
    """The first video stream's size, frame rate, frame count and duration (MediaFault if none)."""
    output = _run(
        [
            FFPROBE, "-v", "error", "-select_streams", "v:0",
            "-show_entries",
            "stream=width,height,r_frame_rate,avg_frame_rate,nb_frames,duration:format=duration",
            "-of", "json", str(source),
        ],
        PROBE_TIMEOUT_S,
        "read the movie",
    )  # fmt: skip
    try:
        answer = json.loads(output)
    except ValueError:
        raise MediaFault("ffprobe answered something that is not JSON.") from None
    streams = answer.get("streams") or []
    if not streams:
        raise MediaFault("FFmpeg found no video stream in the file: it is not a movie.")
    stream = streams[0]
    rate = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    duration = 0.0
    for text in (stream.get("duration"), (answer.get("format") or {}).get("duration")):
        try:
            duration = float(str(text))
            break
        except (TypeError, ValueError):
            continue
    frames = str(stream.get("nb_frames") or "")
    count = int(frames) if frames.isdigit() else round(duration * rate)
    if rate <= 0 or count <= 0 or not stream.get("width") or not stream.get("height"):
        raise MediaFault("FFmpeg cannot tell the frame rate or length of the movie.")
    return MovieFacts(int(stream["width"]), int(stream["height"]), rate, count, duration)


def _encode_timeout(facts: MovieFacts) -> float:
    return 60.0 + ENCODE_TIME_FACTOR * max(facts.duration_s, 1.0)


def _scale() -> str:
    return f"scale='trunc(min({MAX_WIDTH_PX},iw)/2)*2':-2"


def _encode(command: list[str], target: Path, timeout_s: float, what: str) -> None:
    partial = target.with_name(f".partial-{target.name}")
    _run([*command, str(partial)], timeout_s, what)
    os.replace(partial, target)


def make_renditions(source: Path, work: Path, stem: str) -> Renditions:
    """Probe `source`, then make the MP4, WebM, poster frame and filmstrip in `work`.

    Frame rate and frame count are kept (no frame is dropped or added), so frame N of the MP4
    is frame N of the upload: notes name frames, and the player steps by them.
    """
    facts = probe(source)
    work.mkdir(parents=True, exist_ok=True)
    timeout_s = _encode_timeout(facts)
    gop = str(max(1, round(facts.frame_rate)))  # a key frame a second: seeking stays quick
    base = [FFMPEG, "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:v:0"]
    audio = ["-map", "0:a:0?"]
    mp4 = work / f"{stem}.mp4"
    _encode(
        [
            *base, *audio, "-vf", _scale(), "-c:v", "libx264", "-preset", "veryfast",
            "-crf", "20", "-pix_fmt", "yuv420p", "-g", gop, "-c:a", "aac", "-b:a", "128k",
            "-movflags", "+faststart", "-f", "mp4",
        ],
        mp4, timeout_s, "make the H.264 MP4",
    )  # fmt: skip
    webm = work / f"{stem}.webm"
    _encode(
        [
            *base, *audio, "-vf", _scale(), "-c:v", "libvpx", "-deadline", "realtime",
            "-cpu-used", "8", "-b:v", "2M", "-pix_fmt", "yuv420p", "-g", gop,
            "-c:a", "libvorbis", "-f", "webm",
        ],
        webm, timeout_s, "make the WebM",
    )  # fmt: skip
    poster = work / f"{stem}_poster.jpg"
    _encode(
        [*base, "-vf", _scale(), "-frames:v", "1", "-q:v", "3", "-f", "image2"],
        poster, timeout_s, "take the poster frame",
    )  # fmt: skip
    frames = min(facts.frame_count, FILMSTRIP_MAX_FRAMES)
    every = max(facts.duration_s, frames / facts.frame_rate)
    filmstrip = work / f"{stem}_filmstrip.jpg"
    _encode(
        [
            *base, "-vf",
            f"fps={frames}/{every:.6f},scale={FILMSTRIP_FRAME_PX}:-2,tile={frames}x1",
            "-frames:v", "1", "-q:v", "4", "-f", "image2",
        ],
        filmstrip, timeout_s, "make the filmstrip",
    )  # fmt: skip
    return Renditions(facts, mp4, webm, poster, filmstrip)


def filmstrip_frames(width_px: int) -> int:
    """How many frames a filmstrip of this width holds."""
    return max(1, math.floor(width_px / FILMSTRIP_FRAME_PX))
