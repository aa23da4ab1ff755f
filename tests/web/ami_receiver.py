"""A studio's Action Menu Item web service for the browser tests, and the reference check of
a payload's signature ("Securing your Action Menu Items", data-model.md §5.3)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


def reference_signature(form: dict[str, str], key: str) -> str:
    """The receiver of "Securing your Action Menu Items": sorted "k=v\\r\\n" lines, HMAC-SHA1."""
    sorted_params = []
    for field in form:
        if field != "signature":
            sorted_params.append("%s=%s\r\n" % (field, form[field]))  # noqa: UP031 (as published)
    sorted_params.sort()
    string_to_verify = "".join(sorted_params)
    return hmac.new(key.encode(), string_to_verify.encode(), hashlib.sha1).hexdigest()


class Receiver:
    """A studio's AMI web service: records every POSTed form, answers a small page."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                fields = parse_qs(body, keep_blank_values=True)
                form = {key: values[0] for key, values in fields.items()}
                assert all(len(values) == 1 for values in fields.values()), fields
                with receiver.lock:
                    receiver.posts.append((self.path, form))
                page = f"<!doctype html><title>Farm</title><h1>Received {self.path}</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def last(self, path: str) -> dict[str, str]:
        with self.lock:
            return next(form for p, form in reversed(self.posts) if p == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
